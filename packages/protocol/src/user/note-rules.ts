import { formatVerseRange, parseVerseRange, verseIndex, type VerseRange } from '../quran/quran-metadata.js';
import { readClientTimestamps } from './bookmark-rules.js';
import { invalid, isPlainObject, missing, ok, own, type FieldResult } from './field-result.js';

/** Note field rules (user-sync.md): `body` 6..10000 characters; `ranges` ≥ 1 valid `s:a-s:a` (or `s:a`). */
export const NOTE_BODY_MIN = 6;
export const NOTE_BODY_MAX = 10_000;
/** More ranges than this on one note is abuse, not annotation. */
export const NOTE_RANGES_MAX = 100;

export interface NoteAttachedEntity {
  readonly entityId: string;
  readonly entityType: 'reflection';
  readonly entityMetadata?: Record<string, unknown>;
}

export interface NoteInput {
  readonly body: string | undefined;
  /** Canonical `s:a-s:a` strings. */
  readonly ranges: readonly string[] | undefined;
  readonly saveToQR: boolean | undefined;
  readonly attachedEntities: readonly NoteAttachedEntity[] | undefined;
  readonly clientCreatedAt: string | null | undefined;
  readonly clientUpdatedAt: string | null | undefined;
}

/** True when the body has 6..10000 characters (code points, trimmed ends not counted). */
export function isValidNoteBody(body: unknown): body is string {
  if (typeof body !== 'string') return false;
  const length = [...body.trim()].length;
  return length >= NOTE_BODY_MIN && length <= NOTE_BODY_MAX;
}

/** Parses and canonicalises ranges; null unless it is a non-empty array of valid ranges. */
export function normaliseNoteRanges(value: unknown): string[] | null {
  if (!Array.isArray(value) || value.length === 0 || value.length > NOTE_RANGES_MAX) return null;
  const out: string[] = [];
  for (const item of value) {
    const range = parseVerseRange(item);
    if (!range) return null;
    out.push(formatVerseRange(range));
  }
  return out;
}

/** Global verse positions `[from, to]` of a canonical range (for by-verse and by-range lookups). */
export function noteRangeBounds(range: string): [number, number] {
  const parsed = parseVerseRange(range) as VerseRange;
  return [verseIndex(parsed.from), verseIndex(parsed.to)];
}

function readAttachedEntity(value: unknown): NoteAttachedEntity | null {
  if (!isPlainObject(value)) return null;
  const entityId = own(value, 'entityId');
  const entityType = own(value, 'entityType');
  const entityMetadata = own(value, 'entityMetadata');
  if (typeof entityId !== 'string' || entityId.length === 0 || entityId.length > 255) return null;
  if (entityType !== 'reflection') return null;
  if (entityMetadata !== undefined && entityMetadata !== null && !isPlainObject(entityMetadata)) return null;
  return { entityId, entityType, ...(isPlainObject(entityMetadata) ? { entityMetadata } : {}) };
}

/**
 * Validates a NOTE payload. QF's request names one `attachedEntity`; pulls return `attachedEntities`; both
 * are accepted.
 */
export function readNoteInput(data: Record<string, unknown>, forCreate: boolean): FieldResult<NoteInput> {
  const body = own(data, 'body');
  if (body === undefined || body === null) {
    if (forCreate) return missing('body');
  } else if (!isValidNoteBody(body)) {
    return invalid('body');
  }
  const rawRanges = own(data, 'ranges');
  let ranges: string[] | undefined;
  if (rawRanges === undefined || rawRanges === null) {
    if (forCreate) return missing('ranges');
  } else {
    const normalised = normaliseNoteRanges(rawRanges);
    if (!normalised) return invalid('ranges');
    ranges = normalised;
  }
  const saveToQR = own(data, 'saveToQR');
  if (saveToQR !== undefined && saveToQR !== null && typeof saveToQR !== 'boolean') return invalid('saveToQR');
  let attachedEntities: NoteAttachedEntity[] | undefined;
  const single = own(data, 'attachedEntity');
  const many = own(data, 'attachedEntities');
  if (single !== undefined && single !== null) {
    const entity = readAttachedEntity(single);
    if (!entity) return invalid('attachedEntity');
    attachedEntities = [entity];
  } else if (many !== undefined && many !== null) {
    if (!Array.isArray(many) || many.length > 20) return invalid('attachedEntities');
    attachedEntities = [];
    for (const item of many) {
      const entity = readAttachedEntity(item);
      if (!entity) return invalid('attachedEntities');
      attachedEntities.push(entity);
    }
  }
  const times = readClientTimestamps(data);
  if (!times.ok) return times;
  return ok({
    body: typeof body === 'string' ? body : undefined,
    ranges,
    saveToQR: typeof saveToQR === 'boolean' ? saveToQR : undefined,
    attachedEntities,
    ...times.value,
  });
}
