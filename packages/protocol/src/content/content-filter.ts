import { isResourceGroupName, type ResourceGroupName } from './resource-group-names.js';

/**
 * The content filter: which resources a client tracks (content-sync.md, "Filter grammar and canonical form").
 *
 *   filter := part (';' part)*      part := group ':' ( '*' | ids )      ids := id (',' id)*
 *
 * Canonical form: groups sorted by name, ids deduplicated and sorted numerically, `*` absorbing the explicit
 * ids of its group, repeated groups merged. Sync tokens and cursors bind to the canonical string, so any
 * spelling of the same set of resources yields the same binding. Server and SDK both use this module: the
 * SDK keys its checkpoint by the same canonical string the server binds tokens to.
 */
export interface ContentFilterPart {
  readonly group: ResourceGroupName;
  /** `'*'` for every resource of the group, else a sorted, duplicate-free list of ids. */
  readonly ids: '*' | readonly number[];
}

export interface ContentFilter {
  /** Sorted by group name, one entry per group. */
  readonly parts: readonly ContentFilterPart[];
  /** The canonical string, e.g. `tafsirs:151;translations:19,20`. */
  readonly canonical: string;
}

export type ContentFilterError = {
  readonly code: 'invalid_resources' | 'unknown_resource_group';
  readonly message: string;
};

export type ContentFilterResult = { readonly ok: true; readonly filter: ContentFilter } | { readonly ok: false; readonly error: ContentFilterError };

/** Resource ids are PostgreSQL `integer`s. */
export const MAX_RESOURCE_ID = 2_147_483_647;
/** Upper bound on explicit ids in one filter, so a filter (and the tokens bound to it) stays small. */
export const MAX_FILTER_IDS = 1000;
/** Upper bound on the filter's length in characters, checked before any parsing work. */
export const MAX_FILTER_LENGTH = 8_000;

const ID_PATTERN = /^[0-9]{1,10}$/;
const GROUP_PATTERN = /^[a-z_]{1,64}$/;

function invalid(message: string): ContentFilterResult {
  return { ok: false, error: { code: 'invalid_resources', message } };
}

export function parseContentFilter(input: unknown): ContentFilterResult {
  if (typeof input !== 'string' || input.length === 0) return invalid('resources is required');
  if (input.length > MAX_FILTER_LENGTH) return invalid(`resources is longer than ${MAX_FILTER_LENGTH} characters`);
  if (/\s/.test(input)) return invalid('resources must not contain whitespace');

  const merged = new Map<ResourceGroupName, '*' | Set<number>>();
  let explicitIds = 0;
  for (const part of input.split(';')) {
    const colon = part.indexOf(':');
    if (colon <= 0) return invalid(`malformed filter part "${truncate(part)}": expected group:ids or group:*`);
    const group = part.slice(0, colon);
    const list = part.slice(colon + 1);
    if (!GROUP_PATTERN.test(group)) return invalid(`malformed group name "${truncate(group)}"`);
    if (!isResourceGroupName(group)) {
      return { ok: false, error: { code: 'unknown_resource_group', message: `unknown resource group "${group}"` } };
    }
    if (list.length === 0) return invalid(`no ids given for group "${group}"`);
    let ids = merged.get(group) ?? new Set<number>();
    for (const token of list.split(',')) {
      if (token === '*') {
        ids = '*';
        continue;
      }
      if (!ID_PATTERN.test(token)) return invalid(`resource id "${truncate(token)}" in group "${group}" is not a positive integer`);
      const id = Number(token);
      if (id < 1 || id > MAX_RESOURCE_ID) return invalid(`resource id ${token} in group "${group}" is out of range`);
      if (ids !== '*') {
        ids.add(id);
        if (++explicitIds > MAX_FILTER_IDS) return invalid(`more than ${MAX_FILTER_IDS} resource ids`);
      }
    }
    merged.set(group, ids);
  }

  const parts: ContentFilterPart[] = [...merged.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([group, ids]) => ({ group, ids: ids === '*' ? '*' : [...ids].sort((a, b) => a - b) }));
  return { ok: true, filter: { parts, canonical: formatContentFilter(parts) } };
}

/** The canonical string of already-canonical parts. */
export function formatContentFilter(parts: readonly ContentFilterPart[]): string {
  return parts.map((p) => `${p.group}:${p.ids === '*' ? '*' : p.ids.join(',')}`).join(';');
}

/** True when the filter tracks resource `(group, id)`. */
export function contentFilterIncludes(filter: ContentFilter, group: string, id: number): boolean {
  const part = filter.parts.find((p) => p.group === group);
  if (!part) return false;
  return part.ids === '*' || part.ids.includes(id);
}

function truncate(s: string): string {
  return s.length > 40 ? `${s.slice(0, 40)}…` : s;
}
