/**
 * Validation rules of App State names and validators (QF's App State contract): shared by the server, which
 * enforces them, and clients, which can check before sending.
 */

/** A collection ("data group") name. */
export const APP_STATE_COLLECTION_PATTERN = /^[a-z0-9][a-z0-9._-]{0,79}$/;

/** Longest document key, in Unicode scalar values (not UTF-16 code units). */
export const APP_STATE_MAX_KEY_SCALARS = 512;

/** Deepest JSON nesting a document value may have, in containers. */
export const APP_STATE_MAX_VALUE_DEPTH = 64;

export const APP_STATE_MAX_SCHEMA_VERSION = 2_147_483_647;

/** Largest page of bootstrap, changes and listings; smaller or unusable `limit` values fall back to it. */
export const APP_STATE_MAX_PAGE_SIZE = 100;

/** An `Idempotency-Key`: 16..256 visible ASCII characters. */
export const APP_STATE_IDEMPOTENCY_KEY_PATTERN = /^[\x21-\x7e]{16,256}$/;

/** A strong ETag as the server sends it, or the weak form an intermediary may have made of it. */
export const APP_STATE_ETAG_PATTERN = /^(?:W\/)?"[A-Za-z0-9_-]{43}"$/;

export function isAppStateCollectionName(name: string): boolean {
  return APP_STATE_COLLECTION_PATTERN.test(name);
}

/**
 * Why a (decoded) document key is unusable, or null. Keys are compared by exact code points: no Unicode
 * normalization, so canonically equivalent spellings are different keys.
 */
export function appStateKeyProblem(key: string): string | null {
  if (key.length === 0) return 'The key is empty';
  if (!(key as string & { isWellFormed(): boolean }).isWellFormed()) return 'The key contains a lone surrogate';
  // Control characters, DEL, and both separators.
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this refuses
  if (/[\u0000-\u001f\u007f/\\]/.test(key)) return 'The key contains a control character, a slash or a backslash';
  let scalars = 0;
  for (const _ of key) scalars += 1;
  if (scalars > APP_STATE_MAX_KEY_SCALARS) return `The key is longer than ${APP_STATE_MAX_KEY_SCALARS} Unicode scalar values`;
  return null;
}

/** The page size a `limit` query value asks for: unusable or non-positive values give the maximum, larger ones are capped. */
export function appStatePageSize(raw: unknown): number {
  const text = Array.isArray(raw) ? raw[0] : raw;
  if (typeof text !== 'string' || !/^\d{1,9}$/.test(text)) return APP_STATE_MAX_PAGE_SIZE;
  const n = Number(text);
  return n < 1 || n > APP_STATE_MAX_PAGE_SIZE ? APP_STATE_MAX_PAGE_SIZE : n;
}
