import { collectionBookmarkId, DEFAULT_MUSHAF_ID, type BookmarkLocation, type LinkInput } from '@quran-sync/protocol';
import { unknownResource } from '../apply-error.js';
import { linkPayload, type BookmarkRow, type LinkRow, type Payload } from '../resource-payloads.js';
import type { ApplierContext } from '../write-engine/applier-context.js';
import { clientTime, sameTime, type AppliedResource, type GonePolicy } from './applied-resource.js';
import { activeBookmarkAt, afterBookmarkUnlinked, bookmarkById, createBookmark, probeBookmarkAt, touchBookmark } from './bookmark-applier.js';
import { collectionById, knownCollectionId } from './collection-applier.js';

/**
 * COLLECTION_BOOKMARK writes: links between a collection and a bookmark, named by the composite id
 * `"<collectionId>-<bookmarkId>"` or by the collection plus the bookmark's id or details. Adding a link
 * by details finds or creates the bookmark; membership of the default collection shows on the bookmark as
 * `isInDefaultCollection`, so linking or unlinking it also records a BOOKMARK UPDATE.
 */
async function applied(ctx: ApplierContext, link: LinkRow, bookmark: BookmarkRow | undefined, timestamp: number): Promise<AppliedResource<LinkRow>> {
  const target = bookmark ?? (await bookmarkById(ctx, link.bookmark_id));
  return { resourceId: collectionBookmarkId(link.collection_id, link.bookmark_id), row: link, data: linkPayload(link, target), timestamp };
}

async function findLink(ctx: ApplierContext, collectionId: string, bookmarkId: string): Promise<LinkRow | undefined> {
  return (await ctx.db())
    .selectFrom('user_collection_bookmarks')
    .selectAll()
    .where('user_id', '=', ctx.userId)
    .where('collection_id', '=', collectionId)
    .where('bookmark_id', '=', bookmarkId)
    .executeTakeFirst();
}

/**
 * CREATE/UPDATE: adds the link (the live one is returned as is); by details the bookmark is found or created.
 * A collection or bookmark this user never had is refused, naming the field. One that is deleted (by another
 * device, concurrently) is refused or acknowledged per `gone`: acknowledged, the deletion wins, so nothing is
 * linked and no bookmark is created or revived.
 */
