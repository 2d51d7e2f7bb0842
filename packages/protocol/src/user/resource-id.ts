import { createId, isCuid } from '@paralleldrive/cuid2';

/**
 * Resource ids. The server mints cuid2 ids (URL-safe, collision-resistant, no dashes); a client may name a
 * resource by an id it got from the server or, for upserts, by one it minted itself. Ids never contain a dash,
 * so a collection bookmark's composite id `"<collectionId>-<bookmarkId>"` splits unambiguously.
 */
const CLIENT_ID_PATTERN = /^[A-Za-z0-9_]{1,64}$/;

/** The alias of the user's default collection, accepted wherever a collection id is. */
export const DEFAULT_COLLECTION_ALIAS = '__default__';

export function newResourceId(): string {
  return createId();
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
