import { fieldProblemMessage, isBookmarkType, MUSHAF_IDS, type BookmarkType, type FieldResult } from '@quran-sync/protocol';
import { standardError } from '../../http/api-error.js';

/** Parameter helpers of the direct endpoints: every refusal is a 422 in the standard envelope. */
export const refuse = (message: string): never => {
  throw standardError(422, message);
};

/** The value of a field check, or a 422 naming the field. */
export function orRefuse<T>(result: FieldResult<T>): T {
  if (!result.ok) refuse(fieldProblemMessage(result));
  return (result as { value: T }).value;
}

export function intQuery(query: Record<string, unknown>, name: string, required: true): number;
export function intQuery(query: Record<string, unknown>, name: string, required?: false): number | undefined;
export function intQuery(query: Record<string, unknown>, name: string, required = false): number | undefined {
  const raw = query[name];
  if (raw === undefined || raw === '') {
    if (required) refuse(`Missing ${name}`);
    return undefined;
  }
  const text = String(raw);
  if (!/^-?\d{1,9}$/.test(text)) refuse(`Invalid ${name}`);
  return Number(text);
}

export function boolQuery(query: Record<string, unknown>, name: string): boolean | undefined {
  const raw = query[name];
  if (raw === undefined || raw === '') return undefined;
  const text = String(raw).toLowerCase();
  if (text === 'true' || text === '1') return true;
  if (text === 'false' || text === '0') return false;
  return refuse(`Invalid ${name}`);
}

/** `type` query parameter; QF's default is `ayah`. */
export function bookmarkTypeQuery(query: Record<string, unknown>, fallback: BookmarkType | undefined = 'ayah'): BookmarkType | undefined {
  const raw = query.type;
  if (raw === undefined || raw === '') return fallback;
  const text = String(raw).toLowerCase();
  if (!isBookmarkType(text)) refuse('Invalid type');
  return text as BookmarkType;
}

/** `mushafId` (or `mushaf`) query parameter, optional. */
export function mushafQuery(query: Record<string, unknown>): number | undefined {
  const value = intQuery(query, query.mushafId !== undefined ? 'mushafId' : 'mushaf');
  if (value !== undefined && !MUSHAF_IDS.includes(value)) refuse('Invalid mushafId');
  return value;
}

/** A JSON object body (an absent body counts as `{}`, so required fields are reported by name). */
export function objectBody(body: unknown): Record<string, unknown> {
  if (body === undefined || body === null) return {};
  if (typeof body !== 'object' || Array.isArray(body)) refuse('The request body must be a JSON object');
  return body as Record<string, unknown>;
}
