import {
  collectionBookmarkId,
  collectionSlug,
  DEFAULT_COLLECTION_ALIAS,
  newResourceId,
  normaliseCollectionName,
  parseCollectionBookmarkId,
} from '@quran-sync/protocol';
import { addBookmark, findBookmark } from './bookmarks-api.js';
import { localWrite, pendingKeys, UserInputError, UserRecordNotFoundError, type LocalUnit } from './local-unit.js';
import { linkPayload } from './outbox.js';
import type { UserSyncCore } from './user-sync-core.js';
import { newestFirst, toBookmark, toCollection, type Bookmark, type BookmarkLocationInput, type Collection } from './user-data-types.js';
import type { RecordData, UserRecord } from './user-store.js';
import { wireData } from './wire-data.js';

/**
 * `client.collections`: create, rename, delete, add and remove bookmarks, list. Mirrors the server's rules
 * locally (user-sync.md, "Resource rules"): creating a name that exists returns that collection; the default
 * collection (`__default__`, created by the server with the user's first write) cannot be renamed or
 * deleted; deleting a collection takes its links; a bookmark that loses its last collection and is not the
 * reading bookmark goes too (orphan rule). Only the app's own actions are queued; the server applies the side
 * effects itself.
 *
 * A collection is pushed by name (no `resourceId`), so two devices creating "Study" offline end with one
 * collection: the server answers the second CREATE with the first, and the ack moves the device's records onto
 * that id. Links are pushed by collection id plus the bookmark's details, which the server finds or creates.
 */
export class CollectionsApi {
  constructor(
    private readonly core: UserSyncCore,
    private readonly onWrite: () => void,
  ) {}

  create(name: string, options: { readonly isPrivate?: boolean } = {}): Promise<Collection> {
    return localWrite(
      this.core,
      async (unit) => {
        const normalised = normaliseCollectionName(name);
        if (normalised === null) throw new UserInputError('Invalid name');
        if (options.isPrivate !== undefined && typeof options.isPrivate !== 'boolean') throw new UserInputError('Invalid isPrivate');
        const existing = (await unit.tx.findRecords('COLLECTION', normalised))[0];
        if (existing) return this.view(unit, existing);
        const id = newResourceId();
        const data: RecordData = {
          name: normalised,
          slug: collectionSlug(normalised),
          isPrivate: options.isPrivate ?? false,
          isDefault: false,
          isSystem: false,
          clientCreatedAt: unit.nowIso,
          clientUpdatedAt: unit.nowIso,
        };
        const record = await unit.put('COLLECTION', id, data);
        await unit.enqueue({ type: 'CREATE', resource: 'COLLECTION', id, sendId: false, data: wireData('COLLECTION', data) });
        return this.view(unit, record);
      },
      this.onWrite,
    );
  }

  rename(id: string, name: string): Promise<Collection> {
    return localWrite(
      this.core,
      async (unit) => {
        const record = await requireCollection(unit, id);
        const normalised = normaliseCollectionName(name);
        if (normalised === null) throw new UserInputError('Invalid name');
        if (record.data!.isDefault === true) throw new UserInputError('The default collection cannot be renamed');
        if (record.data!.name === normalised) return this.view(unit, record);
        const data = { ...record.data!, name: normalised, slug: collectionSlug(normalised), clientUpdatedAt: unit.nowIso };
        const next = await unit.put('COLLECTION', record.id, data);
        await unit.enqueue({ type: 'UPDATE', resource: 'COLLECTION', id: record.id, sendId: true, data: wireData('COLLECTION', data) });
        return this.view(unit, next);
      },
      this.onWrite,
    );
  }

  /** Deletes a collection and its links (bookmarks left in no collection go too); false when there is none. */
  delete(id: string): Promise<boolean> {
    return localWrite(
      this.core,
      async (unit) => {
        const record = await resolveCollection(unit, id);
        if (!record) return false;
        if (record.data!.isDefault === true) throw new UserInputError('The default collection cannot be deleted');
        for (const link of await linksOf(unit, { collectionId: record.id })) await unlink(unit, link);
        unit.markDeleted(record);
        await unit.enqueue({ type: 'DELETE', resource: 'COLLECTION', id: record.id, sendId: true, data: null });
        return true;
      },
      this.onWrite,
    );
  }

