import type { UserResource } from './user-resources.js';

/**
 * The natural keys the server merges creates by, shared by server and client so both name a resource's place
 * the same way: a bookmark's location in its mushaf, a collection's name, a reading session's position, a
 * preference's group. Clients persist these strings in their stores' indexes: the format is part of the
 * stored data and must not change.
 */
export function bookmarkNaturalKey(type: string, key: number, verseNumber: number | null | undefined, mushaf: number): string {
  return `${type}:${key}:${verseNumber ?? ''}:${mushaf}`;
}

export function readingSessionNaturalKey(chapterNumber: number, verseNumber: number): string {
  return `${chapterNumber}:${verseNumber}`;
}

/** A resource's natural key from its wire data (camelCase fields); null for a deletion or a resource without one. */
export function naturalKeyOf(resource: UserResource, data: Readonly<Record<string, unknown>> | null): string | null {
  if (data === null) return null;
  switch (resource) {
    case 'BOOKMARK':
      return bookmarkNaturalKey(data.type as string, data.key as number, (data.verseNumber as number | null) ?? null, data.mushaf as number);
    case 'COLLECTION':
      return typeof data.name === 'string' ? data.name : null;
    case 'READING_SESSION':
      return readingSessionNaturalKey(data.chapterNumber as number, data.verseNumber as number);
    case 'PREFERENCE':
      return typeof data.group === 'string' ? data.group : null;
    default:
      return null;
  }
}
