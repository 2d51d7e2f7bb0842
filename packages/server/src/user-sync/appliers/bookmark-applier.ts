import { DEFAULT_MUSHAF_ID, type BookmarkInput, type BookmarkLocation } from '@quran-sync/protocol';
import { sql } from 'kysely';
import { ApplyError, unknownResource } from '../apply-error.js';
import { bookmarkPayload, type BookmarkRow } from '../resource-payloads.js';
import type { ApplierContext } from '../write-engine/applier-context.js';
import { locationKey } from '../write-engine/batch-guesses.js';
import { clientTime, noRowAck, type AppliedResource, type GonePolicy } from './applied-resource.js';
import { reviseRow, tombstoneRow } from './row-revision.js';
import { deleteLinkRow } from './collection-bookmark-applier.js';

/**
 * BOOKMARK writes (user-sync.md, "Resource rules"): natural-key upserts by location, the single reading
 * bookmark, and deletes that take the bookmark's collection links with them. Every side effect is a
 * mutation of its own, recorded before (prerequisites) or after (consequences) the one that caused it.
 */
export async function bookmarkById(ctx: ApplierContext, id: string): Promise<BookmarkRow | undefined> {
  if (ctx.known.isAbsent('user_bookmarks', id)) return undefined;
  return (await ctx.db()).selectFrom('user_bookmarks').selectAll().where('user_id', '=', ctx.userId).where('id', '=', id).executeTakeFirst();
}

/** True when another user owns `id`: such an id is refused exactly like a missing one. */
export async function bookmarkIdTaken(ctx: ApplierContext, id: string): Promise<boolean> {
  if (ctx.known.isAbsent('user_bookmarks', id)) return false;
  const row = await (await ctx.db()).selectFrom('user_bookmarks').select('user_id').where('id', '=', id).executeTakeFirst();
  return row !== undefined && row.user_id !== ctx.userId;
}

export async function activeBookmarkAt(ctx: ApplierContext, location: Omit<BookmarkLocation, 'mushaf'>, mushaf: number): Promise<BookmarkRow | undefined> {
  if (ctx.known.isFreeLocation(locationKey(location, mushaf))) return undefined;
  return probeBookmarkAt(ctx, location, mushaf);
}

/**
 * The live bookmark at a location, always looked up: for answers that no later insert would check, where a
 * location merely assumed free (`ctx.known`) could give a wrong one.
 */
export async function probeBookmarkAt(ctx: ApplierContext, location: Omit<BookmarkLocation, 'mushaf'>, mushaf: number): Promise<BookmarkRow | undefined> {
  return (
    (await ctx.db())
      .selectFrom('user_bookmarks')
      .selectAll()
      .where('user_id', '=', ctx.userId)
      .where('deleted_at', 'is', null)
      .where('type', '=', location.type)
      .where('key', '=', location.key)
      .where('mushaf', '=', mushaf)
      // The index's own expression, so the lookup is one probe of user_bookmarks_location (verses start at 1).
      .where(sql<number>`coalesce(verse_number, 0)`, '=', location.verseNumber ?? 0)
      .executeTakeFirst()
  );
}

export async function isInDefaultCollection(ctx: ApplierContext, bookmarkId: string): Promise<boolean> {
  const defaultCollectionId = ctx.knownDefaultCollectionId();
  if (!defaultCollectionId) return false;
  const row = await (await ctx.db())
    .selectFrom('user_collection_bookmarks')
    .select('bookmark_id')
    .where('collection_id', '=', defaultCollectionId)
    .where('bookmark_id', '=', bookmarkId)
    .where('deleted_at', 'is', null)
    .executeTakeFirst();
  return row !== undefined;
}

async function applied(ctx: ApplierContext, row: BookmarkRow, timestamp: number): Promise<AppliedResource<BookmarkRow>> {
  return { resourceId: row.id, row, data: bookmarkPayload(row, await isInDefaultCollection(ctx, row.id)), timestamp };
}

/**
 * CREATE: the bookmark at this location (and mushaf) if one is live — acked with its id, so a retried push
 * never duplicates — else the one named by `resourceId`, else a new one.
 */
