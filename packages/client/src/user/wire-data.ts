import type { UserResource } from '@quran-sync/protocol';
import type { RecordData } from './user-store.js';

/**
 * The `data` of a CREATE/UPDATE pushed for a record in a given state: the fields a client writes plus its
 * client timestamps (user-sync.md, "Resources"). Derived fields (slug, isDefault, isInDefaultCollection…) are
 * the server's and are not sent; absent values are left out rather than sent as null, so they never clear
 * anything on the server.
 */
const PUSHED_FIELDS: Readonly<Record<UserResource, readonly string[]>> = {
  BOOKMARK: ['type', 'key', 'verseNumber', 'mushaf', 'isReading'],
  COLLECTION: ['name', 'isPrivate'],
  COLLECTION_BOOKMARK: ['collectionId', 'bookmarkId', 'type', 'key', 'verseNumber', 'mushaf'],
  NOTE: ['body', 'ranges', 'saveToQR', 'attachedEntities'],
  READING_SESSION: ['chapterNumber', 'verseNumber'],
  PREFERENCE: ['group', 'value'],
};

export function wireData(resource: UserResource, state: RecordData): RecordData {
  const out: Record<string, unknown> = {};
  const fields = resource === 'PREFERENCE' ? PUSHED_FIELDS.PREFERENCE : [...PUSHED_FIELDS[resource], 'clientCreatedAt', 'clientUpdatedAt'];
  for (const field of fields) {
    const value = state[field];
    if (value !== undefined && (value !== null || field === 'verseNumber')) out[field] = value;
  }
  return out;
}
