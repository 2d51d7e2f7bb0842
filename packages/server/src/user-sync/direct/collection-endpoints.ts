import {
  DEFAULT_COLLECTION_ALIAS,
  DirectCollection,
  DirectCollectionBookmark,
  DirectCollectionBookmarkAdded,
  DirectCollectionPage,
  DirectEmpty,
  directPage,
  directSuccess,
  type LinkInput,
  readBookmarkLocation,
  readCollectionInput,
  readMushaf,
  verseIndex,
} from '@quran-sync/protocol';
import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import type { AppContext } from '../../app-context.js';
import { requireAuth } from '../../auth/auth-guard.js';
import type { Database } from '../../db/schema.js';
import { standardError } from '../../http/api-error.js';
import { unknownResource } from '../apply-error.js';
import { collectionById, createCollection, deleteCollection, upsertCollection } from '../appliers/collection-applier.js';
import { createLink, deleteLink } from '../appliers/collection-bookmark-applier.js';
import type { BookmarkRow, CollectionRow } from '../resource-payloads.js';
import { compareKeys, paginate, parseCursorParams, type SortKey } from './cursor-page.js';
import { directWrite } from './direct-write.js';
import { bookmarkResponse, collectionResponse, loadBookmarkFacts, loadCollectionCounts } from './direct-shapes.js';
import { bookmarkTypeQuery, objectBody, orRefuse, refuse } from './direct-params.js';
import {
  COLLECTION_BODY,
  COLLECTION_ITEMS_QUERY,
  COLLECTION_LIST_QUERY,
  directDocs,
  HANDLER_VALIDATED,
  ID_PARAMS,
  LINK_BODY,
  LINK_PARAMS,
  PAGING_QUERY,
} from './direct-route-docs.js';

const TAGS = ['Collections'];
const security = [{ accessToken: [], clientId: [] }];
type IdParams = { Params: { id: string } };

