import { bookmarkNaturalKey, collectionBookmarkId, collectionSlug, DEFAULT_COLLECTION_ALIAS, naturalKeyOf, type UserResource } from '@quran-sync/protocol';
import type { OutboxEntry, RecordData } from './user-store.js';

/**
 * The local view as a pure function: the server's confirmed state with the pending outbox entries replayed on
 * top, in outbox order, each with the server's own rules (docs/user-client.md, "Convergence").
 *
 * Entries are replayed by what they address on the server, not by the id the device happened to mint:
 * - a bookmark CREATE lands on the bookmark at its location when there is one (the server's natural-key upsert);
 * - a collection CREATE by name returns the live collection of that name;
 * - a link names its collection (`__default__` resolving to the default collection the view holds) and its
 *   bookmark by location: found, or created as the server would;
 * - a link into a collection the view no longer has, or a delete of what is already gone, changes nothing —
 *   exactly what the server does with them.
 * Side effects are the server's too: deleting a collection or unlinking applies the orphan rule and the
 * default-collection flag; deleting a bookmark takes its links; one reading bookmark per user.
 *
 * Because the view is recomputed from (confirmed state, pending entries) instead of patched as acks and pulls
 * arrive, no id remap or stale local record can survive past the point where the server's state is known: with
 * nothing pending, the view IS the confirmed state.
 */
export class ReplayView {
  private readonly byResource = new Map<UserResource, Map<string, RecordData>>();
  private readonly bookmarkAt = new Map<string, string>();
  private readonly collectionNamed = new Map<string, string>();
  private readonly linksByBookmark = new Map<string, Set<string>>();
  private readonly linksByCollection = new Map<string, Set<string>>();
  private defaultCollectionId: string | null = null;

  get(resource: UserResource, id: string): RecordData | null {
    return this.byResource.get(resource)?.get(id) ?? null;
  }

  entries(resource: UserResource): IterableIterator<[string, RecordData]> {
    return (this.byResource.get(resource) ?? new Map<string, RecordData>()).entries();
  }

  put(resource: UserResource, id: string, data: RecordData): void {
    this.delete(resource, id);
    let records = this.byResource.get(resource);
    if (!records) this.byResource.set(resource, (records = new Map()));
    records.set(id, data);
    this.index(resource, id, data, true);
  }

  delete(resource: UserResource, id: string): void {
    const previous = this.get(resource, id);
    if (previous === null) return;
    this.byResource.get(resource)!.delete(id);
    this.index(resource, id, previous, false);
  }

  /** The live bookmark at a location (`bookmarkNaturalKey`), if any. */
  bookmarkAtKey(key: string): string | null {
    return this.bookmarkAt.get(key) ?? null;
  }

  collectionByName(name: string): string | null {
    return this.collectionNamed.get(name) ?? null;
  }

  get defaultCollection(): string | null {
    return this.defaultCollectionId;
  }

  linksOfBookmark(bookmarkId: string): string[] {
    return [...(this.linksByBookmark.get(bookmarkId) ?? [])];
  }

  linksOfCollection(collectionId: string): string[] {
    return [...(this.linksByCollection.get(collectionId) ?? [])];
  }

  private index(resource: UserResource, id: string, data: RecordData, add: boolean): void {
    const set = <K>(map: Map<K, string>, key: K): void => {
      if (add) map.set(key, id);
      else if (map.get(key) === id) map.delete(key);
    };
    const member = (map: Map<string, Set<string>>, key: string): void => {
      let ids = map.get(key);
      if (add) {
        if (!ids) map.set(key, (ids = new Set()));
        ids.add(id);
      } else if (ids) {
        ids.delete(id);
        if (ids.size === 0) map.delete(key);
      }
    };
    switch (resource) {
      case 'BOOKMARK':
        set(this.bookmarkAt, naturalKeyOf('BOOKMARK', data)!);
        break;
      case 'COLLECTION':
        if (typeof data.name === 'string') set(this.collectionNamed, data.name);
        if (data.isDefault === true) {
          if (add) this.defaultCollectionId = id;
          else if (this.defaultCollectionId === id) this.defaultCollectionId = null;
        }
        break;
      case 'COLLECTION_BOOKMARK':
        member(this.linksByBookmark, String(data.bookmarkId));
        member(this.linksByCollection, String(data.collectionId));
        break;
      default:
        break;
    }
  }
}