export async function createLink(ctx: ApplierContext, input: LinkInput, gone?: 'refuse'): Promise<AppliedResource<LinkRow>>;
export async function createLink(ctx: ApplierContext, input: LinkInput, gone: GonePolicy): Promise<AppliedResource<LinkRow | null>>;
export async function createLink(ctx: ApplierContext, input: LinkInput, gone: GonePolicy = 'refuse'): Promise<AppliedResource<LinkRow | null>> {
  const collection = await collectionById(ctx, input.collectionId);
  if (!collection || (collection.deleted_at !== null && gone === 'refuse')) throw unknownResource('collectionId');
  let bookmark: BookmarkRow | undefined;
  if (input.bookmark.kind === 'id') {
    bookmark = await bookmarkById(ctx, input.bookmark.bookmarkId);
    if (!bookmark || (bookmark.deleted_at !== null && gone === 'refuse')) throw unknownResource('bookmarkId');
  }
  if (collection.deleted_at !== null || (bookmark && bookmark.deleted_at !== null)) {
    // By details, the ack names the live bookmark there, if any: probed, since nothing written here would
    // catch a location wrongly taken to be free.
    const details = input.bookmark.kind === 'details' ? input.bookmark : null;
    const bookmarkId = bookmark?.id ?? (details ? (await probeBookmarkAt(ctx, details.location, details.mushaf ?? DEFAULT_MUSHAF_ID))?.id : undefined) ?? null;
    const [resource, id] = collection.deleted_at !== null ? (['COLLECTION', collection.id] as const) : (['BOOKMARK', bookmark!.id] as const);
    return {
      resourceId: bookmarkId ? collectionBookmarkId(collection.id, bookmarkId) : null,
      row: null,
      data: sentLinkPayload(collection.id, bookmarkId, input, bookmark),
      timestamp: await ctx.latestTimestamp(resource, id),
    };
  }
  if (!bookmark) {
    const target = input.bookmark as Extract<LinkInput['bookmark'], { kind: 'details' }>;
    const mushaf = target.mushaf ?? DEFAULT_MUSHAF_ID;
    bookmark =
      (await activeBookmarkAt(ctx, target.location, mushaf)) ??
      (
        await createBookmark(ctx, null, {
          location: target.location,
          mushaf,
          isReading: undefined,
          clientCreatedAt: input.clientCreatedAt,
          clientUpdatedAt: input.clientUpdatedAt,
        })
      ).row;
  }
  const existing = await findLink(ctx, collection.id, bookmark.id);
  const compositeId = collectionBookmarkId(collection.id, bookmark.id);
  let link: LinkRow;
  let timestamp: number;
  if (existing && existing.deleted_at === null) {
    const next = {
      client_created_at: clientTime(input.clientCreatedAt, existing.client_created_at),
      client_updated_at: clientTime(input.clientUpdatedAt, existing.client_updated_at),
    };
    if (sameTime(next.client_created_at, existing.client_created_at) && sameTime(next.client_updated_at, existing.client_updated_at)) {
      return applied(ctx, existing, bookmark, await ctx.latestTimestamp('COLLECTION_BOOKMARK', compositeId));
    }
    timestamp = ctx.record('COLLECTION_BOOKMARK', compositeId, 'update');
    link = await (await ctx.db())
      .updateTable('user_collection_bookmarks')
      .set({ ...next, updated_at: new Date(timestamp) })
      .where('collection_id', '=', collection.id)
      .where('bookmark_id', '=', bookmark.id)
      .returningAll()
      .executeTakeFirstOrThrow();
    return applied(ctx, link, bookmark, timestamp);
  }
  timestamp = ctx.record('COLLECTION_BOOKMARK', compositeId, 'create');
  const now = new Date(timestamp);
  const values = {
    client_created_at: clientTime(input.clientCreatedAt, null),
    client_updated_at: clientTime(input.clientUpdatedAt, null),
    created_at: now,
    updated_at: now,
    deleted_at: null,
  };
  link = existing
    ? await (await ctx.db())
        .updateTable('user_collection_bookmarks')
        .set(values)
        .where('collection_id', '=', collection.id)
        .where('bookmark_id', '=', bookmark.id)
        .returningAll()
        .executeTakeFirstOrThrow()
    : await (await ctx.db())
        .insertInto('user_collection_bookmarks')
        .values({ collection_id: collection.id, bookmark_id: bookmark.id, user_id: ctx.userId, ...values })
        .returningAll()
        .executeTakeFirstOrThrow();
  if (collection.is_default) await touchBookmark(ctx, bookmark.id);
  return applied(ctx, link, bookmark, timestamp);
}

/**
 * DELETE: removes the link; the bookmark may follow by the orphan rule. A link already gone is a no-op acked
 * with its last state: named by details, that is the latest link of the collection to a bookmark at that
 * location, which may be a deleted bookmark when another device bookmarked the place again since. Nothing
 * at all to resolve (collection or bookmark unknown, or never linked) is refused or acknowledged per `gone`;
 * directly, a location bookmarked again but never linked stays refused, as it always was.
 */
export async function deleteLink(ctx: ApplierContext, input: LinkInput, gone: GonePolicy = 'refuse'): Promise<AppliedResource<LinkRow | null>> {
  // `__default__` of a user who has none yet names nothing, and must not create it: this may be a no-op.
  const collectionId = knownCollectionId(ctx, input.collectionId);
  const details = input.bookmark.kind === 'details' ? { location: input.bookmark.location, mushaf: input.bookmark.mushaf ?? DEFAULT_MUSHAF_ID } : null;
  const live = details && collectionId ? await activeBookmarkAt(ctx, details.location, details.mushaf) : undefined;
  const bookmarkId = input.bookmark.kind === 'id' ? input.bookmark.bookmarkId : (live?.id ?? null);
  let link = collectionId && bookmarkId ? await findLink(ctx, collectionId, bookmarkId) : undefined;
  if (link && link.deleted_at === null) {
    const result = await deleteLinkRow(ctx, link, { afterUnlink: 'orphan-rule' });
    return applied(ctx, result.link, undefined, result.timestamp);
  }
  if (!link && details && collectionId && (gone === 'acknowledge' || !live)) link = await latestLinkAt(ctx, collectionId, details.location, details.mushaf);
  if (link) return applied(ctx, link, undefined, await ctx.latestTimestamp('COLLECTION_BOOKMARK', collectionBookmarkId(link.collection_id, link.bookmark_id)));
  if (gone === 'refuse') throw unknownResource();
  const wireCollectionId = collectionId ?? input.collectionId;
  const resourceId = bookmarkId ? collectionBookmarkId(wireCollectionId, bookmarkId) : null;
  return {
    resourceId,
    row: null,
    data: sentLinkPayload(wireCollectionId, bookmarkId, input, live),
    timestamp: resourceId ? await ctx.latestTimestamp('COLLECTION_BOOKMARK', resourceId) : ctx.head,
  };
}

