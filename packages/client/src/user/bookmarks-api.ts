import { bookmarkNaturalKey, type BookmarkType, DEFAULT_MUSHAF_ID, newResourceId, parseCollectionBookmarkId, readBookmarkInput } from '@quran-sync/protocol';
import { inputError, localWrite, pendingKeys, UserRecordNotFoundError, type LocalUnit } from './local-unit.js';
import type { UserSyncCore } from './user-sync-core.js';
import { newestFirst, toBookmark, type Bookmark, type BookmarkLocationInput } from './user-data-types.js';
import type { RecordData, UserRecord } from './user-store.js';
import { wireData } from './wire-data.js';

/**
 * `client.bookmarks`: add, remove, mark the reading bookmark, list. Works offline; mirrors the server's rules so
 * the app sees what the server will hold: one bookmark per location (adding an existing one returns it), one
 * reading bookmark (setting it clears the previous one), deleting a bookmark takes its links along. The mirrored
 * side effects are not queued (the server applies them itself); the sync's settle step replaces them by what
 * the server really did.
 */
export class BookmarksApi {
  constructor(
    private readonly core: UserSyncCore,
    private readonly onWrite: () => void,
  ) {}

  /** Adds a bookmark (or returns the one at that location, with `isReading` applied when given). */
  add(location: BookmarkLocationInput & { readonly isReading?: boolean }): Promise<Bookmark> {
    return localWrite(
      this.core,
      async (unit) => {
        const record = await addBookmark(unit, location);
        return toBookmark(record, await unit.isPending('BOOKMARK', record.id));
      },
      this.onWrite,
    );
  }

  /** Removes a bookmark by id or location; false when there is none. */
  remove(target: string | BookmarkLocationInput): Promise<boolean> {
    return localWrite(
      this.core,
      async (unit) => {
        const record = await findBookmark(unit, target);
        if (!record) return false;
        for (const link of await unit.tx.listRecords('COLLECTION_BOOKMARK')) {
          if (parseCollectionBookmarkId(link.id)?.bookmarkId === record.id) unit.markDeleted(link);
        }
        unit.markDeleted(record);
        await unit.enqueue({ type: 'DELETE', resource: 'BOOKMARK', id: record.id, sendId: true, data: null });
        return true;
      },
      this.onWrite,
    );
  }

  /** Makes the bookmark the reading bookmark (or clears the flag); a location without a bookmark gets one. */
  setReading(target: string | BookmarkLocationInput, isReading = true): Promise<Bookmark> {
    return localWrite(
      this.core,
      async (unit) => {
        const record = await findBookmark(unit, target);
        if (!record) {
          if (typeof target === 'string') throw new UserRecordNotFoundError('BOOKMARK', target);
          const added = await addBookmark(unit, { ...target, isReading });
          return toBookmark(added, await unit.isPending('BOOKMARK', added.id));
        }
        const updated = await setReadingFlag(unit, record, isReading);
        return toBookmark(updated, await unit.isPending('BOOKMARK', updated.id));
      },
      this.onWrite,
    );
  }

  get(id: string): Promise<Bookmark | null> {
    return this.core.unit('local', async (tx) => {
      const record = await tx.getRecord('BOOKMARK', id);
      return record?.data ? toBookmark(record, (await tx.outboxFor('BOOKMARK', id)).length > 0) : null;
    });
  }

  find(location: BookmarkLocationInput): Promise<Bookmark | null> {
    return this.core.unit('local', async (tx) => {
      const key = locationKey(location);
      const record = (await tx.findRecords('BOOKMARK', key))[0];
      return record ? toBookmark(record, (await tx.outboxFor('BOOKMARK', record.id)).length > 0) : null;
    });
  }

  /** The reading bookmark, if any. */
  async reading(): Promise<Bookmark | null> {
    return (await this.list({ isReading: true }))[0] ?? null;
  }

