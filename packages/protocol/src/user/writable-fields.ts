import type { UserResource } from './user-resources.js';

/**
 * The fields of each resource's wire `data` a client sets; the server derives everything else (slug,
 * isDefault, isInDefaultCollection…). A client rebasing an edit compares these, and only these.
 */
export const WRITABLE_FIELDS: Readonly<Record<UserResource, readonly string[]>> = {
  BOOKMARK: ['type', 'key', 'verseNumber', 'mushaf', 'isReading'],
  COLLECTION: ['name', 'isPrivate'],
  COLLECTION_BOOKMARK: [],
  NOTE: ['body', 'ranges', 'saveToQR', 'attachedEntities'],
  READING_SESSION: ['chapterNumber', 'verseNumber'],
  PREFERENCE: ['value'],
};
