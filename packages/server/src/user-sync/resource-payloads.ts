import type { Selectable } from 'kysely';
import type {
  UserBookmarkTable,
  UserCollectionBookmarkTable,
  UserCollectionTable,
  UserNoteTable,
  UserPreferenceTable,
  UserReadingSessionTable,
} from './user-data-tables.js';

/**
 * The `data` of each resource as pulls and acks carry it (user-sync.md, "Resources"). Every documented key
 * is present (null when unknown). Deleted resources keep their last state, so a DELETE entry still tells a
 * client which link or group it removes even though those have no `resourceId` on pulls.
 */
export type BookmarkRow = Selectable<UserBookmarkTable>;
export type CollectionRow = Selectable<UserCollectionTable>;
export type LinkRow = Selectable<UserCollectionBookmarkTable>;
export type NoteRow = Selectable<UserNoteTable>;
export type ReadingSessionRow = Selectable<UserReadingSessionTable>;
export type PreferenceRow = Selectable<UserPreferenceTable>;

export type Payload = Record<string, unknown>;

const iso = (value: Date | null): string | null => (value ? value.toISOString() : null);

export function bookmarkPayload(row: BookmarkRow, isInDefaultCollection: boolean): Payload {
  return {
    type: row.type,
    bookmarkType: row.type,
    key: row.key,
    verseNumber: row.verse_number,
    mushaf: row.mushaf,
    mushafId: row.mushaf,
    isReading: row.is_reading,
    isInDefaultCollection,
    clientCreatedAt: iso(row.client_created_at),
    clientUpdatedAt: iso(row.client_updated_at),
  };
}

export function collectionPayload(row: CollectionRow): Payload {
  return {
    name: row.name,
    slug: row.slug,
    isPrivate: row.is_private,
    isDefault: row.is_default,
    isSystem: row.is_system,
    clientCreatedAt: iso(row.client_created_at),
    clientUpdatedAt: iso(row.client_updated_at),
  };
}

export function linkPayload(link: LinkRow, bookmark: Pick<BookmarkRow, 'type' | 'key' | 'verse_number'> | undefined): Payload {
  return {
    collectionId: link.collection_id,
    bookmarkId: link.bookmark_id,
    type: bookmark?.type ?? null,
    key: bookmark?.key ?? null,
    verseNumber: bookmark?.verse_number ?? null,
    clientCreatedAt: iso(link.client_created_at),
    clientUpdatedAt: iso(link.client_updated_at),
  };
}

export function notePayload(row: NoteRow): Payload {
  return {
    body: row.body,
    ranges: row.ranges,
    saveToQR: row.save_to_qr,
    attachedEntities: row.attached_entities,
    clientCreatedAt: iso(row.client_created_at),
    clientUpdatedAt: iso(row.client_updated_at),
  };
}

export function readingSessionPayload(row: ReadingSessionRow): Payload {
  return {
    chapterNumber: row.chapter_number,
    verseNumber: row.verse_number,
    clientCreatedAt: iso(row.client_created_at),
    clientUpdatedAt: iso(row.client_updated_at),
  };
}

export function preferencePayload(row: PreferenceRow): Payload {
  return { group: row.group_name, value: row.value };
}
