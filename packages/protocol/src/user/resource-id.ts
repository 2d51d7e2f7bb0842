import { isCuid } from '@paralleldrive/cuid2';

/**
 * Resource ids. The server mints cuid2 ids (URL-safe, collision-resistant, no dashes); a client may name a
 * resource by an id it got from the server or, for upserts, by one it minted itself. Ids never contain a dash,
 * so a collection bookmark's composite id `"<collectionId>-<bookmarkId>"` splits unambiguously.
 */
const CLIENT_ID_PATTERN = /^[A-Za-z0-9_]{1,64}$/;

/** The alias of the user's default collection, accepted wherever a collection id is. */
export const DEFAULT_COLLECTION_ALIAS = '__default__';

const ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyz';
const ID_LENGTH = 24;

/**
 * A new id in cuid2's shape (24 characters: a lowercase letter, then `[0-9a-z]`; `isCuid` accepts it), made
 * from the platform's CSPRNG: about 124 random bits, as collision-resistant as a UUIDv4. Not cuid2's own
 * `createId`, which hashes with SHA-3 and BigNumber arithmetic at ~0.4 ms an id — 40 ms of CPU for a
 * 100-bookmark push, and as much for 100 local edits in the SDK (issue #8). Rejection sampling keeps every
 * character uniform.
 */
export function newResourceId(): string {
  let id = '';
  while (id.length < ID_LENGTH) {
    const byte = randomByte();
    if (id.length === 0) {
      // First character: a letter (26 × 9 = 234 values kept).
      if (byte < 234) id += ALPHABET[10 + (byte % 26)];
    } else if (byte < 252) {
      // 36 × 7 = 252 values kept.
      id += ALPHABET[byte % 36];
    }
  }
  return id;
}

/** Random bytes drawn from the CSPRNG a few kilobytes at a time: one call per ~150 ids, not one per id. */
const pool = new Uint8Array(4096);
let poolOffset = pool.length;

function randomByte(): number {
  if (poolOffset === pool.length) {
    globalThis.crypto.getRandomValues(pool);
    poolOffset = 0;
  }
  return pool[poolOffset++]!;
}

/** True for an id a client may send: 1..64 of `[A-Za-z0-9_]`. */
export function isValidResourceId(value: unknown): value is string {
  return typeof value === 'string' && CLIENT_ID_PATTERN.test(value);
}

/** True for an id the server itself would mint. */
export function isServerResourceId(value: unknown): value is string {
  return typeof value === 'string' && isCuid(value);
}

export function collectionBookmarkId(collectionId: string, bookmarkId: string): string {
  return `${collectionId}-${bookmarkId}`;
}

/** Splits `"<collectionId>-<bookmarkId>"`; null unless both halves are valid ids. */
export function parseCollectionBookmarkId(value: unknown): { collectionId: string; bookmarkId: string } | null {
  if (typeof value !== 'string') return null;
  const dash = value.indexOf('-');
  if (dash < 0 || value.indexOf('-', dash + 1) >= 0) return null;
  const collectionId = value.slice(0, dash);
  const bookmarkId = value.slice(dash + 1);
  return isValidResourceId(collectionId) && isValidResourceId(bookmarkId) ? { collectionId, bookmarkId } : null;
}
