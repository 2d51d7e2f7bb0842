import { bookmarkGroupName, type BookmarkType } from '@quran-sync/protocol';
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import type { BookmarkRow, CollectionRow, NoteRow, ReadingSessionRow } from '../resource-payloads.js';

/**
 * Response objects of the direct endpoints, shaped like QF's OpenAPI (`Bookmark`, `RawBookmark`,
 * `Collection`, `Note`, `ReadingSession`), every documented key present.
 */
export interface BookmarkFacts {
  readonly isInDefaultCollection: boolean;
  /** Live collections holding the bookmark, the default one included. */
  readonly collectionsCount: number;
}

export function bookmarkResponse(row: BookmarkRow, facts: BookmarkFacts): Record<string, unknown> {
  return {
    id: row.id,
    createdAt: row.created_at.toISOString(),
    type: row.type,
    key: row.key,
    verseNumber: row.verse_number,
    group: bookmarkGroupName(row.type as BookmarkType),
    isInDefaultCollection: facts.isInDefaultCollection,
    isReading: row.is_reading,
    collectionsCount: facts.collectionsCount,
    mushafId: row.mushaf,
  };
}

export function rawBookmarkResponse(row: BookmarkRow, facts: BookmarkFacts): Record<string, unknown> {
  return {
    id: row.id,
    createdAt: row.created_at.toISOString(),
    bookmarkType: row.type,
    key: row.key,
    verseNumber: row.verse_number,
    bookmarkGroup: bookmarkGroupName(row.type as BookmarkType),
    isInDefaultCollection: facts.isInDefaultCollection,
    isReading: row.is_reading,
  };
}

export function collectionResponse(row: CollectionRow, bookmarksCount: number): Record<string, unknown> {
  return {
    id: row.id,
    name: row.name,
    slug: row.slug,
    isPrivate: row.is_private,
    isDefault: row.is_default,
    modifiable: !row.is_default,
    updatedAt: row.updated_at.toISOString(),
    url: null,
    bookmarksCount,
    resourcesCount: bookmarksCount,
    count: bookmarksCount,
  };
}

export function noteResponse(row: NoteRow): Record<string, unknown> {
  return {
    id: row.id,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
    body: row.body,
    ranges: row.ranges,
    saveToQR: row.save_to_qr,
    attachedEntities: row.attached_entities,
    source: null,
  };
}

export function readingSessionResponse(row: ReadingSessionRow): Record<string, unknown> {
  return {
    id: row.id,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
    chapterNumber: row.chapter_number,
    verseNumber: row.verse_number,
  };
}

/** Default-collection membership and collection counts of live bookmarks, in one query. */
export async function loadBookmarkFacts(db: Kysely<Database>, userId: string, bookmarkIds: readonly string[]): Promise<Map<string, BookmarkFacts>> {
  const facts = new Map<string, BookmarkFacts>();
  for (const id of bookmarkIds) facts.set(id, { isInDefaultCollection: false, collectionsCount: 0 });
  if (bookmarkIds.length === 0) return facts;
  const links = await db
    .selectFrom('user_collection_bookmarks as l')
    .innerJoin('user_collections as c', 'c.id', 'l.collection_id')
    .select(['l.bookmark_id', 'c.is_default'])
    .where('l.user_id', '=', userId)
    .where('l.bookmark_id', 'in', [...bookmarkIds])
    .where('l.deleted_at', 'is', null)
    .where('c.deleted_at', 'is', null)
    .execute();
  for (const link of links) {
    const current = facts.get(link.bookmark_id)!;
    facts.set(link.bookmark_id, { isInDefaultCollection: current.isInDefaultCollection || link.is_default, collectionsCount: current.collectionsCount + 1 });
  }
  return facts;
}

/** Live bookmark counts per collection. */
export async function loadCollectionCounts(
  db: Kysely<Database>,
  userId: string,
  collectionIds: readonly string[],
  type?: string,
): Promise<Map<string, number>> {
  const counts = new Map<string, number>(collectionIds.map((id) => [id, 0]));
  if (collectionIds.length === 0) return counts;
  let query = db
    .selectFrom('user_collection_bookmarks as l')
    .innerJoin('user_bookmarks as b', 'b.id', 'l.bookmark_id')
    .select(['l.collection_id', db.fn.countAll<number>().as('n')])
    .where('l.user_id', '=', userId)
    .where('l.collection_id', 'in', [...collectionIds])
    .where('l.deleted_at', 'is', null)
    .where('b.deleted_at', 'is', null)
    .groupBy('l.collection_id');
  if (type) query = query.where('b.type', '=', type);
  for (const row of await query.execute()) counts.set(row.collection_id, Number(row.n));
  return counts;
}