  /**
   * Puts a bookmark (by id, or by location: found or created) into a collection (by id, or `__default__`).
   * Returns the bookmark.
   */
  addBookmark(collectionId: string, target: string | BookmarkLocationInput): Promise<Bookmark> {
    return localWrite(
      this.core,
      async (unit) => {
        const collection = await collectionRef(unit, collectionId);
        let bookmark = await findBookmark(unit, target);
        if (!bookmark) {
          if (typeof target === 'string') throw new UserRecordNotFoundError('BOOKMARK', target);
          bookmark = await addBookmark(unit, target);
        }
        const id = collectionBookmarkId(collection.id, bookmark.id);
        if (!(await unit.live('COLLECTION_BOOKMARK', id))) {
          const times = { clientCreatedAt: unit.nowIso, clientUpdatedAt: unit.nowIso };
          const payload = linkPayload(collection.id, { id: bookmark.id, data: bookmark.data! }, times);
          await unit.put('COLLECTION_BOOKMARK', id, {
            collectionId: collection.id,
            bookmarkId: bookmark.id,
            type: bookmark.data!.type,
            key: bookmark.data!.key,
            verseNumber: bookmark.data!.verseNumber ?? null,
            ...times,
          });
          await unit.enqueue({ type: 'CREATE', resource: 'COLLECTION_BOOKMARK', id, sendId: false, data: payload });
          if (collection.isDefault) bookmark = await unit.put('BOOKMARK', bookmark.id, { ...bookmark.data!, isInDefaultCollection: true });
        }
        return toBookmark(bookmark, await unit.isPending('BOOKMARK', bookmark.id));
      },
      this.onWrite,
    );
  }

  /** Takes a bookmark out of a collection (orphan rule applies); false when it was not in it. */
  removeBookmark(collectionId: string, target: string | BookmarkLocationInput): Promise<boolean> {
    return localWrite(
      this.core,
      async (unit) => {
        const collection = await collectionRef(unit, collectionId);
        const bookmark = await findBookmark(unit, target);
        if (!bookmark) return false;
        const link = await unit.live('COLLECTION_BOOKMARK', collectionBookmarkId(collection.id, bookmark.id));
        if (!link) return false;
        await unlink(unit, link);
        await unit.enqueue({
          type: 'DELETE',
          resource: 'COLLECTION_BOOKMARK',
          id: link.id,
          sendId: false,
          data: linkPayload(collection.id, { id: bookmark.id, data: bookmark.data! }, { clientCreatedAt: null, clientUpdatedAt: unit.nowIso }),
        });
        return true;
      },
      this.onWrite,
    );
  }

  get(id: string): Promise<Collection | null> {
    return this.core.unit('local', async (tx) => {
      const record = await tx.getRecord('COLLECTION', id);
      if (!record?.data) return null;
      const count = (await tx.listRecords('COLLECTION_BOOKMARK')).filter((l) => parseCollectionBookmarkId(l.id)?.collectionId === id).length;
      return toCollection(record, count, (await tx.outboxFor('COLLECTION', id)).length > 0);
    });
  }

  /** Collections on this device, the default one first, then newest first. */
  list(): Promise<Collection[]> {
    return this.core.unit('local', async (tx) => {
      const pending = await pendingKeys(tx);
      const counts = new Map<string, number>();
      for (const link of await tx.listRecords('COLLECTION_BOOKMARK')) {
        const c = parseCollectionBookmarkId(link.id)?.collectionId;
        if (c) counts.set(c, (counts.get(c) ?? 0) + 1);
      }
      const records = await tx.listRecords('COLLECTION');
      const defaultId = records.find((r) => r.data!.isDefault === true)?.id;
      return records
        .sort((a, b) => (a.data!.isDefault === true ? -1 : b.data!.isDefault === true ? 1 : newestFirst(a, b)))
        .map((r) =>
          toCollection(
            r,
            (counts.get(r.id) ?? 0) + (r.id === defaultId ? (counts.get(DEFAULT_COLLECTION_ALIAS) ?? 0) : 0),
            pending.has(`COLLECTION\u0000${r.id}`),
          ),
        );
    });
  }

