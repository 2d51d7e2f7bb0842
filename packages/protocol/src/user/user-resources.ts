import { scopeGrants } from '../auth/scopes.js';

/**
 * The user-data resources of the sync API (user-sync.md, "Resources") and the scopes that cover them.
 * Server and SDK decide from this one table which resources a token may pull and push.
 */
export const USER_RESOURCES = ['BOOKMARK', 'COLLECTION', 'COLLECTION_BOOKMARK', 'NOTE', 'READING_SESSION', 'PREFERENCE'] as const;
export type UserResource = (typeof USER_RESOURCES)[number];

export const MUTATION_TYPES = ['CREATE', 'UPDATE', 'DELETE'] as const;
export type MutationType = (typeof MUTATION_TYPES)[number];

/** Every `/v1/sync` call needs this scope on top of the resource scopes. */
export const SYNC_SCOPE = 'sync';

/**
 * Parent scopes a resource needs; a link between a bookmark and a collection touches both, so it needs both.
 * A child action scope (`bookmark.read`, `bookmark.create`, …) grants just that action.
 */
export const RESOURCE_SCOPES: Readonly<Record<UserResource, readonly string[]>> = {
  BOOKMARK: ['bookmark'],
  COLLECTION: ['collection'],
  COLLECTION_BOOKMARK: ['bookmark', 'collection'],
  NOTE: ['note'],
  READING_SESSION: ['reading_session'],
  PREFERENCE: ['preference'],
};

const RESOURCE_SET = new Set<string>(USER_RESOURCES);
const TYPE_SET = new Set<string>(MUTATION_TYPES);

export function isUserResource(value: unknown): value is UserResource {
  return typeof value === 'string' && RESOURCE_SET.has(value);
}

export function isMutationType(value: unknown): value is MutationType {
  return typeof value === 'string' && TYPE_SET.has(value);
}

/** The scope action a mutation type needs (`CREATE` → `create`, …). */
export function scopeActionOf(type: MutationType): 'create' | 'update' | 'delete' {
  return type === 'CREATE' ? 'create' : type === 'UPDATE' ? 'update' : 'delete';
}

/** Child action scopes an operation on a resource needs, e.g. `['bookmark.read', 'collection.read']`. */
export function resourceActionScopes(resource: UserResource, action: 'read' | 'create' | 'update' | 'delete'): string[] {
  return RESOURCE_SCOPES[resource].map((parent) => `${parent}.${action}`);
}

/** True when the granted scopes allow `action` on `resource` (parents grant their children). */
export function canAccessResource(
  granted: ReadonlySet<string> | readonly string[],
  resource: UserResource,
  action: 'read' | 'create' | 'update' | 'delete',
): boolean {
  const set = granted instanceof Set ? granted : new Set(granted as readonly string[]);
  return resourceActionScopes(resource, action).every((scope) => scopeGrants(set, scope));
}

/** Resources a token may pull, in the canonical order. */
export function readableResources(granted: ReadonlySet<string> | readonly string[]): UserResource[] {
  return USER_RESOURCES.filter((resource) => canAccessResource(granted, resource, 'read'));
}