/** Replays one pending entry onto the view, with the server's rules for it. */
export function replayEntry(view: ReplayView, entry: OutboxEntry): void {
  const data = entry.data;
  switch (entry.resource) {
    case 'BOOKMARK':
      if (entry.type === 'DELETE') deleteBookmark(view, entry.id);
      else if (data) writeBookmark(view, entry.id, data, entry.type === 'CREATE');
      return;
    case 'COLLECTION':
      if (entry.type === 'DELETE') deleteCollection(view, entry.id);
      else if (data) writeCollection(view, entry.id, data, entry.type === 'CREATE' && !entry.sendId);
      return;
    case 'COLLECTION_BOOKMARK':
      if (!data) return;
      if (entry.type === 'DELETE') unlinkByDetails(view, data);
      else link(view, data);
      return;
    case 'NOTE':
    case 'READING_SESSION':
      if (entry.type === 'DELETE') view.delete(entry.resource, entry.id);
      else if (data) {
        if (entry.resource === 'READING_SESSION' && entry.type === 'CREATE' && sessionAt(view, data, entry.id)) return;
        view.put(entry.resource, entry.id, { ...(view.get(entry.resource, entry.id) ?? {}), ...data });
      }
      return;
    case 'PREFERENCE':
      if (entry.type === 'DELETE') view.delete('PREFERENCE', entry.id);
      else if (data) view.put('PREFERENCE', entry.id, { group: entry.id, value: data.value ?? {} });
      return;
  }
}

/** The server returns the live session at a position instead of creating a second one there. */
function sessionAt(view: ReplayView, data: RecordData, exceptId: string): boolean {
  for (const [id, session] of view.entries('READING_SESSION')) {
    if (id !== exceptId && session.chapterNumber === data.chapterNumber && session.verseNumber === data.verseNumber) return true;
  }
  return false;
}

function locationOf(data: RecordData): string {
  return bookmarkNaturalKey(String(data.type), Number(data.key), (data.verseNumber as number | null | undefined) ?? null, Number(data.mushaf ?? data.mushafId));
}

/** CREATE lands on the bookmark at the location (the server's upsert); UPDATE on the id, else likewise. */
function writeBookmark(view: ReplayView, id: string, data: RecordData, create: boolean): void {
  const atLocation = view.bookmarkAtKey(locationOf(data));
  const target = create ? (atLocation ?? id) : view.get('BOOKMARK', id) ? id : (atLocation ?? id);
  const existing = view.get('BOOKMARK', target);
  const isReading = typeof data.isReading === 'boolean' ? data.isReading : existing?.isReading === true;
  if (isReading) clearReading(view, target);
  view.put('BOOKMARK', target, {
    type: data.type,
    bookmarkType: data.type,
    key: data.key,
    verseNumber: (data.verseNumber as number | null | undefined) ?? null,
    mushaf: data.mushaf,
    mushafId: data.mushaf,
    isReading,
    isInDefaultCollection: existing?.isInDefaultCollection === true,
    clientCreatedAt: data.clientCreatedAt ?? existing?.clientCreatedAt ?? null,
    clientUpdatedAt: data.clientUpdatedAt ?? existing?.clientUpdatedAt ?? null,
  });
}

function clearReading(view: ReplayView, keepId: string): void {
  for (const [id, bookmark] of [...view.entries('BOOKMARK')]) {
    if (id !== keepId && bookmark.isReading === true) view.put('BOOKMARK', id, { ...bookmark, isReading: false });
  }
}

function deleteBookmark(view: ReplayView, id: string): void {
  if (!view.get('BOOKMARK', id)) return;
  for (const linkId of view.linksOfBookmark(id)) view.delete('COLLECTION_BOOKMARK', linkId);
  view.delete('BOOKMARK', id);
}

