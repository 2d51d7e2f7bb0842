import { collectionBookmarkId, type UserResource } from '@quran-sync/protocol';

/**
 * How the SDK reads the `data` of each resource (user-sync.md, "Resources"): which record a pulled entry is
 * about, the natural key the server deduplicates by, and the fields a client writes (what a rebase compares).
 * Records keep `data` exactly in the wire shape, so a pulled entry, an ack and a local write are stored alike.
 */

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
