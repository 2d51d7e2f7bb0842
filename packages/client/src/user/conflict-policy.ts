import { WRITABLE_FIELDS } from '@quran-sync/protocol';
import type { UserResource } from '@quran-sync/protocol';
import type { RecordData } from './user-store.js';
import { clientTimeMs, jsonEqual } from './user-resource-data.js';

/**
 * What happens when a pull brings a change, made by another device, to a record this device has pending
 * (unpushed) changes to. The rebase asks the policy once per such record (docs/user-client.md, "Conflicts").
 *
 * Policies:
 * - `serverWins` (default): the local change is replayed on top of the server's new state, field by field —
 *   fields the server changed take the server's value, fields only this device changed keep the local value
 *   (preference groups go one level deeper: per key). Nothing the other device changed is overwritten.
 *   A deletion wins on either side: an edit elsewhere never brings back what the user deleted here (the edit may
 *   even be a side effect, e.g. the reading flag cleared because another bookmark became the reading one), and
 *   an edit here does not undo a deletion made elsewhere. The outcome is the same whichever device syncs first.
 * - `lastWriterWins`: the whole record of whichever side has the later `clientUpdatedAt` (ties: the server);
 *   a deletion carries no client time on the wire, so a deletion on either side wins. Preferences carry no
 *   client time either and fall back to `serverWins`.
 * - any function `(conflict) => resolution` (custom merge).
 *
 * Whatever the outcome, the client reports it (`conflict` event), so a discarded local change is never silent.
 */
export interface ConflictContext {
  readonly resource: UserResource;
  readonly id: string;
  /** The server state this device knew before the remote change; null when it knew none. */
  readonly base: RecordData | null;
  /** This device's pending state; null: a pending deletion. */
  readonly local: RecordData | null;
  /** The server's new state; null: deleted on the server. */
  readonly remote: RecordData | null;
  /** Server timestamp of the remote change. */
  readonly remoteTimestamp: number;
}

export type ConflictResolution =
  /** Keep the server's state; the pending local changes of this record are dropped. */
  | { readonly use: 'remote' }
  /** Keep the local state; the pending changes are pushed as they are (an update revives a server deletion). */
  | { readonly use: 'local' }
  /** Push this state instead (`null`: delete). */
  | { readonly use: 'merged'; readonly data: RecordData | null };

export type ConflictPolicy = (conflict: ConflictContext) => ConflictResolution;

export type ConflictPolicyName = 'server-wins' | 'last-writer-wins';

export const serverWins: ConflictPolicy = (c) => {
  if (c.remote === null) return { use: 'remote' };
  if (c.local === null) return { use: 'local' };
  const base = c.base ?? {};
  const merged: Record<string, unknown> = { ...c.remote };
  for (const field of WRITABLE_FIELDS[c.resource]) {
    if (c.resource === 'PREFERENCE' && field === 'value') {
      merged.value = rebaseObject(asObject(base.value), asObject(c.local.value), asObject(c.remote.value));
    } else if (jsonEqual(c.remote[field], base[field])) {
      merged[field] = c.local[field];
    }
  }
  if (sameWritable(c.resource, merged, c.remote)) return { use: 'remote' };
  // The result is a new local write on top of the server's state: it carries the local write's time.
  if (c.local.clientUpdatedAt !== undefined) merged.clientUpdatedAt = c.local.clientUpdatedAt;
  if (sameWritable(c.resource, merged, c.local)) return { use: 'local' };
  return { use: 'merged', data: merged };
};

export const lastWriterWins: ConflictPolicy = (c) => {
  if (c.remote === null) return { use: 'remote' };
  if (c.local === null) return { use: 'local' };
  const localAt = clientTimeMs(c.local.clientUpdatedAt);
  const remoteAt = clientTimeMs(c.remote.clientUpdatedAt);
  if (localAt === null || remoteAt === null) return serverWins(c);
  return localAt > remoteAt ? { use: 'local' } : { use: 'remote' };
};

/** The policy for a name, or the function itself. */
export function resolveConflictPolicy(policy: ConflictPolicyName | ConflictPolicy | undefined): ConflictPolicy {
  if (policy === undefined || policy === 'server-wins') return serverWins;
  if (policy === 'last-writer-wins') return lastWriterWins;
  if (typeof policy === 'function') return policy;
  throw new TypeError(`unknown conflict policy ${JSON.stringify(policy)}`);
}

function asObject(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

/** Keys the server changed (remote ≠ base) take the server's value; the others keep the local one. */
function rebaseObject(base: Record<string, unknown>, local: Record<string, unknown>, remote: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...local };
  for (const key of new Set([...Object.keys(base), ...Object.keys(remote)])) {
    if (jsonEqual(remote[key], base[key])) continue;
    if (remote[key] === undefined) delete out[key];
    else out[key] = remote[key];
  }
  return out;
}

function sameWritable(resource: UserResource, a: RecordData, b: RecordData): boolean {
  return WRITABLE_FIELDS[resource].every((field) => jsonEqual(a[field], b[field]));
}
