import { getAyahCountInSurah, meta } from 'quran-meta/hafs';

/**
 * Verse metadata from `quran-meta` (Hafs riwaya, the numbering QF uses). Server validation, the content
 * seed and the SDK all read counts from here; nothing in the project hand-types a verse-count table.
 */
export const SURAH_COUNT: number = meta.numSurahs;
export const VERSE_COUNT: number = meta.numAyahs;
export const JUZ_COUNT: number = meta.numJuzs;
export const PAGE_COUNT: number = meta.numPages;
export const HIZB_COUNT: number = meta.numHizbs;
export const RUB_EL_HIZB_COUNT: number = meta.numRubAlHizbs;

/** Mushaf ids QF accepts on bookmarks (user-sync.md, "Resources"). */
export const MUSHAF_IDS: readonly number[] = [1, 2, 3, 4, 5, 6, 7, 11, 19];

const AYAH_COUNTS: readonly number[] = Array.from({ length: SURAH_COUNT }, (_, i) => getAyahCountInSurah((i + 1) as Parameters<typeof getAyahCountInSurah>[0]));
/** Global index (0-based) of each surah's first verse, for ordering verse keys across surahs. */
const FIRST_VERSE_INDEX: readonly number[] = AYAH_COUNTS.reduce<number[]>((acc, _, i) => {
  acc.push(i === 0 ? 0 : acc[i - 1]! + AYAH_COUNTS[i - 1]!);
  return acc;
}, []);

export function isValidSurah(surah: unknown): surah is number {
  return Number.isInteger(surah) && (surah as number) >= 1 && (surah as number) <= SURAH_COUNT;
}

export function ayahCount(surah: number): number {
  if (!isValidSurah(surah)) throw new RangeError(`no surah ${surah}`);
  return AYAH_COUNTS[surah - 1]!;
}

export function isValidVerse(surah: unknown, ayah: unknown): boolean {
  return isValidSurah(surah) && Number.isInteger(ayah) && (ayah as number) >= 1 && (ayah as number) <= AYAH_COUNTS[surah - 1]!;
}

export function isValidJuz(juz: unknown): boolean {
  return Number.isInteger(juz) && (juz as number) >= 1 && (juz as number) <= JUZ_COUNT;
}

export function isValidPage(page: unknown): boolean {
  return Number.isInteger(page) && (page as number) >= 1 && (page as number) <= PAGE_COUNT;
}

export function isValidMushafId(id: unknown): boolean {
  return typeof id === 'number' && MUSHAF_IDS.includes(id);
}

export interface VerseRef {
  readonly surah: number;
  readonly ayah: number;
}

/** Parses `"2:255"`; null unless it names a real verse. */
export function parseVerseKey(key: unknown): VerseRef | null {
  if (typeof key !== 'string') return null;
  const m = /^([0-9]{1,3}):([0-9]{1,3})$/.exec(key);
  if (!m) return null;
  const surah = Number(m[1]);
  const ayah = Number(m[2]);
  return isValidVerse(surah, ayah) ? { surah, ayah } : null;
}

export function formatVerseKey(ref: VerseRef): string {
  return `${ref.surah}:${ref.ayah}`;
}

/** 1-based position of a verse in the whole Quran (1:1 → 1, 114:6 → 6236). */
export function verseIndex(ref: VerseRef): number {
  return FIRST_VERSE_INDEX[ref.surah - 1]! + ref.ayah;
}

/** The verse at a 1-based global position. */
export function verseAt(index: number): VerseRef {
  if (!Number.isInteger(index) || index < 1 || index > VERSE_COUNT) throw new RangeError(`no verse at ${index}`);
  let lo = 0;
  let hi = SURAH_COUNT - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (FIRST_VERSE_INDEX[mid]! < index) lo = mid;
    else hi = mid - 1;
  }
  return { surah: lo + 1, ayah: index - FIRST_VERSE_INDEX[lo]! };
}

export interface VerseRange {
  readonly from: VerseRef;
  readonly to: VerseRef;
}

/** Parses a note range `"s:a-s:a"` or `"s:a"`; null unless both ends are real verses and start ≤ end. */
export function parseVerseRange(range: unknown): VerseRange | null {
  if (typeof range !== 'string') return null;
  const dash = range.indexOf('-');
  const from = parseVerseKey(dash < 0 ? range : range.slice(0, dash));
  const to = dash < 0 ? from : parseVerseKey(range.slice(dash + 1));
  if (!from || !to || verseIndex(from) > verseIndex(to)) return null;
  return { from, to };
}

export function formatVerseRange(range: VerseRange): string {
  return `${formatVerseKey(range.from)}-${formatVerseKey(range.to)}`;
}
