import { standardError } from '../../http/api-error.js';

/**
 * QF's cursor pagination for list endpoints: `first` (+ `after`) or `last` (+ `before`), 1..20. Cursors are
 * opaque: they encode the item's sort key, so a cursor stays usable after its item is deleted by another
 * device mid-listing. Lists are per user and small, so they are sorted in memory with the exact ordering
 * each endpoint documents.
 */
export interface CursorParams {
  readonly first: number | null;
  readonly after: string | null;
  readonly last: number | null;
  readonly before: string | null;
}

export interface Pagination {
  readonly startCursor: string | null;
  readonly endCursor: string | null;
  readonly hasNextPage: boolean;
  readonly hasPreviousPage: boolean;
}

export type SortKey = readonly (string | number)[];

const refuse = (message: string): never => {
  throw standardError(422, message);
};

function intParam(raw: unknown, name: string, max: number): number | null {
  if (raw === undefined || raw === null || raw === '') return null;
  const text = String(raw);
  if (!/^\d{1,4}$/.test(text)) refuse(`Invalid ${name}: must be 1..${max}`);
  const value = Number(text);
  if (value < 1 || value > max) refuse(`Invalid ${name}: must be 1..${max}`);
  return value;
}

function cursorParam(raw: unknown): string | null {
  if (raw === undefined || raw === null || raw === '') return null;
  return String(raw);
}

export function parseCursorParams(query: Record<string, unknown>, max = 20): CursorParams {
  const first = intParam(query.first, 'first', max);
  const last = intParam(query.last, 'last', max);
  const after = cursorParam(query.after);
  const before = cursorParam(query.before);
  if ((first !== null || after !== null) && (last !== null || before !== null)) refuse('Use either first/after or last/before, not both');
  return { first, after, last, before };
}

export function encodeCursor(key: SortKey): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

function decodeCursor(cursor: string): SortKey {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(value) && value.length > 0 && value.every((v) => typeof v === 'string' || typeof v === 'number')) return value;
  } catch {
    // fall through
  }
  return refuse('Invalid cursor');
}

export function compareKeys(a: SortKey, b: SortKey): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const x = a[i];
    const y = b[i];
    if (x === y) continue;
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    if (typeof x === 'number' && typeof y === 'number') return x - y;
    return String(x) < String(y) ? -1 : 1;
  }
  return 0;
}

/** One page of `items` (already sorted by `keyOf`, ascending in the listing's order). */
export function paginate<T>(items: readonly T[], keyOf: (item: T) => SortKey, params: CursorParams, defaultSize = 20): { items: T[]; pagination: Pagination } {
  let start = 0;
  let end = items.length;
  if (params.after !== null) {
    const key = decodeCursor(params.after);
    start = items.findIndex((item) => compareKeys(keyOf(item), key) > 0);
    if (start < 0) start = items.length;
  }
  if (params.before !== null) {
    const key = decodeCursor(params.before);
    const index = items.findIndex((item) => compareKeys(keyOf(item), key) >= 0);
    end = index < 0 ? items.length : index;
  }
  let pageStart: number;
  let pageEnd: number;
  if (params.last !== null || (params.before !== null && params.first === null)) {
    pageEnd = end;
    pageStart = Math.max(start, end - (params.last ?? defaultSize));
  } else {
    pageStart = start;
    pageEnd = Math.min(end, start + (params.first ?? defaultSize));
  }
  const page = items.slice(pageStart, pageEnd);
  return {
    items: page,
    pagination: {
      startCursor: page.length > 0 ? encodeCursor(keyOf(page[0]!)) : null,
      endCursor: page.length > 0 ? encodeCursor(keyOf(page[page.length - 1]!)) : null,
      hasNextPage: pageEnd < items.length,
      hasPreviousPage: pageStart > 0,
    },
  };
}