/** `/collections` (QF "Collections"): collections, their bookmarks, and the `__default__` alias. */
export function registerCollectionEndpoints(app: FastifyInstance, ctx: AppContext): void {
  const scopes = (...list: string[]) => ({ auth: { scopes: list, user: true } });

  app.post(
    '/collections',
    {
      config: scopes('collection.create'),
      schema: {
        tags: TAGS,
        summary: 'Add a collection (an existing one of that name is returned)',
        security,
        ...directDocs({ answer: directSuccess(DirectCollection), body: COLLECTION_BODY, write: true }),
      },
      ...HANDLER_VALIDATED,
    },
    (request, reply) => {
      const input = orRefuse(readCollectionInput(objectBody(request.body), true));
      return directWrite(ctx, request, reply, {
        apply: async (write) => (await createCollection(write, null, input)).row,
        respond: (row) => collectionResponse(row, 0),
      });
    },
  );

  app.get(
    '/collections',
    {
      config: scopes('collection.read'),
      schema: {
        tags: TAGS,
        summary: 'List collections',
        security,
        ...directDocs({ answer: directPage(DirectCollection), query: [COLLECTION_LIST_QUERY, PAGING_QUERY] }),
      },
      ...HANDLER_VALIDATED,
    },
    async (request) => {
      const userId = requireAuth(request).userId as string;
      const query = request.query as Record<string, unknown>;
      const sortBy = stringQuery(query, 'sortBy', ['recentlyUpdated', 'alphabetical'], 'recentlyUpdated');
      const type = bookmarkTypeQuery(query, undefined);
      const rows = await liveCollections(ctx.db, userId);
      const keyOf = (row: CollectionRow): SortKey => (sortBy === 'alphabetical' ? [row.name.toLowerCase(), row.id] : [-row.updated_at.getTime(), row.id]);
      rows.sort((a, b) => compareKeys(keyOf(a), keyOf(b)));
      const page = paginate(rows, keyOf, parseCursorParams(query));
      const counts = await loadCollectionCounts(
        ctx.db,
        userId,
        page.items.map((c) => c.id),
        type,
      );
      return { success: true, data: page.items.map((row) => collectionResponse(row, counts.get(row.id) ?? 0)), pagination: page.pagination };
    },
  );

  app.get(
    '/collections/all',
    {
      config: scopes('collection.read', 'bookmark.read'),
      schema: {
        tags: TAGS,
        summary: 'Bookmarks of every collection',
        security,
        ...directDocs({ answer: directPage(DirectCollectionBookmark), query: [COLLECTION_ITEMS_QUERY, PAGING_QUERY] }),
      },
      ...HANDLER_VALIDATED,
    },
    async (request) => {
      const userId = requireAuth(request).userId as string;
      const query = request.query as Record<string, unknown>;
      const items = await collectionItems(ctx.db, userId, null, query);
      const facts = await loadBookmarkFacts(ctx.db, userId, [...new Set(items.items.map((i) => i.bookmark.id))]);
      return {
        success: true,
        data: items.items.map((i) => ({
          ...bookmarkResponse(i.bookmark, facts.get(i.bookmark.id)!),
          collectionId: i.collection.id,
          collectionName: i.collection.name,
        })),
        pagination: items.pagination,
      };
    },
  );

  app.get<IdParams>(
    '/collections/:id',
    {
      config: scopes('collection.read', 'bookmark.read'),
      schema: {
        tags: TAGS,
        summary: 'A collection and its bookmarks',
        security,
        ...directDocs({ answer: DirectCollectionPage, params: ID_PARAMS, query: [COLLECTION_ITEMS_QUERY, PAGING_QUERY] }),
      },
      ...HANDLER_VALIDATED,
    },
    async (request) => {
      const userId = requireAuth(request).userId as string;
      const collection = await liveCollection(ctx.db, userId, request.params.id);
      const items = await collectionItems(ctx.db, userId, collection, request.query as Record<string, unknown>);
      const facts = await loadBookmarkFacts(
        ctx.db,
        userId,
        items.items.map((i) => i.bookmark.id),
      );
      const counts = await loadCollectionCounts(ctx.db, userId, [collection.id]);
      return {
        success: true,
        data: {
          collection: collectionResponse(collection, counts.get(collection.id) ?? 0),
          bookmarks: items.items.map((i) => bookmarkResponse(i.bookmark, facts.get(i.bookmark.id)!)),
        },
        pagination: items.pagination,
      };
    },
  );

  app.post<IdParams>(
    '/collections/:id',
    {
      config: scopes('collection.update'),
      schema: {
        tags: TAGS,
        summary: 'Rename a collection',
        security,
        ...directDocs({ answer: directSuccess(DirectCollection), params: ID_PARAMS, body: COLLECTION_BODY, write: true }),
      },
      ...HANDLER_VALIDATED,
    },
    (request, reply) => {
      const input = orRefuse(readCollectionInput(objectBody(request.body), true));
      return directWrite(ctx, request, reply, {
        apply: async (write) => {
          const existing = await collectionById(write, request.params.id);
          if (!existing || existing.deleted_at !== null) throw unknownResource();
          const row = (await upsertCollection(write, request.params.id, input)).row;
          return { row, count: (await loadCollectionCounts(await write.db(), write.userId, [row.id])).get(row.id) ?? 0 };
        },
        respond: ({ row, count }) => collectionResponse(row, count),
      });
    },
  );

  app.delete<IdParams>(
    '/collections/:id',
    {
      config: scopes('collection.delete'),
      schema: {
        tags: TAGS,
        summary: 'Delete a collection (its bookmarks leave it)',
        security,
        ...directDocs({ answer: directSuccess(DirectEmpty), params: ID_PARAMS, write: true }),
      },
      ...HANDLER_VALIDATED,
    },
    (request, reply) => directWrite(ctx, request, reply, { apply: (write) => deleteCollection(write, request.params.id), respond: () => ({}) }),
  );

  app.post<IdParams>(
    '/collections/:id/bookmarks',
    {
      config: scopes('collection.update', 'bookmark.create'),
      schema: {
        tags: TAGS,
        summary: 'Add a bookmark to a collection (__default__: Favorites)',
        security,
        ...directDocs({ answer: directSuccess(DirectCollectionBookmarkAdded), params: ID_PARAMS, body: LINK_BODY, write: true }),
      },
      ...HANDLER_VALIDATED,
    },
    (request, reply) => {
      const link = linkInput(request.params.id, objectBody(request.body), null);
      return directWrite(ctx, request, reply, {
        apply: async (write) => {
          const result = await createLink(write, link);
          const bookmark = await (await write.db()).selectFrom('user_bookmarks').selectAll().where('id', '=', result.row.bookmark_id).executeTakeFirstOrThrow();
          const facts = await loadBookmarkFacts(await write.db(), write.userId, [bookmark.id]);
          return {
            message: 'collection bookmark added',
            collectionId: result.row.collection_id,
            bookmark: bookmarkResponse(bookmark, facts.get(bookmark.id)!),
          };
        },
        respond: (data) => data,
      });
    },
  );

  app.delete<IdParams>(
    '/collections/:id/bookmarks',
    {
      config: scopes('collection.update', 'bookmark.delete'),
      schema: {
        tags: TAGS,
        summary: 'Remove a bookmark, named by its details, from a collection',
        security,
        ...directDocs({ answer: directSuccess(DirectEmpty), params: ID_PARAMS, body: LINK_BODY, write: true }),
      },
      ...HANDLER_VALIDATED,
    },
    (request, reply) => {
      const link = linkInput(request.params.id, objectBody(request.body), null);
      return directWrite(ctx, request, reply, { apply: (write) => deleteLink(write, link), respond: () => ({}) });
    },
  );

  app.delete<{ Params: { id: string; bookmarkId: string } }>(
    '/collections/:id/bookmarks/:bookmarkId',
    {
      config: scopes('collection.update', 'bookmark.delete'),
      schema: {
        tags: TAGS,
        summary: 'Remove a bookmark, named by its id, from a collection',
        security,
        ...directDocs({ answer: directSuccess(DirectEmpty), params: LINK_PARAMS, write: true }),
      },
      ...HANDLER_VALIDATED,
    },
    (request, reply) => {
      const link = linkInput(request.params.id, {}, request.params.bookmarkId);
      return directWrite(ctx, request, reply, { apply: (write) => deleteLink(write, link), respond: () => ({}) });
    },
  );
}

