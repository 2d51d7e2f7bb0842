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
  const a = own(data, 'type');
  const b = own(data, 'bookmarkType');
  const values = [a, b].filter((v) => v !== undefined && v !== null);
  if (values.length === 0) return ok(undefined);
  const normalised = values.map((v) => (typeof v === 'string' ? v.toLowerCase() : v));
  const first = normalised[0];
  if (!isBookmarkType(first) || normalised.some((v) => v !== first)) return invalid('type');
  return ok(first);
}

/** Reads `mushaf`/`mushafId` (they must agree). */
export function readMushaf(data: Record<string, unknown>): FieldResult<number | undefined> {
  const values = [own(data, 'mushaf'), own(data, 'mushafId')].filter((v) => v !== undefined && v !== null);
  if (values.length === 0) return ok(undefined);
  const first = values[0];
  if (!isValidMushafId(first) || values.some((v) => v !== first)) return invalid('mushaf');
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
    ...times.value,
  });
}

/** Reads `clientCreatedAt` and `clientUpdatedAt` (undefined when absent). */
export function readClientTimestamps(data: Record<string, unknown>): FieldResult<{ clientCreatedAt: string | null | undefined; clientUpdatedAt: string | null | undefined }> {
  const out: { clientCreatedAt: string | null | undefined; clientUpdatedAt: string | null | undefined } = { clientCreatedAt: undefined, clientUpdatedAt: undefined };
  for (const field of ['clientCreatedAt', 'clientUpdatedAt'] as const) {
    const raw = own(data, field);
    if (raw === undefined) continue;
    const parsed = parseClientTimestamp(raw);
    if (!parsed.ok) return invalid(field);
    out[field] = parsed.value;
  }
  return ok(out);
}