/** By name (no id sent): the live collection of that name wins; by id: an upsert. */
function writeCollection(view: ReplayView, id: string, data: RecordData, byName: boolean): void {
  const name = String(data.name);
  if (byName && view.collectionByName(name) !== null) return;
  const existing = view.get('COLLECTION', id);
  if (existing?.isDefault === true) return;
  view.put('COLLECTION', id, {
    name,
    slug: collectionSlug(name),
    isPrivate: typeof data.isPrivate === 'boolean' ? data.isPrivate : existing?.isPrivate === true,
    isDefault: false,
    isSystem: false,
    clientCreatedAt: data.clientCreatedAt ?? existing?.clientCreatedAt ?? null,
    clientUpdatedAt: data.clientUpdatedAt ?? existing?.clientUpdatedAt ?? null,
  });
}

function deleteCollection(view: ReplayView, id: string): void {
  const collection = view.get('COLLECTION', id);
  if (!collection || collection.isDefault === true) return;
  for (const linkId of view.linksOfCollection(id)) unlink(view, linkId);
  view.delete('COLLECTION', id);
}

/** `__default__` is the default collection the view holds, or stays the alias while the device knows none. */
function resolveCollection(view: ReplayView, id: string): { id: string; isDefault: boolean } | null {
  if (id === DEFAULT_COLLECTION_ALIAS) return { id: view.defaultCollection ?? DEFAULT_COLLECTION_ALIAS, isDefault: true };
  const collection = view.get('COLLECTION', id);
  return collection ? { id, isDefault: collection.isDefault === true } : null;
}

/** A link CREATE by collection + bookmark details: the bookmark at the location is found or created. */
function link(view: ReplayView, data: RecordData): void {
  const collection = resolveCollection(view, String(data.collectionId));
  if (!collection) return; // deleted meanwhile: the server acknowledges the CREATE without effect
  let bookmarkId = view.bookmarkAtKey(locationOf(data));
  if (bookmarkId === null) {
    bookmarkId = String(data.bookmarkId);
    writeBookmark(
      view,
      bookmarkId,
      {
        type: data.type,
        key: data.key,
        verseNumber: data.verseNumber ?? null,
        mushaf: data.mushaf,
        isReading: false,
        clientCreatedAt: data.clientCreatedAt ?? null,
        clientUpdatedAt: data.clientUpdatedAt ?? null,
      },
      true,
    );
  }
  const id = collectionBookmarkId(collection.id, bookmarkId);
  if (!view.get('COLLECTION_BOOKMARK', id)) {
    const bookmark = view.get('BOOKMARK', bookmarkId)!;
    view.put('COLLECTION_BOOKMARK', id, {
      collectionId: collection.id,
      bookmarkId,
      type: bookmark.type,
      key: bookmark.key,
      verseNumber: bookmark.verseNumber ?? null,
      clientCreatedAt: data.clientCreatedAt ?? null,
      clientUpdatedAt: data.clientUpdatedAt ?? null,
    });
  }
  if (collection.isDefault) view.put('BOOKMARK', bookmarkId, { ...view.get('BOOKMARK', bookmarkId)!, isInDefaultCollection: true });
}

/** A link DELETE by collection + bookmark details; nothing to do when either is gone (a no-op on the server). */
function unlinkByDetails(view: ReplayView, data: RecordData): void {
  const collection = resolveCollection(view, String(data.collectionId));
  const bookmarkId = view.bookmarkAtKey(locationOf(data));
  if (!collection || bookmarkId === null) return;
  const id = collectionBookmarkId(collection.id, bookmarkId);
  if (view.get('COLLECTION_BOOKMARK', id)) unlink(view, id);
}

/** Removes a live link, then the orphan rule and the default-collection flag, as the server does. */
function unlink(view: ReplayView, linkId: string): void {
  const link = view.get('COLLECTION_BOOKMARK', linkId)!;
  view.delete('COLLECTION_BOOKMARK', linkId);
  const bookmarkId = String(link.bookmarkId);
  const bookmark = view.get('BOOKMARK', bookmarkId);
  if (!bookmark) return;
  const collectionId = String(link.collectionId);
  const wasDefault = collectionId === DEFAULT_COLLECTION_ALIAS || view.get('COLLECTION', collectionId)?.isDefault === true;
  if (view.linksOfBookmark(bookmarkId).length === 0 && bookmark.isReading !== true) view.delete('BOOKMARK', bookmarkId);
  else if (wasDefault) view.put('BOOKMARK', bookmarkId, { ...bookmark, isInDefaultCollection: false });
}
