import { collectionBookmarkId, type UserResource } from '@quran-sync/protocol';
import type { RecordData } from './user-store.js';

/**
 * How the SDK reads the `data` of each resource (user-sync.md, "Resources"): which record a pulled entry is
 * about, the natural key the server deduplicates by, and the fields a client writes (what a rebase compares).
 * Records keep `data` exactly in the wire shape, so a pulled entry, an ack and a local write are stored alike.
 */

/** Fields a client sets; everything else in `data` the server derives (slug, isDefault, isInDefaultCollection…). */
export const WRITABLE_FIELDS: Readonly<Record<UserResource, readonly string[]>> = {
  BOOKMARK: ['type', 'key', 'verseNumber', 'mushaf', 'isReading'],
  COLLECTION: ['name', 'isPrivate'],
  COLLECTION_BOOKMARK: [],
  NOTE: ['body', 'ranges', 'saveToQR', 'attachedEntities'],
  READING_SESSION: ['chapterNumber', 'verseNumber'],
  PREFERENCE: ['value'],
};

/**
 * The local id of the record a pulled entry (or an ack) is about: its `resourceId`, or for links the
 * composite id from `data`, for preferences the group. Null when the entry names nothing usable.
 */
export function recordIdOf(entry: { readonly resource: UserResource; readonly resourceId: string | null; readonly data: unknown }): string | null {
  const data = entry.data as Record<string, unknown> | null;
  if (entry.resource === 'COLLECTION_BOOKMARK') {
    if (data && typeof data.collectionId === 'string' && typeof data.bookmarkId === 'string') return collectionBookmarkId(data.collectionId, data.bookmarkId);
    return entry.resourceId ?? null;
  }
  if (entry.resource === 'PREFERENCE') return data && typeof data.group === 'string' ? data.group : (entry.resourceId ?? null);
  return entry.resourceId ?? null;
}

/** The key the server merges creates by: a bookmark's location, a collection's name, a session's position. */
export function naturalKeyOf(resource: UserResource, data: RecordData | null): string | null {
  if (data === null) return null;
  switch (resource) {
    case 'BOOKMARK':
      return bookmarkKey(data.type as string, data.key as number, (data.verseNumber as number | null) ?? null, data.mushaf as number);
    case 'COLLECTION':
      return typeof data.name === 'string' ? data.name : null;
    case 'READING_SESSION':
      return `${data.chapterNumber as number}:${data.verseNumber as number}`;
    case 'PREFERENCE':
      return typeof data.group === 'string' ? data.group : null;
    default:
      return null;
  }
}

export function bookmarkKey(type: string, key: number, verseNumber: number | null, mushaf: number): string {
  return `${type}:${key}:${verseNumber ?? ''}:${mushaf}`;
}

/** Structural equality of JSON values (key order ignored). */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    return a.length === bb.length && a.every((v, i) => jsonEqual(v, bb[i]));
  }
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  const keys = Object.keys(ao).filter((k) => ao[k] !== undefined);
  const bKeys = Object.keys(bo).filter((k) => bo[k] !== undefined);
  return keys.length === bKeys.length && keys.every((k) => jsonEqual(ao[k], bo[k]));
}

/** Milliseconds of an ISO client timestamp; null when absent or unreadable. */
export function clientTimeMs(value: unknown): number | null {
  if (typeof value !== 'string') return null;
  const ms = Date.parse(value);
  return Number.isFinite(ms) ? ms : null;
}