  /** Bookmarks on this device, newest first. */
  list(filter: { readonly type?: BookmarkType; readonly mushaf?: number; readonly isReading?: boolean } = {}): Promise<Bookmark[]> {
    return this.core.unit('local', async (tx) => {
      const pending = await pendingKeys(tx);
      return (await tx.listRecords('BOOKMARK'))
        .filter(
          (r) =>
            (filter.type === undefined || r.data!.type === filter.type) &&
            (filter.mushaf === undefined || r.data!.mushaf === filter.mushaf) &&
            (filter.isReading === undefined || (r.data!.isReading === true) === filter.isReading),
        )
        .sort(newestFirst)
        .map((r) => toBookmark(r, pending.has(`BOOKMARK\u0000${r.id}`)));
    });
  }
}

/** Validates a location: the same rules as the server (real surah/ayah/juz/page numbers, known mushaf). */
export function validLocation(
  location: BookmarkLocationInput,
  isReading?: boolean,
): { type: BookmarkType; key: number; verseNumber: number | null; mushaf: number; isReading: boolean | undefined } {
  const input = readBookmarkInput(
    {
      type: location.type,
      key: location.key,
      verseNumber: location.verseNumber ?? null,
      mushaf: location.mushaf ?? DEFAULT_MUSHAF_ID,
      ...(isReading !== undefined ? { isReading } : {}),
    },
    true,
  );
  if (!input.ok) throw inputError(input);
  const { type, key, verseNumber } = input.value.location!;
  return { type, key, verseNumber, mushaf: input.value.mushaf ?? DEFAULT_MUSHAF_ID, isReading: input.value.isReading };
}

function locationKey(location: BookmarkLocationInput): string {
  const l = validLocation(location);
  return bookmarkNaturalKey(l.type, l.key, l.verseNumber, l.mushaf);
}

export async function findBookmark(unit: LocalUnit, target: string | BookmarkLocationInput): Promise<UserRecord | null> {
  if (typeof target === 'string') return unit.live('BOOKMARK', target);
  return (await unit.tx.findRecords('BOOKMARK', locationKey(target)))[0] ?? null;
}

/** The bookmark at a location: the existing one, or a new one (queued as a CREATE under a device-minted id). */
export async function addBookmark(unit: LocalUnit, location: BookmarkLocationInput & { readonly isReading?: boolean }): Promise<UserRecord> {
  const l = validLocation(location, location.isReading);
  const existing = (await unit.tx.findRecords('BOOKMARK', bookmarkNaturalKey(l.type, l.key, l.verseNumber, l.mushaf)))[0];
  if (existing) return l.isReading === undefined ? existing : setReadingFlag(unit, existing, l.isReading);
  const id = newResourceId();
  const data: RecordData = {
    type: l.type,
    bookmarkType: l.type,
    key: l.key,
    verseNumber: l.verseNumber,
    mushaf: l.mushaf,
    mushafId: l.mushaf,
    isReading: l.isReading === true,
    isInDefaultCollection: false,
    clientCreatedAt: unit.nowIso,
    clientUpdatedAt: unit.nowIso,
  };
  if (l.isReading) await clearOtherReading(unit, id);
  const record = await unit.put('BOOKMARK', id, data);
  await unit.enqueue({ type: 'CREATE', resource: 'BOOKMARK', id, sendId: true, data: wireData('BOOKMARK', data) });
  return record;
}

async function setReadingFlag(unit: LocalUnit, record: UserRecord, isReading: boolean): Promise<UserRecord> {
  if ((record.data!.isReading === true) === isReading) return record;
  if (isReading) await clearOtherReading(unit, record.id);
  const data = { ...record.data!, isReading, clientUpdatedAt: unit.nowIso };
  const next = await unit.put('BOOKMARK', record.id, data);
  await unit.enqueue({ type: 'UPDATE', resource: 'BOOKMARK', id: record.id, sendId: true, data: wireData('BOOKMARK', data) });
  return next;
}

/** One reading bookmark per user: the server clears the previous one itself; the device mirrors it. */
async function clearOtherReading(unit: LocalUnit, keepId: string): Promise<void> {
  for (const other of await unit.tx.listRecords('BOOKMARK')) {
    if (other.id !== keepId && other.data!.isReading === true) await unit.put('BOOKMARK', other.id, { ...other.data!, isReading: false });
  }
}
