import { isValidJuz, isValidMushafId, isValidPage, isValidSurah, isValidVerse } from '../quran/quran-metadata.js';
import { parseClientTimestamp } from './client-timestamp.js';
import { invalid, missing, ok, own, type FieldResult } from './field-result.js';

/**
 * Bookmark field rules (user-sync.md, "Resources"): a location is a `type` and a `key` (surah, juz or page
 * number), plus a `verseNumber` for ayah bookmarks, in a mushaf. Checked against real Quran metadata.
 */
export const BOOKMARK_TYPES = ['ayah', 'surah', 'juz', 'page'] as const;
export type BookmarkType = (typeof BOOKMARK_TYPES)[number];

/** Mushaf assumed when a client names none (QF's own examples use 4, Uthmani Hafs). */
export const DEFAULT_MUSHAF_ID = 4;

export interface BookmarkLocation {
  readonly type: BookmarkType;
  readonly key: number;
  /** Ayah bookmarks only; null for surah, juz and page bookmarks. */
  readonly verseNumber: number | null;
  readonly mushaf: number;
}

export function isBookmarkType(value: unknown): value is BookmarkType {
  return typeof value === 'string' && (BOOKMARK_TYPES as readonly string[]).includes(value);
}

/** True when `key` (and `verseNumber` for ayahs) name a real place of that type. */
export function isValidBookmarkKey(type: BookmarkType, key: unknown, verseNumber: unknown): boolean {
  switch (type) {
    case 'ayah':
      return isValidVerse(key, verseNumber);
    case 'surah':
      return isValidSurah(key);
    case 'juz':
      return isValidJuz(key);
    case 'page':
      return isValidPage(key);
  }
}

/** QF's `group` of a bookmark type, as its list endpoints return it. */
export function bookmarkGroupName(type: BookmarkType): string {
  return { ayah: 'verses', surah: 'chapters', juz: 'juzs', page: 'pages' }[type];
}

/** Reads `type`/`bookmarkType` (they must agree); case-insensitive, as some clients send upper case. */
function readType(data: Record<string, unknown>): FieldResult<BookmarkType | undefined> {
  // Written out, without arrays: this runs for every bookmark of every push.
  const a = normaliseType(own(data, 'type'));
  const b = normaliseType(own(data, 'bookmarkType'));
  if (a === undefined && b === undefined) return ok(undefined);
  const first = a === undefined ? b : a;
  if (!isBookmarkType(first) || (b !== undefined && b !== first)) return invalid('type');
  return ok(first);
}

/** Lower case for strings; undefined for absent and null. */
function normaliseType(v: unknown): unknown {
  if (v === undefined || v === null) return undefined;
  return typeof v === 'string' ? v.toLowerCase() : v;
}

/** Reads `mushaf`/`mushafId` (they must agree). */
export function readMushaf(data: Record<string, unknown>): FieldResult<number | undefined> {
  let a = own(data, 'mushaf');
  let b = own(data, 'mushafId');
  if (a === null) a = undefined;
  if (b === null) b = undefined;
  if (a === undefined && b === undefined) return ok(undefined);
  const first = a === undefined ? b : a;
  if (!isValidMushafId(first) || (b !== undefined && b !== first)) return invalid('mushaf');
  return ok(first as number);
}

/**
 * Reads a full location. `required`: CREATE needs one; an UPDATE may leave it out (unchanged), but if it
 * names any of type/key/verseNumber it must name a complete, valid one.
 */
export function readBookmarkLocation(data: Record<string, unknown>, required: boolean): FieldResult<Omit<BookmarkLocation, 'mushaf'> | null> {
  const type = readType(data);
  if (!type.ok) return type;
  const key = own(data, 'key');
  const verse = own(data, 'verseNumber');
  if (type.value === undefined && key === undefined && (verse === undefined || verse === null) && !required) return ok(null);
  if (type.value === undefined) return missing('type');
  if (key === undefined || key === null) return missing('key');
  if (!Number.isInteger(key)) return invalid('key');
  if (type.value === 'ayah') {
    if (verse === undefined || verse === null) return missing('verseNumber');
    if (!isValidSurah(key)) return invalid('key');
    if (!isValidVerse(key, verse)) return invalid('verseNumber');
    return ok({ type: 'ayah', key: key as number, verseNumber: verse as number });
  }
  // Surah, juz and page bookmarks have no verse: a stray verseNumber (some clients send 0) is ignored.
  if (!isValidBookmarkKey(type.value, key, null)) return invalid('key');
  return ok({ type: type.value, key: key as number, verseNumber: null });
}

export interface BookmarkInput {
  /** Type, key and verse; null on an UPDATE that leaves them unchanged. */
  readonly location: Omit<BookmarkLocation, 'mushaf'> | null;
  /** Undefined when the payload names no mushaf (CREATE then uses {@link DEFAULT_MUSHAF_ID}). */
  readonly mushaf: number | undefined;
  /** Absent: leave as is (UPDATE) or false (CREATE). `null` means false, as QF documents. */
  readonly isReading: boolean | undefined;
  readonly clientCreatedAt: string | null | undefined;
  readonly clientUpdatedAt: string | null | undefined;
}

/** Validates a BOOKMARK payload; `isInDefaultCollection` is derived from collection membership and ignored. */
export function readBookmarkInput(data: Record<string, unknown>, forCreate: boolean): FieldResult<BookmarkInput> {
  const location = readBookmarkLocation(data, forCreate);
  if (!location.ok) return location;
  const mushaf = readMushaf(data);
  if (!mushaf.ok) return mushaf;
  const reading = own(data, 'isReading');
  if (reading !== undefined && reading !== null && typeof reading !== 'boolean') return invalid('isReading');
  const times = readClientTimestamps(data);
  if (!times.ok) return times;
  return ok({
    location: location.value,
    mushaf: mushaf.value,
    isReading: reading === undefined ? undefined : reading === true,
    clientCreatedAt: times.value.clientCreatedAt,
    clientUpdatedAt: times.value.clientUpdatedAt,
  });
}

/** Reads `clientCreatedAt` and `clientUpdatedAt` (undefined when absent). */
export function readClientTimestamps(
  data: Record<string, unknown>,
): FieldResult<{ clientCreatedAt: string | null | undefined; clientUpdatedAt: string | null | undefined }> {
  const created = own(data, 'clientCreatedAt');
  const updated = own(data, 'clientUpdatedAt');
  const out: { clientCreatedAt: string | null | undefined; clientUpdatedAt: string | null | undefined } = {
    clientCreatedAt: undefined,
    clientUpdatedAt: undefined,
  };
  if (created !== undefined) {
    const parsed = parseClientTimestamp(created);
    if (!parsed.ok) return invalid('clientCreatedAt');
    out.clientCreatedAt = parsed.value;
  }
  if (updated !== undefined) {
    const parsed = parseClientTimestamp(updated);
    if (!parsed.ok) return invalid('clientUpdatedAt');
    out.clientUpdatedAt = parsed.value;
  }
  return ok(out);
}