  /** Bookmarks in a collection (by id or `__default__`), newest first. */
  bookmarks(collectionId: string): Promise<Bookmark[]> {
    return this.core.unit('local', async (tx) => {
      const defaults = collectionId === DEFAULT_COLLECTION_ALIAS ? await defaultCollection(tx) : null;
      const ids = new Set([
        collectionId,
        ...(defaults ? [defaults.id, DEFAULT_COLLECTION_ALIAS] : []),
        ...(collectionId !== DEFAULT_COLLECTION_ALIAS && (await tx.getRecord('COLLECTION', collectionId))?.data?.isDefault === true
          ? [DEFAULT_COLLECTION_ALIAS]
          : []),
      ]);
      const pending = await pendingKeys(tx);
      const out: UserRecord[] = [];
      for (const link of await tx.listRecords('COLLECTION_BOOKMARK')) {
        const ends = parseCollectionBookmarkId(link.id);
        if (!ends || !ids.has(ends.collectionId)) continue;
        const bookmark = await tx.getRecord('BOOKMARK', ends.bookmarkId);
        if (bookmark?.data) out.push(bookmark);
      }
      return out.sort(newestFirst).map((r) => toBookmark(r, pending.has(`BOOKMARK\u0000${r.id}`)));
    });
  }

  private async view(unit: LocalUnit, record: UserRecord): Promise<Collection> {
    const count = (await linksOf(unit, { collectionId: record.id })).length;
    return toCollection(record, count, await unit.isPending('COLLECTION', record.id));
  }
}

async function defaultCollection(tx: LocalUnit['tx']): Promise<UserRecord | null> {
  return (await tx.listRecords('COLLECTION')).find((r) => r.data!.isDefault === true) ?? null;
}

async function resolveCollection(unit: LocalUnit, id: string): Promise<UserRecord | null> {
  if (id === DEFAULT_COLLECTION_ALIAS) return defaultCollection(unit.tx);
  return unit.live('COLLECTION', id);
}

async function requireCollection(unit: LocalUnit, id: string): Promise<UserRecord> {
  const record = await resolveCollection(unit, id);
  if (!record) throw new UserRecordNotFoundError('COLLECTION', id);
  return record;
}

/**
 * The collection a link names: a live one, or `__default__` while the device does not know its default
 * collection yet (the server creates it with the user's first write; a pull then moves such links onto it).
 */
async function collectionRef(unit: LocalUnit, id: string): Promise<{ id: string; isDefault: boolean }> {
  if (id === DEFAULT_COLLECTION_ALIAS) {
    const known = await defaultCollection(unit.tx);
    return known ? { id: known.id, isDefault: true } : { id: DEFAULT_COLLECTION_ALIAS, isDefault: true };
  }
  const record = await requireCollection(unit, id);
  return { id: record.id, isDefault: record.data!.isDefault === true };
}

async function linksOf(unit: LocalUnit, end: { collectionId?: string; bookmarkId?: string }): Promise<UserRecord[]> {
  return (await unit.tx.listRecords('COLLECTION_BOOKMARK')).filter((l) => {
    const ends = parseCollectionBookmarkId(l.id);
    return (
      ends !== null &&
      (end.collectionId === undefined || ends.collectionId === end.collectionId) &&
      (end.bookmarkId === undefined || ends.bookmarkId === end.bookmarkId)
    );
  });
}

/** Removes a link locally, with the flags and the orphan rule the server applies after it. */
async function unlink(unit: LocalUnit, link: UserRecord): Promise<void> {
  unit.markDeleted(link);
  const ends = parseCollectionBookmarkId(link.id)!;
  const bookmark = await unit.live('BOOKMARK', ends.bookmarkId);
  if (!bookmark) return;
  const collection = ends.collectionId === DEFAULT_COLLECTION_ALIAS ? null : await unit.tx.getRecord('COLLECTION', ends.collectionId);
  let data: RecordData = bookmark.data!;
  if (ends.collectionId === DEFAULT_COLLECTION_ALIAS || collection?.data?.isDefault === true) data = { ...data, isInDefaultCollection: false };
  const remaining = await linksOf(unit, { bookmarkId: bookmark.id });
  if (remaining.length === 0 && data.isReading !== true) unit.markDeleted(bookmark);
  else if (data !== bookmark.data) await unit.put('BOOKMARK', bookmark.id, data);
}
