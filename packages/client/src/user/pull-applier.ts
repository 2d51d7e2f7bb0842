import { WRITABLE_FIELDS, naturalKeyOf } from '@quran-sync/protocol';
import type { SyncEntry as SyncMutationEntry } from './user-sync-api.js';
import type { ConflictPolicy } from './conflict-policy.js';
import { linkEnds } from './outbox.js';
import type { ConflictReport } from './user-sync-events.js';
import type { OutboxEntry, RecordData, UserRecord } from './user-store.js';
import type { UserStoreTransaction } from './user-store-transaction.js';
import { jsonEqual, recordIdOf } from './user-resource-data.js';
import { wireData } from './wire-data.js';

/**
 * Applies pulled entries to the store and rebases the outbox on them (user-sync.md, client rules: "pull,
 * apply, rebase the outbox per the conflict policy").
 *
 * Which entries are this device's own: pushes must name the current head, so between two pulls the head only
 * moves by this device's own pushes, and every server mutation in `(pulledThrough, ownHead]` is its own (the
 * echo of its pushes and their side effects). An entry at or below `ownHead` therefore only updates the
 * record's server state (`base`); its local pending changes stay on top. An entry above `ownHead` was written
 * by someone else: if the record has pending changes, the conflict policy decides; if not, the record simply
 * takes the server's state.
 */
export interface PullApplyContext {
  readonly tx: UserStoreTransaction;
  readonly policy: ConflictPolicy;
  readonly ownHead: number;
  readonly now: number;
  /** The outbox is empty: skip the per-entry outbox lookups (a fresh device pulling its history). */
  readonly outboxEmpty: boolean;
  /**
   * The store held nothing when this pull began (a first sync with nothing queued): a record is only in it if
   * this pull put it there, so there is nothing to look up in the store; a later page's entry simply replaces
   * an earlier page's (it is newer: pages advance by timestamp).
   */
  readonly freshStore?: boolean;
  readonly conflicts: ConflictReport[];
}

export async function applyPulledEntry(ctx: PullApplyContext, entry: SyncMutationEntry): Promise<void> {
  const { tx } = ctx;
  const id = recordIdOf(entry);
  if (id === null) return;
  const remote = entry.type === 'DELETE' ? null : (entry.data as RecordData | null);
  const record = ctx.freshStore ? tx.buffered(entry.resource, id) : await tx.getRecord(entry.resource, id);
  // Pages may repeat an entry (a resource that changed while paging); an older state never overwrites a newer one.
  if (record && record.baseTimestamp !== null && entry.timestamp <= record.baseTimestamp) return;
  const pending = ctx.outboxEmpty ? [] : await tx.outboxFor(entry.resource, id);

  // The confirmed state is the server's, always. What the app sees follows it at once where nothing is pending
  // for the record; elsewhere the rebuild at the end of the pull replays the pending changes on top.
  confirm(ctx.tx, entry, record, remote, pending.length === 0, ctx.now, ctx.freshStore === true);
  if (pending.length === 0) {
    if (remote === null && entry.timestamp > ctx.ownHead) await dropDependentLinks(ctx, entry, id);
    return;
  }
  // The echo of this device's own push (or a server state one of its pending changes would produce anyway,
  // e.g. a push the server applied whose answer was lost): no conflict, the pending changes apply on top.
  if (entry.timestamp <= ctx.ownHead || matchesPending(entry.resource, remote, pending)) return;

  const local = record?.data ?? null;
  const base = record?.base ?? null;
  const resolution = ctx.policy({ resource: entry.resource, id, base, local, remote, remoteTimestamp: entry.timestamp });
  let result: RecordData | null;
  switch (resolution.use) {
    case 'remote':
      for (const e of pending) tx.deleteOutbox(e.seq);
      result = remote;
      if (remote === null) await dropDependentLinks(ctx, entry, id);
      break;
    case 'local':
      result = local;
      break;
    case 'merged': {
      result = resolution.data;
      const first = pending[0]!;
      for (const e of pending.slice(1)) tx.deleteOutbox(e.seq);
      tx.putOutbox(mergedEntry(first, entry.resource === 'COLLECTION_BOOKMARK' ? (first.data ?? null) : null, result, ctx.now));
      break;
    }
  }
  ctx.conflicts.push({ resource: entry.resource, id, outcome: resolution.use, base, local, remote, result });
}