export async function createBookmark(ctx: ApplierContext, resourceId: string | null, input: BookmarkInput): Promise<AppliedResource<BookmarkRow>> {
  const byId = resourceId ? await bookmarkById(ctx, resourceId) : undefined;
  if (resourceId && !byId && (await bookmarkIdTaken(ctx, resourceId))) throw unknownResource();
  if (!input.location) throw new ApplyError('missing-field', 'type');
  const mushaf = input.mushaf ?? byId?.mushaf ?? DEFAULT_MUSHAF_ID;
  const atLocation = await activeBookmarkAt(ctx, input.location, mushaf);
  const existing = atLocation ?? byId ?? null;
  return writeBookmark(ctx, existing, existing?.id ?? resourceId ?? ctx.mintId(), { ...input, location: input.location, mushaf });
}

/**
 * UPDATE (an upsert, as mobile clients expect): changes the named bookmark, or creates it under that id. A
 * deleted one comes back, unless its location holds another live bookmark (another device deleted it and
 * bookmarked the place again): then, like a CREATE there, the update lands on that bookmark and is acked
 * with its id.
 */
export async function updateBookmark(ctx: ApplierContext, id: string, input: BookmarkInput): Promise<AppliedResource<BookmarkRow>> {
  const row = await bookmarkById(ctx, id);
  if (!row) {
    if (await bookmarkIdTaken(ctx, id)) throw unknownResource();
    return createBookmark(ctx, id, input);
  }
  const location = input.location ?? { type: row.type as BookmarkLocation['type'], key: row.key, verseNumber: row.verse_number };
  const mushaf = input.mushaf ?? row.mushaf;
  const occupant = row.deleted_at !== null ? await activeBookmarkAt(ctx, location, mushaf) : undefined;
  const target = occupant ?? row;
  return writeBookmark(ctx, target, target.id, { ...input, location, mushaf });
}

interface BookmarkFields {
  readonly location: Omit<BookmarkLocation, 'mushaf'>;
  readonly mushaf: number;
  readonly isReading: boolean | undefined;
  readonly clientCreatedAt: string | null | undefined;
  readonly clientUpdatedAt: string | null | undefined;
}

/** Writes `fields` onto `existing` (reviving a tombstone) or inserts a new bookmark `newId`. */
async function writeBookmark(ctx: ApplierContext, existing: BookmarkRow | null, newId: string, fields: BookmarkFields): Promise<AppliedResource<BookmarkRow>> {
  const { userId } = ctx;
  const id = existing?.id ?? newId;
  if (!existing) {
    if (fields.isReading === true) await clearReadingBookmark(ctx, id);
    ctx.known.locationTaken(locationKey(fields.location, fields.mushaf));
    const timestamp = ctx.record('BOOKMARK', id, 'create');
    const now = new Date(timestamp);
    // Every column, as the database returns it: the insert is deferred and batched with the write's others.
    const row: BookmarkRow = {
      id,
      user_id: userId,
      type: fields.location.type,
      key: fields.location.key,
      verse_number: fields.location.verseNumber,
      mushaf: fields.mushaf,
      is_reading: fields.isReading === true,
      client_created_at: clientTime(fields.clientCreatedAt, null),
      client_updated_at: clientTime(fields.clientUpdatedAt, null),
      created_at: now,
      updated_at: now,
      deleted_at: null,
    };
    ctx.insert('user_bookmarks', row);
    // A bookmark created just now is in no collection yet.
    return { resourceId: id, row, data: bookmarkPayload(row, false), timestamp };
  }

  const revived = existing.deleted_at !== null;
  const next = {
    type: fields.location.type,
    key: fields.location.key,
    verse_number: fields.location.verseNumber,
    mushaf: fields.mushaf,
    // A revived bookmark starts as a plain one unless the write says otherwise.
    is_reading: fields.isReading ?? (revived ? false : existing.is_reading),
    client_created_at: clientTime(fields.clientCreatedAt, existing.client_created_at),
    client_updated_at: clientTime(fields.clientUpdatedAt, existing.client_updated_at),
  };
  const moved = next.type !== existing.type || next.key !== existing.key || next.verse_number !== existing.verse_number || next.mushaf !== existing.mushaf;
  const revision = await reviseRow(ctx, { table: 'user_bookmarks', resource: 'BOOKMARK', row: existing }, next, {
    async beforeRecord() {
      if (moved || revived) {
        const occupant = await activeBookmarkAt(ctx, fields.location, fields.mushaf);
        if (occupant && occupant.id !== id) throw new ApplyError('duplicate-bookmark');
      }
      if (next.is_reading && !existing.is_reading) await clearReadingBookmark(ctx, id);
      ctx.known.locationTaken(locationKey(fields.location, fields.mushaf));
    },
  });
  return applied(ctx, revision.row, revision.timestamp);
}

