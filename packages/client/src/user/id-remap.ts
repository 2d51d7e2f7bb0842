import { collectionBookmarkId, naturalKeyOf, parseCollectionBookmarkId, type UserResource } from '@quran-sync/protocol';
import type { OutboxEntry, RecordData } from './user-store.js';
import type { UserStoreTransaction } from './user-store-transaction.js';

/**
 * Moving a record created offline onto the id the server gave it (user-sync.md: "map server ids onto local
 * records"). The server answers a bookmark CREATE at an occupied location with the existing bookmark, a
 * collection created by name with the live collection of that name (or a new id), and a reading session at
 * an occupied position with that session, so the ack may name another id than the device minted. What the
 * device shows and what it still has to send move with it, in the same transaction: the record's local view
 * (merged into the target when the device already has it), its outbox and quarantine entries, and the links
 * (whose ids embed both ends).
 *
 * The confirmed server state (`base`) never moves: it belongs to the id the server named it under, and only a
 * pull changes it. A source the server still knows keeps its base (its view emptied), so the next rebuild
 * shows whatever the server says about it — never a state carried over to an id the server did not give it.
 */
export async function remapRecord(
  tx: UserStoreTransaction,
  resource: 'BOOKMARK' | 'COLLECTION' | 'READING_SESSION',
  from: string,
  to: string,
  now: number,
): Promise<void> {
  if (from === to) return;
  await moveRecord(tx, resource, from, to, (data) => data, now);
  if (resource === 'READING_SESSION') return;

  const end = (ends: { collectionId: string; bookmarkId: string }) => (resource === 'COLLECTION' ? ends.collectionId : ends.bookmarkId);
  const moved = (ends: { collectionId: string; bookmarkId: string }) =>
    resource === 'COLLECTION' ? { collectionId: to, bookmarkId: ends.bookmarkId } : { collectionId: ends.collectionId, bookmarkId: to };
  const rewrite = (data: RecordData | null): RecordData | null => {
    if (!data) return data;
    const ends = linkDataEnds(data);
    return ends && end(ends) === from ? { ...data, ...moved(ends) } : data;
  };

  for (const link of await tx.listRecords('COLLECTION_BOOKMARK', { includeDeleted: true })) {
    const ends = parseCollectionBookmarkId(link.id);
    if (!ends || end(ends) !== from) continue;
    const target = moved(ends);
    await moveRecord(tx, 'COLLECTION_BOOKMARK', link.id, collectionBookmarkId(target.collectionId, target.bookmarkId), rewrite, now);
  }
  // Queued links name their bookmark by location (the id they carry only names the local link record, and the
  // links the device holds moved above), so a bookmark's new id needs no pass over the whole outbox: a device
  // re-adding thousands of bookmarks the server already has would otherwise pay one pass per bookmark. A
  // collection's does: its queued links are pushed with its id.
  if (resource === 'BOOKMARK') return;
  // Entries whose record is gone already (a pending link deletion), and set-aside entries.
  for (const entry of await tx.listOutbox()) {
    const next = rewriteEntry(entry, resource, from, to, rewrite);
    if (next) tx.putOutbox(next);
  }
  for (const entry of await tx.listQuarantine()) {
    const next = rewriteEntry(entry, resource, from, to, rewrite);
    if (next) tx.putQuarantine(next);
  }
}

function rewriteEntry<E extends OutboxEntry>(
  entry: E,
  resource: UserResource,
  from: string,
  to: string,
  rewrite: (data: RecordData | null) => RecordData | null,
): E | null {
  if (entry.resource === resource && entry.id === from) return { ...entry, id: to };
  if (entry.resource !== 'COLLECTION_BOOKMARK') return null;
  const data = rewrite(entry.data);
  if (data === entry.data) return null;
  const ends = linkDataEnds(data!)!;
  return { ...entry, id: collectionBookmarkId(ends.collectionId, ends.bookmarkId), data };
}

function linkDataEnds(data: RecordData): { collectionId: string; bookmarkId: string } | null {
  return typeof data.collectionId === 'string' && typeof data.bookmarkId === 'string' ? { collectionId: data.collectionId, bookmarkId: data.bookmarkId } : null;
}

/**
 * Moves the view of record `from` to id `to`. When `to` exists already, the two merge: the local state of
 * `from` wins if it has pending changes (the newest intent), else the target's stays. Each keeps its own base.
 */
async function moveRecord(
  tx: UserStoreTransaction,
  resource: UserResource,
  from: string,
  to: string,
  rewrite: (data: RecordData | null) => RecordData | null,
  now: number,
): Promise<void> {
  const entries = await tx.outboxFor(resource, from);
  for (const e of entries) tx.putOutbox({ ...e, id: to, data: rewrite(e.data) });
  const source = await tx.getRecord(resource, from);
  if (!source) return;
  const target = await tx.getRecord(resource, to);
  const data = target && entries.length === 0 ? target.data : rewrite(source.data);
  tx.putRecord({
    resource,
    id: to,
    data,
    base: target?.base ?? null,
    baseTimestamp: target?.baseTimestamp ?? null,
    naturalKey: naturalKeyOf(resource, data),
    updatedAt: now,
  });
  if (source.base === null) tx.deleteRecord(resource, from);
  else tx.putRecord({ ...source, data: null, naturalKey: null, updatedAt: now });
}
