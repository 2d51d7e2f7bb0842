import { Type, type TProperties, type TSchema } from '@sinclair/typebox';
import { BOOKMARK_TYPES, MUSHAF_IDS, PREFERENCE_GROUPS } from '@quran-sync/protocol';
import { HANDLER_VALIDATED } from '../../http/handler-validated.js';
import { errorAnswer, jsonAnswer } from '../../http/response-docs.js';

/**
 * Documentation schemas of the direct endpoints (QF's OpenAPI names and shapes). Handlers validate every
 * value themselves (422 in the standard envelope naming the field, 409 `OutOfSyncError`), so these schemas
 * only describe; `HANDLER_VALIDATED` keeps the framework from validating them a second time. Query values
 * are strings on the wire; numbers are documented in the description.
 */
const q = (description: string) => Type.Optional(Type.String({ description }));
const query = (...parts: TProperties[]) => Type.Object(Object.assign({}, ...parts) as TProperties, { additionalProperties: true });
const body = (properties: TProperties, description?: string) =>
  Type.Object(properties, { additionalProperties: true, ...(description ? { description } : {}) });

const mushafIds = MUSHAF_IDS.join(', ');

export const WRITE_QUERY: TProperties = {
  lastMutationAt: q('The last X-Mutation-At received (or send it as the X-Mutation-At header); stale → 409 OutOfSyncError'),
};
export const PAGING_QUERY: TProperties = {
  first: q('Page size 1..20 (forward)'),
  after: q('Cursor: items after it'),
  last: q('Page size 1..20 (backward)'),
  before: q('Cursor: items before it'),
};
export const MUSHAF_QUERY: TProperties = { mushafId: q(`Mushaf id (${mushafIds})`), mushaf: q('Alias of mushafId') };
export const BOOKMARK_DETAILS_QUERY: TProperties = {
  type: q(`Bookmark type (${BOOKMARK_TYPES.join(', ')}; default ayah)`),
  key: q('Surah, juz or page number'),
  verseNumber: q('Ayah number (type=ayah)'),
  ...MUSHAF_QUERY,
};
export const NOTE_LIST_QUERY: TProperties = { sortBy: q('newest (default) or oldest'), limit: q('1..50, default 20'), cursor: q('From the previous page') };
export const COLLECTION_LIST_QUERY: TProperties = { sortBy: q('recentlyUpdated (default) or alphabetical'), type: q('Count only bookmarks of this type') };
export const COLLECTION_ITEMS_QUERY: TProperties = { sortBy: q('recentlyAdded (default) or verseKey'), type: q('Only bookmarks of this type') };
export const RANGE_QUERY: TProperties = { range: q('Verse range s:a-s:a (or s:a)'), from: q('Range start s:a (with to)'), to: q('Range end s:a') };

export const WRITE_HEADERS = Type.Object(
  {
    'x-mutation-at': Type.Optional(Type.String({ description: 'The last X-Mutation-At received (alternative to the lastMutationAt query parameter)' })),
    'idempotency-key': Type.Optional(Type.String({ description: 'Extension: a retry with the same key within 24 h returns the original response' })),
  },
  { additionalProperties: true },
);

const clientTimes: TProperties = {
  clientCreatedAt: Type.Optional(Type.Union([Type.String(), Type.Integer()], { description: 'ISO-8601 or epoch ms' })),
  clientUpdatedAt: Type.Optional(Type.Union([Type.String(), Type.Integer()], { description: 'ISO-8601 or epoch ms' })),
};
const bookmarkDetails: TProperties = {
  type: Type.String({ enum: [...BOOKMARK_TYPES] }),
  key: Type.Integer({ description: 'Surah 1..114, juz 1..30 or page 1..604' }),
  verseNumber: Type.Optional(Type.Union([Type.Integer({ minimum: 1 }), Type.Null()])),
  mushaf: Type.Optional(Type.Integer({ description: `Mushaf id (${mushafIds})` })),
  mushafId: Type.Optional(Type.Integer({ description: 'Alias of mushaf' })),
};

