import type { PushMutation } from '@quran-sync/protocol';
import type { OutboxEntry, RecordData } from './user-store.js';
import { recordKey } from './user-store-ops.js';
import type { UserStoreTransaction } from './user-store-transaction.js';

/**
 * The durable outbox: local mutations waiting for the server's ack, in the order the app made them.
 *
 * - `enqueue` runs in the same store transaction as the local change it carries (docs/user-client.md,
 *   "Outbox"), so a write the app saw succeed always has its entry. An UPDATE is folded into the record's
 *   last pending CREATE/UPDATE when that one is not being sent right now (entries carry whole states, so
 *   the later state supersedes); anything else is appended.
 * - `nextBatch` cuts the next push: the first `max` entries, put in dependency order (`orderBatch`), ended
 *   early before an entry that names a record whose CREATE earlier in the same batch the server may answer
 *   with a different id (a bookmark merged by location, a collection created by name) — that entry goes out
 *   in the next batch, after the ack mapped the id.
 */
export type NewEntry = Omit<OutboxEntry, 'seq' | 'createdAt'>;

export interface EnqueueContext {
  readonly nextSeq: () => number;
  /** Seqs of a push in flight: never changed, their ack will remove them. */
  readonly inflight: ReadonlySet<number>;
  readonly now: number;
}

export async function enqueue(tx: UserStoreTransaction, ctx: EnqueueContext, entry: NewEntry): Promise<void> {
  if (entry.type === 'UPDATE') {
    const pending = await tx.outboxFor(entry.resource, entry.id);
    const last = pending[pending.length - 1];
    if (last && last.type !== 'DELETE' && !ctx.inflight.has(last.seq)) {
      tx.putOutbox({ ...last, data: entry.data, createdAt: ctx.now });
      return;
    }
  }
  tx.putOutbox({ ...entry, seq: ctx.nextSeq(), createdAt: ctx.now });
}

/** The mutation as pushed. Links travel by collection id + bookmark details (found or created by the server). */
export function toWireMutation(entry: OutboxEntry): PushMutation {
  const data: Record<string, unknown> | null = entry.data ? { ...entry.data } : null;
  if (entry.resource === 'COLLECTION_BOOKMARK' && data) delete data.bookmarkId;
  return { type: entry.type, resource: entry.resource, ...(entry.sendId ? { resourceId: entry.id } : {}), ...(data ? { data } : {}) };
}

/** Link ids and payload fields that name other records. */
export function linkEnds(entry: Pick<OutboxEntry, 'resource' | 'data'>): { collectionId: string; bookmarkId: string } | null {
  if (entry.resource !== 'COLLECTION_BOOKMARK' || !entry.data) return null;
  const { collectionId, bookmarkId } = entry.data as { collectionId?: unknown; bookmarkId?: unknown };
  return typeof collectionId === 'string' && typeof bookmarkId === 'string' ? { collectionId, bookmarkId } : null;
}

/** A CREATE the server may acknowledge under another id than the local one. */
function mayBeRemapped(entry: OutboxEntry): boolean {
  return entry.type === 'CREATE' && (entry.resource === 'BOOKMARK' || entry.resource === 'COLLECTION' || entry.resource === 'READING_SESSION');
}

export function nextBatch(entries: readonly OutboxEntry[], max: number): OutboxEntry[] {
  const batch: OutboxEntry[] = [];
  const remappable = new Set<string>();
  // Dependency order first, then the cut: an entry naming a record whose CREATE the batch already holds (and
  // the server may answer under another id) waits for the next batch, after the ack mapped the id.
  for (const entry of orderBatch(entries.slice(0, max))) {
    const ends = linkEnds(entry);
    const names = [recordKey(entry.resource, entry.id), ...(ends ? [recordKey('COLLECTION', ends.collectionId)] : [])];
    if (names.some((n) => remappable.has(n))) break;
    batch.push(entry);
    if (mayBeRemapped(entry)) remappable.add(recordKey(entry.resource, entry.id));
  }
  return batch;
}

/**
 * Dependency order inside one batch (the server applies a batch in array order): a link CREATE after the
 * CREATE/UPDATE of its collection and of its bookmark; link changes before the DELETE of their bookmark or
 * collection; and the entries of one record in outbox order. Outbox order already satisfies this for writes
 * made through the client; the sort guards entries that moved (a quarantined entry retried later). A cycle
 * (which only contradictory manual edits could make) falls back to outbox order.
 */
export function orderBatch(batch: readonly OutboxEntry[]): OutboxEntry[] {
  const n = batch.length;
  const after: number[][] = batch.map(() => []);
  const indegree = new Array<number>(n).fill(0);
  const edge = (from: number, to: number): void => {
    after[from]!.push(to);
    indegree[to]!++;
  };
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      if (i === j) continue;
      const a = batch[i]!;
      const b = batch[j]!;
      if (a.resource === b.resource && a.id === b.id) {
        if (a.seq < b.seq) edge(i, j);
        continue;
      }
      const link = linkEnds(b);
      // b (a link) needs a (its collection or bookmark) to exist first.
      if (
        link &&
        b.type === 'CREATE' &&
        a.type !== 'DELETE' &&
        ((a.resource === 'COLLECTION' && a.id === link.collectionId) || (a.resource === 'BOOKMARK' && a.id === link.bookmarkId))
      )
        edge(i, j);
      // a (a link change) goes before b deletes its collection or bookmark.
      const aLink = linkEnds(a);
      if (
        aLink &&
        b.type === 'DELETE' &&
        ((b.resource === 'COLLECTION' && b.id === aLink.collectionId) || (b.resource === 'BOOKMARK' && b.id === aLink.bookmarkId))
      )
        edge(i, j);
    }
  }
  const done = new Array<boolean>(n).fill(false);
  const order: OutboxEntry[] = [];
  while (order.length < n) {
    // The lowest seq among entries whose dependencies are out; on a cycle, the lowest seq left.
    let pick = -1;
    for (let i = 0; i < n; i++) if (!done[i] && indegree[i] === 0 && (pick < 0 || batch[i]!.seq < batch[pick]!.seq)) pick = i;
    if (pick < 0) for (let i = 0; i < n; i++) if (!done[i] && (pick < 0 || batch[i]!.seq < batch[pick]!.seq)) pick = i;
    done[pick] = true;
    order.push(batch[pick]!);
    for (const j of after[pick]!) indegree[j]!--;
  }
  return order;
}

/** The outbox payload of a link, from its ends and the bookmark's details. */
export function linkPayload(
  collectionId: string,
  bookmark: { id: string; data: RecordData },
  times: { clientCreatedAt: string | null; clientUpdatedAt: string | null },
): RecordData {
  const b = bookmark.data;
  return {
    collectionId,
    bookmarkId: bookmark.id,
    type: b.type,
    key: b.key,
    verseNumber: b.verseNumber ?? null,
    mushaf: b.mushaf,
    clientCreatedAt: times.clientCreatedAt,
    clientUpdatedAt: times.clientUpdatedAt,
  };
}
