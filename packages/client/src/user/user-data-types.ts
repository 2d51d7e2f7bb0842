import type { BookmarkType, NoteAttachedEntity } from '@quran-sync/protocol';
import type { UserRecord } from './user-store.js';

/**
 * What the local API returns: the resource's fields as the server's pulls carry them (user-sync.md,
 * "Resources"), plus `id` and `pending` (the device has changes to it the server has not acknowledged yet).
 */
export interface Bookmark {
  readonly id: string;
  readonly type: BookmarkType;
  readonly key: number;
  readonly verseNumber: number | null;
  readonly mushaf: number;
  readonly isReading: boolean;
  readonly isInDefaultCollection: boolean;
  readonly clientCreatedAt: string | null;
  readonly clientUpdatedAt: string | null;
  readonly pending: boolean;
}

/** Where a bookmark points: `verseNumber` for ayah bookmarks only; `mushaf` defaults to 4 (as the server's). */
export interface BookmarkLocationInput {
  readonly type: BookmarkType;
  readonly key: number;
  readonly verseNumber?: number | null;
  readonly mushaf?: number;
}

export interface Collection {
  readonly id: string;
  readonly name: string;
  readonly slug: string;
  readonly isPrivate: boolean;
  readonly isDefault: boolean;
  readonly isSystem: boolean;
  /** Live bookmarks in it, as this device knows them. */
  readonly bookmarksCount: number;
  readonly clientCreatedAt: string | null;
  readonly clientUpdatedAt: string | null;
  readonly pending: boolean;
}

export interface Note {
  readonly id: string;
  readonly body: string;
  /** Canonical `s:a-s:a` ranges. */
  readonly ranges: readonly string[];
  readonly saveToQR: boolean;
  readonly attachedEntities: readonly NoteAttachedEntity[];
  readonly clientCreatedAt: string | null;
  readonly clientUpdatedAt: string | null;
  readonly pending: boolean;
}

export interface NoteInput {
  readonly body: string;
  readonly ranges: readonly string[];
  readonly saveToQR?: boolean;
  readonly attachedEntities?: readonly NoteAttachedEntity[];
}

export interface ReadingSession {
  readonly id: string;
  readonly chapterNumber: number;
  readonly verseNumber: number;
  readonly clientCreatedAt: string | null;
  readonly clientUpdatedAt: string | null;
  readonly pending: boolean;
}

const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);

export function toBookmark(r: UserRecord, pending: boolean): Bookmark {
  const d = r.data!;
  return {
    id: r.id,
    type: d.type as BookmarkType,
    key: d.key as number,
    verseNumber: (d.verseNumber as number | null | undefined) ?? null,
    mushaf: (d.mushaf ?? d.mushafId) as number,
    isReading: d.isReading === true,
    isInDefaultCollection: d.isInDefaultCollection === true,
    clientCreatedAt: str(d.clientCreatedAt),
    clientUpdatedAt: str(d.clientUpdatedAt),
    pending,
  };
}

export function toCollection(r: UserRecord, bookmarksCount: number, pending: boolean): Collection {
  const d = r.data!;
  return {
    id: r.id,
    name: d.name as string,
    slug: (d.slug as string | undefined) ?? '',
    isPrivate: d.isPrivate === true,
    isDefault: d.isDefault === true,
    isSystem: d.isSystem === true,
    bookmarksCount,
    clientCreatedAt: str(d.clientCreatedAt),
    clientUpdatedAt: str(d.clientUpdatedAt),
    pending,
  };
}

export function toNote(r: UserRecord, pending: boolean): Note {
  const d = r.data!;
  return {
    id: r.id,
    body: d.body as string,
    ranges: (d.ranges as string[] | undefined) ?? [],
    saveToQR: d.saveToQR === true,
    attachedEntities: (d.attachedEntities as NoteAttachedEntity[] | null | undefined) ?? [],
    clientCreatedAt: str(d.clientCreatedAt),
    clientUpdatedAt: str(d.clientUpdatedAt),
    pending,
  };
}

export function toReadingSession(r: UserRecord, pending: boolean): ReadingSession {
  const d = r.data!;
  return {
    id: r.id,
    chapterNumber: d.chapterNumber as number,
    verseNumber: d.verseNumber as number,
    clientCreatedAt: str(d.clientCreatedAt),
    clientUpdatedAt: str(d.clientUpdatedAt),
    pending,
  };
}

/** Newest first by client time (then id), the order QF's lists use. */
export function newestFirst(a: UserRecord, b: UserRecord): number {
  const at = String(a.data?.clientUpdatedAt ?? a.data?.clientCreatedAt ?? '');
  const bt = String(b.data?.clientUpdatedAt ?? b.data?.clientCreatedAt ?? '');
  if (at !== bt) return at < bt ? 1 : -1;
  return a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
}
