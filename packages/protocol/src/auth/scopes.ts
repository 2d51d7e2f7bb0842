/**
 * OAuth2 scopes of the contract (auth-and-errors.md, "Scopes").
 *
 * A parent scope (`bookmark`) grants every child action (`bookmark.read`, `bookmark.create`, …); a child
 * scope grants only itself. `content.write` is deliberately *not* a child of `content`: every app holds
 * `content` for reading, and editorial power must never follow from it (docs/contract-decisions.md).
 */
export const PARENT_SCOPES = [
  'content',
  'sync',
  'bookmark',
  'collection',
  'note',
  'reading_session',
  'preference',
  'app_state',
  'openid',
  'offline_access',
] as const;
export type ParentScope = (typeof PARENT_SCOPES)[number];

export const SCOPE_ACTIONS = ['read', 'create', 'update', 'delete', 'publish'] as const;
export type ScopeAction = (typeof SCOPE_ACTIONS)[number];

/** Resource scopes that have child actions. */
export const ACTION_SCOPES = ['bookmark', 'collection', 'note', 'reading_session', 'preference'] as const;

/** App State (QF): `app_state` grants both; `app_state.read` reads, `app_state.write` writes. */
export const APP_STATE_SCOPES = { all: 'app_state', read: 'app_state.read', write: 'app_state.write' } as const;

/** Extension scopes granted only by name, never through a parent. */
export const STANDALONE_SCOPES = ['content.write'] as const;

export const CONTENT_WRITE_SCOPE = 'content.write';

/** Every scope a client may be allowed: parents, their child actions, and the standalone ones. */
export const ALL_SCOPES: readonly string[] = [
  ...PARENT_SCOPES,
  ...ACTION_SCOPES.flatMap((parent) => SCOPE_ACTIONS.map((action) => `${parent}.${action}`)),
  APP_STATE_SCOPES.read,
  APP_STATE_SCOPES.write,
  ...STANDALONE_SCOPES,
];

const KNOWN = new Set(ALL_SCOPES);
const STANDALONE = new Set<string>(STANDALONE_SCOPES);

export function isKnownScope(scope: string): boolean {
  return KNOWN.has(scope);
}

/** Splits a space-separated scope string (RFC 6749 §3.3), dropping empty parts and duplicates. */
export function parseScopeString(scope: string | undefined | null): string[] {
  if (!scope) return [];
  return [...new Set(scope.split(' ').filter((s) => s.length > 0))];
}

/** True when `granted` covers `required`, by name or through its parent scope. */
export function scopeGrants(granted: ReadonlySet<string> | readonly string[], required: string): boolean {
  const set = granted instanceof Set ? granted : new Set(granted as readonly string[]);
  if (set.has(required)) return true;
  if (STANDALONE.has(required)) return false;
  const dot = required.indexOf('.');
  return dot > 0 && set.has(required.slice(0, dot));
}

/** True when `granted` covers every scope in `required`. */
export function scopesGrantAll(granted: ReadonlySet<string> | readonly string[], required: readonly string[]): boolean {
  const set = granted instanceof Set ? granted : new Set(granted as readonly string[]);
  return required.every((r) => scopeGrants(set, r));
}