/** The latest link (live or not) of a collection to a bookmark (live or not) at this location. */
async function latestLinkAt(
  ctx: ApplierContext,
  collectionId: string,
  location: Omit<BookmarkLocation, 'mushaf'>,
  mushaf: number,
): Promise<LinkRow | undefined> {
  return (await ctx.db())
    .selectFrom('user_collection_bookmarks as l')
    .innerJoin('user_bookmarks as b', 'b.id', 'l.bookmark_id')
    .selectAll('l')
    .where('l.user_id', '=', ctx.userId)
    .where('l.collection_id', '=', collectionId)
    .where('b.type', '=', location.type)
    .where('b.key', '=', location.key)
    .where('b.mushaf', '=', mushaf)
    .where((eb) => (location.verseNumber !== null ? eb('b.verse_number', '=', location.verseNumber) : eb('b.verse_number', 'is', null)))
    .orderBy('l.updated_at', 'desc')
    .executeTakeFirst();
}

/**
 * The data of a link ack that no link row answers (a no-op): the link as the client sent it, its collection
 * resolved (`__default__` to the real id, when the user has one) and `bookmarkId` as resolved, in the shape
 * of every link's data.
 */
function sentLinkPayload(
  collectionId: string,
  bookmarkId: string | null,
  input: LinkInput,
  bookmark: Pick<BookmarkRow, 'type' | 'key' | 'verse_number'> | undefined,
): Payload {
  const location =
    input.bookmark.kind === 'details'
      ? input.bookmark.location
      : bookmark
        ? { type: bookmark.type, key: bookmark.key, verseNumber: bookmark.verse_number }
        : null;
  const iso = (value: string | null | undefined) => clientTime(value, null)?.toISOString() ?? null;
  return {
    collectionId,
    bookmarkId,
    type: location?.type ?? null,
    key: location?.key ?? null,
    verseNumber: location?.verseNumber ?? null,
    clientCreatedAt: iso(input.clientCreatedAt),
    clientUpdatedAt: iso(input.clientUpdatedAt),
  };
}

/**
 * Marks one live link deleted (a COLLECTION_BOOKMARK DELETE). `orphan-rule` then applies the orphan rule and
 * the default-collection flag to the bookmark; `nothing` is for cascades from the bookmark's own delete.
 */
export async function deleteLinkRow(
  ctx: ApplierContext,
  link: LinkRow,
  options: { afterUnlink: 'orphan-rule' | 'nothing' },
): Promise<{ link: LinkRow; timestamp: number }> {
  const timestamp = ctx.record('COLLECTION_BOOKMARK', collectionBookmarkId(link.collection_id, link.bookmark_id), 'delete');
  const deleted = await (await ctx.db())
    .updateTable('user_collection_bookmarks')
    .set({ deleted_at: new Date(timestamp), updated_at: new Date(timestamp) })
    .where('collection_id', '=', link.collection_id)
    .where('bookmark_id', '=', link.bookmark_id)
    .returningAll()
    .executeTakeFirstOrThrow();
  if (options.afterUnlink === 'orphan-rule') await afterBookmarkUnlinked(ctx, link.bookmark_id, link.collection_id === ctx.knownDefaultCollectionId());
  return { link: deleted, timestamp };
}