/** One reading bookmark per user: the previous one stops being it (a BOOKMARK UPDATE of its own). */
async function clearReadingBookmark(ctx: ApplierContext, exceptId: string): Promise<void> {
  const previous = await (await ctx.db())
    .selectFrom('user_bookmarks')
    .select('id')
    .where('user_id', '=', ctx.userId)
    .where('is_reading', '=', true)
    .where('deleted_at', 'is', null)
    .where('id', '!=', exceptId)
    .executeTakeFirst();
  if (!previous) return;
  const timestamp = ctx.record('BOOKMARK', previous.id, 'update');
  await (await ctx.db())
    .updateTable('user_bookmarks')
    .set({ is_reading: false, updated_at: new Date(timestamp) })
    .where('id', '=', previous.id)
    .execute();
}

/**
 * DELETE: its links go first (each a COLLECTION_BOOKMARK DELETE), then the bookmark. Deleting twice is fine;
 * an id this user has no bookmark of is refused or acknowledged per `gone`.
 */
export async function deleteBookmarkById(ctx: ApplierContext, id: string, gone: GonePolicy = 'refuse'): Promise<AppliedResource<BookmarkRow | null>> {
  const row = await bookmarkById(ctx, id);
  if (!row) return noRowAck(ctx, gone, 'BOOKMARK', id);
  return deleteBookmark(ctx, row);
}

export async function deleteBookmark(ctx: ApplierContext, row: BookmarkRow): Promise<AppliedResource<BookmarkRow>> {
  const deletion = await tombstoneRow(
    ctx,
    { table: 'user_bookmarks', resource: 'BOOKMARK', row },
    {
      also: { is_reading: false },
      async beforeRecord() {
        const links = await (await ctx.db())
          .selectFrom('user_collection_bookmarks')
          .selectAll()
          .where('bookmark_id', '=', row.id)
          .where('user_id', '=', ctx.userId)
          .where('deleted_at', 'is', null)
          .orderBy('created_at')
          .orderBy('collection_id')
          .execute();
        for (const link of links) await deleteLinkRow(ctx, link, { afterUnlink: 'nothing' });
      },
    },
  );
  if (!deletion.changed) return applied(ctx, row, deletion.timestamp);
  return { resourceId: row.id, row: deletion.row, data: bookmarkPayload(deletion.row, false), timestamp: deletion.timestamp };
}

/**
 * After a link is removed: QF's orphan rule deletes a bookmark that lost its last collection unless it is the
 * reading bookmark; otherwise, if the link was to the default collection, `isInDefaultCollection` changed
 * and the bookmark gets an UPDATE.
 */
export async function afterBookmarkUnlinked(ctx: ApplierContext, bookmarkId: string, wasDefault: boolean): Promise<void> {
  const row = await bookmarkById(ctx, bookmarkId);
  if (!row || row.deleted_at !== null) return;
  const remaining = await (await ctx.db())
    .selectFrom('user_collection_bookmarks')
    .select('collection_id')
    .where('bookmark_id', '=', bookmarkId)
    .where('deleted_at', 'is', null)
    .executeTakeFirst();
  if (!remaining && !row.is_reading) {
    await deleteBookmark(ctx, row);
    return;
  }
  if (wasDefault) await touchBookmark(ctx, bookmarkId);
}

/** Records a BOOKMARK UPDATE for a change of derived state (`isInDefaultCollection`). */
export async function touchBookmark(ctx: ApplierContext, bookmarkId: string): Promise<void> {
  const timestamp = ctx.record('BOOKMARK', bookmarkId, 'update');
  await (await ctx.db())
    .updateTable('user_bookmarks')
    .set({ updated_at: new Date(timestamp) })
    .where('id', '=', bookmarkId)
    .execute();
}

export { applied as bookmarkApplied };
