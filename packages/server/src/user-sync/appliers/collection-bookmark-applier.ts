import { collectionBookmarkId, DEFAULT_MUSHAF_ID, type LinkInput } from '@quran-sync/protocol';
import { unknownResource } from '../apply-error.js';
import { latestChangeTimestamp, recordChange } from '../change-index.js';
import { linkPayload, type BookmarkRow, type LinkRow } from '../resource-payloads.js';
import type { UserWriteContext } from '../user-write-context.js';
import { clientTime, sameTime, type AppliedResource } from './applied-resource.js';
import { activeBookmarkAt, afterBookmarkUnlinked, bookmarkById, createBookmark, touchBookmark } from './bookmark-applier.js';
import { collectionById, resolveCollectionId } from './collection-applier.js';

/**
 * COLLECTION_BOOKMARK writes: links between a collection and a bookmark, named by the composite id
 * `"<collectionId>-<bookmarkId>"` or by the collection plus the bookmark's id or details. Adding a link
 * by details finds or creates the bookmark; membership of the default collection shows on the bookmark as
 * `isInDefaultCollection`, so linking or unlinking it also records a BOOKMARK UPDATE.
 */
async function applied(ctx: UserWriteContext, link: LinkRow, bookmark: BookmarkRow | undefined, timestamp: number): Promise<AppliedResource<LinkRow>> {
  const target = bookmark ?? (await bookmarkById(ctx, link.bookmark_id));
  return { resourceId: collectionBookmarkId(link.collection_id, link.bookmark_id), row: link, data: linkPayload(link, target), timestamp };
}

async function findLink(ctx: UserWriteContext, collectionId: string, bookmarkId: string): Promise<LinkRow | undefined> {
  return (await ctx.db())
    .selectFrom('user_collection_bookmarks')
    .selectAll()
    .where('user_id', '=', ctx.userId)
    .where('collection_id', '=', collectionId)
    .where('bookmark_id', '=', bookmarkId)
    .executeTakeFirst();
}

/** CREATE/UPDATE: adds the link (the live one is returned as is); by details the bookmark is found or created. */
export async function createLink(ctx: UserWriteContext, input: LinkInput): Promise<AppliedResource<LinkRow>> {
  const collection = await collectionById(ctx, input.collectionId);
  if (!collection || collection.deleted_at !== null) throw unknownResource('collectionId');
  let bookmark: BookmarkRow | undefined;
  if (input.bookmark.kind === 'id') {
    bookmark = await bookmarkById(ctx, input.bookmark.bookmarkId);
    if (!bookmark || bookmark.deleted_at !== null) throw unknownResource('bookmarkId');
  } else {
    const mushaf = input.bookmark.mushaf ?? DEFAULT_MUSHAF_ID;
    bookmark =
      (await activeBookmarkAt(ctx, input.bookmark.location, mushaf)) ??
      (await createBookmark(ctx, null, { location: input.bookmark.location, mushaf, isReading: undefined, clientCreatedAt: input.clientCreatedAt, clientUpdatedAt: input.clientUpdatedAt })).row;
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
      return applied(ctx, existing, bookmark, await latestChangeTimestamp(ctx, 'COLLECTION_BOOKMARK', compositeId));
    }
    timestamp = await recordChange(ctx, 'COLLECTION_BOOKMARK', compositeId, 'update');
    link = await (await ctx.db())
      .updateTable('user_collection_bookmarks')
      .set({ ...next, updated_at: new Date(timestamp) })
      .where('collection_id', '=', collection.id)
      .where('bookmark_id', '=', bookmark.id)
      .returningAll()
      .executeTakeFirstOrThrow();
    return applied(ctx, link, bookmark, timestamp);
  }
  timestamp = await recordChange(ctx, 'COLLECTION_BOOKMARK', compositeId, 'create');
  const now = new Date(timestamp);
  const values = {
    client_created_at: clientTime(input.clientCreatedAt, null),
    client_updated_at: clientTime(input.clientUpdatedAt, null),
    created_at: now,
    updated_at: now,
    deleted_at: null,
  };
  link = existing
    ? await (await ctx.db()).updateTable('user_collection_bookmarks').set(values).where('collection_id', '=', collection.id).where('bookmark_id', '=', bookmark.id).returningAll().executeTakeFirstOrThrow()
    : await (await ctx.db()).insertInto('user_collection_bookmarks').values({ collection_id: collection.id, bookmark_id: bookmark.id, user_id: ctx.userId, ...values }).returningAll().executeTakeFirstOrThrow();
  if (collection.is_default) await touchBookmark(ctx, bookmark.id);
  return applied(ctx, link, bookmark, timestamp);
}

/** DELETE: removes the link (again: no-op); the bookmark may follow by the orphan rule. */
export async function deleteLink(ctx: UserWriteContext, input: LinkInput): Promise<AppliedResource<LinkRow>> {
  const collectionId = resolveCollectionId(ctx, input.collectionId);
  let bookmarkId: string;
  if (input.bookmark.kind === 'id') {
    bookmarkId = input.bookmark.bookmarkId;
  } else {
    const mushaf = input.bookmark.mushaf ?? DEFAULT_MUSHAF_ID;
    const bookmark = await activeBookmarkAt(ctx, input.bookmark.location, mushaf);
    if (!bookmark) {
      // The bookmark is gone already (and its links with it): deleting the link again is a no-op, if it existed.
      const linkToGone = await (await ctx.db())
        .selectFrom('user_collection_bookmarks as l')
        .innerJoin('user_bookmarks as b', 'b.id', 'l.bookmark_id')
        .selectAll('l')
        .where('l.user_id', '=', ctx.userId)
        .where('l.collection_id', '=', collectionId)
        .where('b.type', '=', input.bookmark.location.type)
        .where('b.key', '=', input.bookmark.location.key)
        .where('b.mushaf', '=', mushaf)
        .where((eb) => (input.bookmark.kind === 'details' && input.bookmark.location.verseNumber !== null ? eb('b.verse_number', '=', input.bookmark.location.verseNumber) : eb('b.verse_number', 'is', null)))
        .orderBy('l.updated_at', 'desc')
        .executeTakeFirst();
      if (!linkToGone) throw unknownResource();
      return applied(ctx, linkToGone, undefined, await latestChangeTimestamp(ctx, 'COLLECTION_BOOKMARK', collectionBookmarkId(linkToGone.collection_id, linkToGone.bookmark_id)));
    }
    bookmarkId = bookmark.id;
  }
  const link = await findLink(ctx, collectionId, bookmarkId);
  if (!link) throw unknownResource();
  if (link.deleted_at !== null) {
    return applied(ctx, link, undefined, await latestChangeTimestamp(ctx, 'COLLECTION_BOOKMARK', collectionBookmarkId(link.collection_id, link.bookmark_id)));
  }
  const result = await deleteLinkRow(ctx, link, { afterUnlink: 'orphan-rule' });
  return applied(ctx, result.link, undefined, result.timestamp);
}

/**
 * Marks one live link deleted (a COLLECTION_BOOKMARK DELETE). `orphan-rule` then applies the orphan rule and
 * the default-collection flag to the bookmark; `nothing` is for cascades from the bookmark's own delete.
 */
export async function deleteLinkRow(ctx: UserWriteContext, link: LinkRow, options: { afterUnlink: 'orphan-rule' | 'nothing' }): Promise<{ link: LinkRow; timestamp: number }> {
  const timestamp = await recordChange(ctx, 'COLLECTION_BOOKMARK', collectionBookmarkId(link.collection_id, link.bookmark_id), 'delete');
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