export const BOOKMARK_BODY = body({ ...bookmarkDetails, isReading: Type.Optional(Type.Union([Type.Boolean(), Type.Null()])), ...clientTimes });
export const LINK_BODY = body(
  { bookmarkId: Type.Optional(Type.String()), ...Object.fromEntries(Object.entries(bookmarkDetails).map(([k, v]) => [k, Type.Optional(v)])) },
  'The bookmark by id (bookmarkId) or by its details (type, key, verseNumber, mushaf)',
);
export const COLLECTION_BODY = body({ name: Type.String({ minLength: 1, maxLength: 255 }), isPrivate: Type.Optional(Type.Boolean()), ...clientTimes });
export const NOTE_BODY = body({
  body: Type.String({ minLength: 6, maxLength: 10_000 }),
  ranges: Type.Array(Type.String({ description: 's:a-s:a or s:a' }), { minItems: 1 }),
  saveToQR: Type.Optional(Type.Boolean()),
  ...clientTimes,
});
export const NOTE_PATCH_BODY = body({
  body: Type.Optional(Type.String({ minLength: 6, maxLength: 10_000 })),
  ranges: Type.Optional(Type.Array(Type.String(), { minItems: 1 })),
  saveToQR: Type.Optional(Type.Boolean()),
  ...clientTimes,
});
export const READING_SESSION_BODY = body({
  chapterNumber: Type.Integer({ minimum: 1, maximum: 114 }),
  verseNumber: Type.Integer({ minimum: 1 }),
  ...clientTimes,
});
export const PREFERENCE_BODY = body({
  group: Type.String({ enum: [...PREFERENCE_GROUPS] }),
  key: Type.String(),
  value: Type.Unknown({ description: 'A value the key accepts (QF Preference schema)' }),
});
export const PREFERENCE_BULK_BODY = Type.Record(
  Type.String({ description: `A group: ${PREFERENCE_GROUPS.join(', ')}` }),
  Type.Record(Type.String(), Type.Unknown()),
);

export const ID_PARAMS = Type.Object({ id: Type.String() });
export const LINK_PARAMS = Type.Object({ id: Type.String({ description: 'Collection id or __default__' }), bookmarkId: Type.String() });

/**
 * The answers of a direct route: `answer` (the success body, from the protocol's direct-wire schemas), and
 * the errors it can give: 422 for a bad value (standard envelope, naming the field) wherever it reads
 * parameters or a body, 404 where a path names a record by `id`, and on writes 400 for a missing or malformed
 * `lastMutationAt` or body and 409 `OutOfSyncError` (the one answer in the sync envelope).
 */
function directAnswers(answer: TSchema, parts: { query?: TProperties[]; params?: ReturnType<typeof Type.Object>; write?: boolean }) {
  return {
    200: jsonAnswer(answer, parts.write ? 'Done; X-Mutation-At carries the new head' : 'OK'),
    ...(parts.write ? { 400: errorAnswer(400, 'standard', 'Missing or invalid lastMutationAt, or a body that is not JSON') } : {}),
    ...(parts.params?.properties.id ? { 404: errorAnswer(404, 'standard', 'No such record (of this user)') } : {}),
    ...(parts.write ? { 409: errorAnswer(409, 'sync', '`OutOfSyncError`: lastMutationAt is older than the head; pull, then retry') } : {}),
    ...(parts.write || parts.query ? { 422: errorAnswer(422, 'standard', 'Invalid value (the message names the field)') } : {}),
  };
}

/** Schema parts of a direct route: documentation only (see the module comment). */
export function directDocs(parts: {
  answer: TSchema;
  query?: TProperties[];
  body?: ReturnType<typeof body> | typeof PREFERENCE_BULK_BODY;
  params?: ReturnType<typeof Type.Object>;
  write?: boolean;
}) {
  return {
    ...(parts.query || parts.write ? { querystring: query(...(parts.query ?? []), ...(parts.write ? [WRITE_QUERY] : [])) } : {}),
    ...(parts.body ? { body: parts.body } : {}),
    ...(parts.params ? { params: parts.params } : {}),
    ...(parts.write ? { headers: WRITE_HEADERS } : {}),
    response: directAnswers(parts.answer, parts),
  };
}

export { HANDLER_VALIDATED };
