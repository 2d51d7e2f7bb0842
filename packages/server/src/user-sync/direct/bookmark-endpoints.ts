import {
  DEFAULT_MUSHAF_ID,
  DirectBookmark,
  DirectBookmarkCollections,
  DirectEmpty,
  directPage,
  DirectRawBookmark,
  directSuccess,
  isValidVerse,
  readBookmarkInput,
  readBookmarkLocation,
  readMushaf,
} from '@quran-sync/protocol';
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../app-context.js';
import { requireAuth } from '../../auth/auth-guard.js';
import { createBookmark, deleteBookmarkById } from '../appliers/bookmark-applier.js';
import type { BookmarkRow } from '../resource-payloads.js';
import { paginate, parseCursorParams } from './cursor-page.js';
import { directWrite } from './direct-write.js';
import { bookmarkResponse, collectionResponse, loadBookmarkFacts, loadCollectionCounts, rawBookmarkResponse } from './direct-shapes.js';
import { bookmarkTypeQuery, boolQuery, intQuery, mushafQuery, objectBody, orRefuse, refuse } from './direct-params.js';
import { Type } from '@sinclair/typebox';
import { BOOKMARK_BODY, BOOKMARK_DETAILS_QUERY, directDocs, HANDLER_VALIDATED, ID_PARAMS, MUSHAF_QUERY, PAGING_QUERY } from './direct-route-docs.js';

const TAGS = ['Bookmarks'];
const security = [{ accessToken: [], clientId: [] }];

