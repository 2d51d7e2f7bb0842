import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { BOOKMARK_TYPES } from './bookmark-rules.js';

/**
 * Wire shapes of the direct endpoints' answers (user-sync.md, "Direct endpoints"), named as in QF's OpenAPI
 * (`Bookmark`, `RawBookmark`, `Collection`, `Note`, `ReadingSession`). Every documented key is present,
 * `null` where there is no value. Success answers are `{success: true, data}`, lists add `pagination`.
 */
const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);
const IsoTime = Type.String({ description: 'ISO 8601, UTC' });

export const DirectPagination = Type.Object({
  startCursor: Nullable(Type.String()),
  endCursor: Nullable(Type.String()),
  hasNextPage: Type.Boolean(),
  hasPreviousPage: Type.Boolean(),
});
export type DirectPagination = Static<typeof DirectPagination>;

const bookmarkFields = {
  id: Type.String(),
  createdAt: IsoTime,
  type: Type.Union(BOOKMARK_TYPES.map((t) => Type.Literal(t))),
  key: Type.Integer(),
  verseNumber: Nullable(Type.Integer()),
  group: Type.String({ description: 'Surah, Juz or Page' }),
  isInDefaultCollection: Type.Boolean(),
  isReading: Type.Boolean(),
  collectionsCount: Type.Integer({ description: 'Collections holding the bookmark, the default one included' }),
  mushafId: Type.Integer(),
};

export const DirectBookmark = Type.Object(bookmarkFields);
export type DirectBookmark = Static<typeof DirectBookmark>;

/** A bookmark as `GET /collections/all` lists it: with the collection it was found in. */
export const DirectCollectionBookmark = Type.Object({ ...bookmarkFields, collectionId: Type.String(), collectionName: Type.String() });
export type DirectCollectionBookmark = Static<typeof DirectCollectionBookmark>;

/** `GET /bookmarks/ayahs-range` answers QF's `RawBookmark` keys. */
export const DirectRawBookmark = Type.Object({
  id: Type.String(),
  createdAt: IsoTime,
  bookmarkType: Type.Union(BOOKMARK_TYPES.map((t) => Type.Literal(t))),
  key: Type.Integer(),
  verseNumber: Nullable(Type.Integer()),
  bookmarkGroup: Type.String(),
  isInDefaultCollection: Type.Boolean(),
  isReading: Type.Boolean(),
});
export type DirectRawBookmark = Static<typeof DirectRawBookmark>;

export const DirectCollection = Type.Object({
  id: Type.String(),
  name: Type.String(),
  slug: Type.String(),
  isPrivate: Type.Boolean(),
  isDefault: Type.Boolean(),
  modifiable: Type.Boolean(),
  updatedAt: IsoTime,
  url: Type.Null(),
  bookmarksCount: Type.Integer(),
  resourcesCount: Type.Integer(),
  count: Type.Integer(),
});
export type DirectCollection = Static<typeof DirectCollection>;

export const DirectNote = Type.Object({
  id: Type.String(),
  createdAt: IsoTime,
  updatedAt: IsoTime,
  body: Type.String(),
  ranges: Type.Array(Type.String({ description: 's:a-s:a' })),
  saveToQR: Type.Boolean(),
  attachedEntities: Type.Array(Type.Record(Type.String(), Type.Unknown())),
  source: Type.Null(),
});
export type DirectNote = Static<typeof DirectNote>;

const readingSessionFields = {
  id: Type.String(),
  createdAt: IsoTime,
  updatedAt: IsoTime,
  chapterNumber: Type.Integer(),
  verseNumber: Type.Integer(),
};
export const DirectReadingSession = Type.Object(readingSessionFields);
export type DirectReadingSession = Static<typeof DirectReadingSession>;

/** `POST /reading-sessions`: the session and whether it was started or moved on. */
export const DirectReadingSessionWrite = Type.Object({
  ...readingSessionFields,
  message: Type.Union([Type.Literal('reading session created'), Type.Literal('reading session updated')]),
});
export type DirectReadingSessionWrite = Static<typeof DirectReadingSessionWrite>;

/** `GET /collections/{id}`: the collection and a page of its bookmarks. */
export const DirectCollectionWithBookmarks = Type.Object({ collection: DirectCollection, bookmarks: Type.Array(DirectBookmark) });
export type DirectCollectionWithBookmarks = Static<typeof DirectCollectionWithBookmarks>;

/** `POST /collections/{id}/bookmarks` */
export const DirectCollectionBookmarkAdded = Type.Object({
  message: Type.Literal('collection bookmark added'),
  collectionId: Type.String(),
  bookmark: DirectBookmark,
});
export type DirectCollectionBookmarkAdded = Static<typeof DirectCollectionBookmarkAdded>;

/** Preference groups by name, each an object of key → value (QF `Preference` values). */
export const DirectPreferenceGroups = Type.Record(Type.String(), Type.Record(Type.String(), Type.Unknown()));
export type DirectPreferenceGroups = Static<typeof DirectPreferenceGroups>;

/** `GET /notes/count-within-range`: verse key (`s:a`) → number of notes on it; verses without notes are left out. */
export const DirectNoteCounts = Type.Record(Type.String({ pattern: '^[0-9]+:[0-9]+$' }), Type.Integer({ minimum: 1 }));
export type DirectNoteCounts = Static<typeof DirectNoteCounts>;

/** What deletes answer as `data`. */
export const DirectEmpty = Type.Object({}, { additionalProperties: false });

/** `{success: true, data}` */
export const directSuccess = <T extends TSchema>(data: T) => Type.Object({ success: Type.Literal(true), data });
/** `{success: true, data: [...], pagination}` */
export const directPage = <T extends TSchema>(item: T) => Type.Object({ success: Type.Literal(true), data: Type.Array(item), pagination: DirectPagination });

/** `GET /collections/{id}`: the collection and a page of its bookmarks, paginated. */
export const DirectCollectionPage = Type.Object({ success: Type.Literal(true), data: DirectCollectionWithBookmarks, pagination: DirectPagination });

/** `GET /bookmarks/collections`: `pagination` is left out when no bookmark is at those details. */
export const DirectBookmarkCollections = Type.Object({
  success: Type.Literal(true),
  data: Type.Array(DirectCollection),
  pagination: Type.Optional(DirectPagination),
});
