import { readClientTimestamps } from './bookmark-rules.js';
import { invalid, missing, ok, own, type FieldResult } from './field-result.js';

/** Collection field rules (user-sync.md): `name` is 1..255 characters after trimming. */
export const COLLECTION_NAME_MAX = 255;

/** The default collection every user gets with their first write. */
export const DEFAULT_COLLECTION_NAME = 'Favorites';

export interface CollectionInput {
  readonly name: string | undefined;
  readonly isPrivate: boolean | undefined;
  readonly clientCreatedAt: string | null | undefined;
  readonly clientUpdatedAt: string | null | undefined;
}

/** A trimmed collection name, or null when it is not a string of 1..255 characters after trimming. */
export function normaliseCollectionName(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const name = value.trim();
  return name.length >= 1 && [...name].length <= COLLECTION_NAME_MAX ? name : null;
}

/** URL slug of a name: lower case, runs of anything but letters and digits become one dash. */
export function collectionSlug(name: string): string {
  const slug = name
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}]+/gu, '-')
    .replace(/^-+|-+$/g, '');
  return slug.length > 0 ? slug.slice(0, 255) : 'collection';
}

/** Validates a COLLECTION payload. `isDefault`/`isSystem` are the server's to decide and are ignored. */
export function readCollectionInput(data: Record<string, unknown>, forCreate: boolean): FieldResult<CollectionInput> {
  const rawName = own(data, 'name');
  let name: string | undefined;
  if (rawName === undefined || rawName === null) {
    if (forCreate) return missing('name');
  } else {
    const normalised = normaliseCollectionName(rawName);
    if (normalised === null) return invalid('name');
    name = normalised;
  }
  const isPrivate = own(data, 'isPrivate');
  if (isPrivate !== undefined && isPrivate !== null && typeof isPrivate !== 'boolean') return invalid('isPrivate');
  const times = readClientTimestamps(data);
  if (!times.ok) return times;
  return ok({ name, isPrivate: typeof isPrivate === 'boolean' ? isPrivate : undefined, ...times.value });
}
