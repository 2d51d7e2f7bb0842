import { isValidSurah, isValidVerse } from '../quran/quran-metadata.js';
import { readClientTimestamps } from './bookmark-rules.js';
import { invalid, missing, ok, own, type FieldResult } from './field-result.js';

/** `POST /v1/reading-sessions` updates the session touched within this window, else creates one (QF). */
export const READING_SESSION_MERGE_WINDOW_MS = 20 * 60 * 1000;

export interface ReadingSessionInput {
  readonly chapterNumber: number | undefined;
  readonly verseNumber: number | undefined;
  readonly clientCreatedAt: string | null | undefined;
  readonly clientUpdatedAt: string | null | undefined;
}

/**
 * Validates a READING_SESSION payload. CREATE needs both numbers; an UPDATE may change either, and the
 * applier checks the resulting position against the stored one.
 */
export function readReadingSessionInput(data: Record<string, unknown>, forCreate: boolean): FieldResult<ReadingSessionInput> {
  const chapter = own(data, 'chapterNumber');
  const verse = own(data, 'verseNumber');
  if (forCreate && (chapter === undefined || chapter === null)) return missing('chapterNumber');
  if (forCreate && (verse === undefined || verse === null)) return missing('verseNumber');
  if (chapter !== undefined && chapter !== null && !isValidSurah(chapter)) return invalid('chapterNumber');
  if (verse !== undefined && verse !== null && (!Number.isInteger(verse) || (verse as number) < 1)) return invalid('verseNumber');
  if (typeof chapter === 'number' && typeof verse === 'number' && !isValidVerse(chapter, verse)) return invalid('verseNumber');
  const times = readClientTimestamps(data);
  if (!times.ok) return times;
  return ok({
    chapterNumber: typeof chapter === 'number' ? chapter : undefined,
    verseNumber: typeof verse === 'number' ? verse : undefined,
    ...times.value,
  });
}