function matchesPending(resource: UserRecord['resource'], remote: RecordData | null, pending: readonly OutboxEntry[]): boolean {
  return pending.some((e) => {
    if (remote === null || e.type === 'DELETE') return remote === null && e.type === 'DELETE';
    if (resource === 'COLLECTION_BOOKMARK') return true;
    return e.data !== null && WRITABLE_FIELDS[resource].every((field) => jsonEqual(remote[field], e.data![field]));
  });
}

/**
 * Records the server's state as the record's confirmed state (`base`); with `show`, the app's view takes it
 * too (nothing is pending for the record). A record neither confirmed nor shown any more is dropped.
 */
export function confirm(
  tx: UserStoreTransaction,
  entry: SyncMutationEntry,
  record: UserRecord | null,
  remote: RecordData | null,
  show: boolean,
  now: number,
  unread = false,
): void {
  const id = record?.id ?? recordIdOf(entry)!;
  const data = show ? remote : (record?.data ?? null);
  if (remote === null && data === null) {
    // `unread`: the record was not looked up, an earlier page may have stored it.
    if (record || unread) tx.deleteRecord(entry.resource, id);
    return;
  }
  tx.putRecord({
    resource: entry.resource,
    id,
    data,
    base: remote,
    baseTimestamp: entry.timestamp,
    naturalKey: naturalKeyOf(entry.resource, data),
    updatedAt: show ? now : (record?.updatedAt ?? now),
  });
}

/** The one entry that replaces a record's pending entries after a merge. */
function mergedEntry(first: OutboxEntry, linkDetails: RecordData | null, data: RecordData | null, now: number): OutboxEntry {
  if (first.resource === 'COLLECTION_BOOKMARK') {
    return { ...first, type: data === null ? 'DELETE' : 'CREATE', data: linkDetails, createdAt: now };
  }
  if (data === null)
    return {
      ...first,
      type: 'DELETE',
      sendId: first.resource !== 'PREFERENCE',
      data: first.resource === 'PREFERENCE' ? { group: first.id } : null,
      createdAt: now,
    };
  // An UPDATE names the record; the server upserts it (a deletion on the server is revived).
  return { ...first, type: 'UPDATE', sendId: first.resource !== 'PREFERENCE', data: wireData(first.resource, data), createdAt: now };
}

/**
 * Another device deleted a collection or bookmark: pending link CREATEs into it cannot apply any more (the
 * server deleted its links too). They are dropped and reported, as the server's cascade would have.
 */
async function dropDependentLinks(ctx: PullApplyContext, entry: SyncMutationEntry, id: string): Promise<void> {
  if (entry.resource !== 'COLLECTION' && entry.resource !== 'BOOKMARK') return;
  if (ctx.outboxEmpty) return;
  const side = entry.resource === 'COLLECTION' ? 'collectionId' : 'bookmarkId';
  for (const e of await ctx.tx.listOutbox()) {
    const ends = linkEnds(e);
    if (!ends || e.type !== 'CREATE' || ends[side] !== id) continue;
    ctx.tx.deleteOutbox(e.seq);
    const link = await ctx.tx.getRecord('COLLECTION_BOOKMARK', e.id);
    ctx.conflicts.push({
      resource: 'COLLECTION_BOOKMARK',
      id: e.id,
      outcome: 'dropped',
      base: link?.base ?? null,
      local: link?.data ?? e.data,
      remote: null,
      result: link?.base ?? null,
    });
  }
}