/** `/bookmarks` (QF "Bookmarks"): add-or-update by details, lists, lookups, delete. */
export function registerBookmarkEndpoints(app: FastifyInstance, ctx: AppContext): void {
  const scope = (action: string) => ({ auth: { scopes: [`bookmark.${action}`], user: true } });

  app.post(
    '/bookmarks',
    {
      config: scope('create'),
      schema: {
        tags: TAGS,
        summary: 'Add or update a bookmark by details',
        security,
        ...directDocs({ answer: directSuccess(DirectBookmark), body: BOOKMARK_BODY, write: true }),
      },
      ...HANDLER_VALIDATED,
    },
    (request, reply) => {
      const input = orRefuse(readBookmarkInput(objectBody(request.body), true));
      return directWrite(ctx, request, reply, {
        apply: async (write) => {
          const result = await createBookmark(write, null, input);
          const facts = await loadBookmarkFacts(await write.db(), write.userId, [result.row.id]);
          return bookmarkResponse(result.row, facts.get(result.row.id)!);
        },
        respond: (bookmark) => bookmark,
      });
    },
  );

  app.get(
    '/bookmarks',
    {
      config: scope('read'),
      schema: {
        tags: TAGS,
        summary: 'List bookmarks',
        security,
        ...directDocs({
          answer: directPage(DirectBookmark),
          query: [
            { type: BOOKMARK_DETAILS_QUERY.type!, key: BOOKMARK_DETAILS_QUERY.key! },
            MUSHAF_QUERY,
            { isReading: Type.Optional(Type.String()) },
            PAGING_QUERY,
          ],
        }),
      },
      ...HANDLER_VALIDATED,
    },
    async (request) => {
      const userId = requireAuth(request).userId as string;
      const query = request.query as Record<string, unknown>;
      const type = bookmarkTypeQuery(query);
      const key = intQuery(query, 'key');
      const mushaf = mushafQuery(query);
      const reading = boolQuery(query, 'isReading');
      const paging = parseCursorParams(query);
      let q = ctx.db.selectFrom('user_bookmarks').selectAll().where('user_id', '=', userId).where('deleted_at', 'is', null);
      if (type) q = q.where('type', '=', type);
      if (key !== undefined) q = q.where('key', '=', key);
      if (mushaf !== undefined) q = q.where('mushaf', '=', mushaf);
      if (reading !== undefined) q = q.where('is_reading', '=', reading);
      // Newest first.
      const rows = await q.orderBy('created_at', 'desc').orderBy('id', 'desc').execute();
      const page = paginate(rows, (row) => [-row.created_at.getTime(), row.id], paging);
      const facts = await loadBookmarkFacts(
        ctx.db,
        userId,
        page.items.map((r) => r.id),
      );
      return { success: true, data: page.items.map((row) => bookmarkResponse(row, facts.get(row.id)!)), pagination: page.pagination };
    },
  );

  app.get(
    '/bookmarks/bookmark',
    {
      config: scope('read'),
      schema: {
        tags: TAGS,
        summary: 'Get a bookmark by details',
        security,
        ...directDocs({
          answer: directSuccess(Type.Union([DirectBookmark, Type.Null()], { description: 'null when there is no such bookmark' })),
          query: [BOOKMARK_DETAILS_QUERY, { isReading: Type.Optional(Type.String({ description: 'true: the reading bookmark' })) }],
        }),
      },
      ...HANDLER_VALIDATED,
    },
    async (request) => {
      const userId = requireAuth(request).userId as string;
      const query = request.query as Record<string, unknown>;
      const row = boolQuery(query, 'isReading') === true ? await readingBookmark(ctx, userId) : await bookmarkByDetails(ctx, userId, query);
      if (!row) return { success: true, data: null };
      const facts = await loadBookmarkFacts(ctx.db, userId, [row.id]);
      return { success: true, data: bookmarkResponse(row, facts.get(row.id)!) };
    },
  );

  app.get(
    '/bookmarks/ayahs-range',
    {
      config: scope('read'),
      schema: {
        tags: TAGS,
        summary: 'Bookmarks within a range of ayahs of one surah',
        security,
        ...directDocs({
          answer: directPage(DirectRawBookmark),
          query: [{ chapterNumber: Type.String(), rangeStartAyahNumber: Type.String(), rangeEndAyahNumber: Type.String() }, MUSHAF_QUERY, PAGING_QUERY],
        }),
      },
      ...HANDLER_VALIDATED,
    },
    async (request) => {
      const userId = requireAuth(request).userId as string;
      const query = request.query as Record<string, unknown>;
      const chapter = intQuery(query, 'chapterNumber', true);
      const from = intQuery(query, 'rangeStartAyahNumber', true);
      const to = intQuery(query, 'rangeEndAyahNumber', true);
      if (!isValidVerse(chapter, 1)) refuse('Invalid chapterNumber');
      if (!isValidVerse(chapter, from)) refuse('Invalid rangeStartAyahNumber');
      if (!isValidVerse(chapter, to) || to < from) refuse('Invalid rangeEndAyahNumber');
      const mushaf = mushafQuery(query);
      const paging = parseCursorParams(query);
      let q = ctx.db
        .selectFrom('user_bookmarks')
        .selectAll()
        .where('user_id', '=', userId)
        .where('deleted_at', 'is', null)
        .where('type', '=', 'ayah')
        .where('key', '=', chapter)
        .where('verse_number', '>=', from)
        .where('verse_number', '<=', to);
      if (mushaf !== undefined) q = q.where('mushaf', '=', mushaf);
      const rows = await q.orderBy('verse_number').orderBy('mushaf').orderBy('id').execute();
      const page = paginate(rows, (row) => [row.verse_number ?? 0, row.mushaf, row.id], paging);
      const facts = await loadBookmarkFacts(
        ctx.db,
        userId,
        page.items.map((r) => r.id),
      );
      return { success: true, data: page.items.map((row) => rawBookmarkResponse(row, facts.get(row.id)!)), pagination: page.pagination };
    },
  );

  app.get(
    '/bookmarks/collections',
    {
      config: { auth: { scopes: ['bookmark.read', 'collection.read'], user: true } },
      schema: {
        tags: TAGS,
        summary: 'Collections a bookmark belongs to',
        security,
        ...directDocs({ answer: DirectBookmarkCollections, query: [BOOKMARK_DETAILS_QUERY, PAGING_QUERY] }),
      },
      ...HANDLER_VALIDATED,
    },
    async (request) => {
      const userId = requireAuth(request).userId as string;
      const query = request.query as Record<string, unknown>;
      const bookmark = await bookmarkByDetails(ctx, userId, query);
      if (!bookmark) return { success: true, data: [] };
      const collections = await ctx.db
        .selectFrom('user_collections as c')
        .innerJoin('user_collection_bookmarks as l', 'l.collection_id', 'c.id')
        .selectAll('c')
        .where('l.bookmark_id', '=', bookmark.id)
        .where('l.user_id', '=', userId)
        .where('l.deleted_at', 'is', null)
        .where('c.deleted_at', 'is', null)
        .orderBy('c.updated_at', 'desc')
        .orderBy('c.id')
        .execute();
      const page = paginate(collections, (row) => [-row.updated_at.getTime(), row.id], parseCursorParams(query));
      const counts = await loadCollectionCounts(
        ctx.db,
        userId,
        page.items.map((c) => c.id),
      );
      return { success: true, data: page.items.map((row) => collectionResponse(row, counts.get(row.id) ?? 0)), pagination: page.pagination };
    },
  );

  app.delete<{ Params: { id: string } }>(
    '/bookmarks/:id',
    {
      config: scope('delete'),
      schema: {
        tags: TAGS,
        summary: 'Delete a bookmark (and its collection links)',
        security,
        ...directDocs({ answer: directSuccess(DirectEmpty), params: ID_PARAMS, write: true }),
      },
      ...HANDLER_VALIDATED,
    },
    (request, reply) =>
      directWrite(ctx, request, reply, {
        apply: (write) => deleteBookmarkById(write, request.params.id),
        respond: () => ({}),
      }),
  );
}

async function readingBookmark(ctx: AppContext, userId: string): Promise<BookmarkRow | undefined> {
  return ctx.db
    .selectFrom('user_bookmarks')
    .selectAll()
    .where('user_id', '=', userId)
    .where('is_reading', '=', true)
    .where('deleted_at', 'is', null)
    .executeTakeFirst();
}

/** The live bookmark at the location a query names (type, key, verseNumber, mushaf/mushafId). */
async function bookmarkByDetails(ctx: AppContext, userId: string, query: Record<string, unknown>): Promise<BookmarkRow | undefined> {
  const type = bookmarkTypeQuery(query);
  const details: Record<string, unknown> = { type, key: intQuery(query, 'key', true) };
  const verse = intQuery(query, 'verseNumber');
  if (verse !== undefined) details.verseNumber = verse;
  const location = orRefuse(readBookmarkLocation(details, true))!;
  const mushaf = orRefuse(readMushaf({ mushaf: mushafQuery(query) })) ?? DEFAULT_MUSHAF_ID;
  let q = ctx.db
    .selectFrom('user_bookmarks')
    .selectAll()
    .where('user_id', '=', userId)
    .where('deleted_at', 'is', null)
    .where('type', '=', location.type)
    .where('key', '=', location.key)
    .where('mushaf', '=', mushaf);
  q = location.verseNumber === null ? q.where('verse_number', 'is', null) : q.where('verse_number', '=', location.verseNumber);
  return q.executeTakeFirst();
}