function stringQuery<T extends string>(query: Record<string, unknown>, name: string, allowed: readonly T[], fallback: T): T {
  const raw = query[name];
  if (raw === undefined || raw === '') return fallback;
  if (!allowed.includes(String(raw) as T)) refuse(`Invalid ${name}: one of ${allowed.join(', ')}`);
  return String(raw) as T;
}

/** A link named by the path's collection and the body's `bookmarkId` or bookmark details. */
function linkInput(collectionId: string, body: Record<string, unknown>, bookmarkId: string | null): LinkInput {
  const id = bookmarkId ?? (typeof body.bookmarkId === 'string' ? body.bookmarkId : null);
  if (id !== null) return { collectionId, bookmark: { kind: 'id', bookmarkId: id }, clientCreatedAt: undefined, clientUpdatedAt: undefined };
  const location = orRefuse(readBookmarkLocation(body, true))!;
  const mushaf = orRefuse(readMushaf(body));
  return { collectionId, bookmark: { kind: 'details', location, mushaf }, clientCreatedAt: undefined, clientUpdatedAt: undefined };
}

async function liveCollections(db: Kysely<Database>, userId: string): Promise<CollectionRow[]> {
  return db.selectFrom('user_collections').selectAll().where('user_id', '=', userId).where('deleted_at', 'is', null).execute();
}

/** A live collection of the user by id or `__default__`, else 404. */
async function liveCollection(db: Kysely<Database>, userId: string, id: string): Promise<CollectionRow> {
  let q = db.selectFrom('user_collections').selectAll().where('user_id', '=', userId).where('deleted_at', 'is', null);
  q = id === DEFAULT_COLLECTION_ALIAS ? q.where('is_default', '=', true) : q.where('id', '=', id);
  const row = await q.executeTakeFirst();
  if (!row) throw standardError(404, 'The requested resource could not be found');
  return row;
}

interface CollectionItem {
  readonly collection: CollectionRow;
  readonly bookmark: BookmarkRow;
  readonly addedAt: Date;
}

/** Live bookmarks of one collection (or of all), sorted `recentlyAdded` (default) or by `verseKey`. */
async function collectionItems(db: Kysely<Database>, userId: string, collection: CollectionRow | null, query: Record<string, unknown>) {
  const sortBy = stringQuery(query, 'sortBy', ['recentlyAdded', 'verseKey'], 'recentlyAdded');
  const type = bookmarkTypeQuery(query, undefined);
  let q = db
    .selectFrom('user_collection_bookmarks as l')
    .innerJoin('user_bookmarks as b', 'b.id', 'l.bookmark_id')
    .innerJoin('user_collections as c', 'c.id', 'l.collection_id')
    .selectAll('b')
    .select(['l.created_at as added_at', 'l.collection_id'])
    .where('l.user_id', '=', userId)
    .where('l.deleted_at', 'is', null)
    .where('b.deleted_at', 'is', null)
    .where('c.deleted_at', 'is', null);
  if (collection) q = q.where('l.collection_id', '=', collection.id);
  if (type) q = q.where('b.type', '=', type);
  const rows = await q.execute();
  const collections = collection ? new Map([[collection.id, collection]]) : new Map((await liveCollections(db, userId)).map((c) => [c.id, c]));
  const items: CollectionItem[] = rows.map(({ added_at, collection_id, ...bookmark }) => ({
    collection: collections.get(collection_id)!,
    bookmark,
    addedAt: added_at,
  }));
  const position = (b: BookmarkRow): number => (b.type === 'ayah' ? verseIndex({ surah: b.key, ayah: b.verse_number ?? 1 }) : b.key);
  const keyOf = (item: CollectionItem): SortKey =>
    sortBy === 'verseKey'
      ? [item.bookmark.type, position(item.bookmark), item.bookmark.id, item.collection.id]
      : [-item.addedAt.getTime(), item.bookmark.id, item.collection.id];
  items.sort((a, b) => compareKeys(keyOf(a), keyOf(b)));
  return paginate(items, keyOf, parseCursorParams(query));
}
