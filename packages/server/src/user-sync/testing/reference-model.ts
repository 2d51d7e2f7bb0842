/**
 * An in-memory reference model of the user-sync semantics (user-sync.md plus docs/user-sync.md decisions),
 * for a subset of resources: ayah bookmarks of one surah in one mushaf, collections, links, notes and the
 * `theme` preference. It counts mutations (a sequence number per applied mutation, side effects included)
 * instead of timestamps; the property test maps observed heads onto these counts.
 */
export type Kind = 'BOOKMARK' | 'COLLECTION' | 'COLLECTION_BOOKMARK' | 'NOTE' | 'PREFERENCE';

interface Tracked {
  deleted: boolean;
  createdSeq: number;
  lastSeq: number;
}
export interface MBookmark extends Tracked {
  id: string;
  verse: number;
  isReading: boolean;
}
export interface MCollection extends Tracked {
  id: string;
  name: string;
  isDefault: boolean;
}
export interface MLink extends Tracked {
  cid: string;
  bid: string;
  addedSeq: number;
}
export interface MNote extends Tracked {
  id: string;
  body: string;
}
export interface MPreference extends Tracked {
  group: string;
  value: Record<string, unknown>;
}

/** Why the server refuses a mutation: an unknown id (422 on pushes, 404 on direct writes) or a rule. */
export class ModelRefusal extends Error {
  constructor(readonly reason: 'unknown' | 'duplicate') {
    super(reason);
  }
}

export const DEFAULT = '@default';

export class ReferenceModel {
  seq = 0;
  bookmarks = new Map<string, MBookmark>();
  collections = new Map<string, MCollection>();
  links = new Map<string, MLink>();
  notes = new Map<string, MNote>();
  preferences = new Map<string, MPreference>();
  private placeholders = 0;

  clone(): ReferenceModel {
    const copy = new ReferenceModel();
    copy.seq = this.seq;
    copy.placeholders = this.placeholders;
    for (const [field, map] of [
      ['bookmarks', this.bookmarks],
      ['collections', this.collections],
      ['links', this.links],
      ['notes', this.notes],
      ['preferences', this.preferences],
    ] as const) {
      (copy[field] as Map<string, unknown>) = new Map([...(map as Map<string, object>)].map(([k, v]) => [k, structuredClone(v)]));
    }
    return copy;
  }

  newId(): string {
    return `new:${++this.placeholders}`;
  }

  /** Replaces a placeholder id with the id the server gave the resource. */
  resolve(placeholder: string, id: string): void {
    for (const map of [this.bookmarks, this.collections, this.notes] as Map<string, { id: string }>[]) {
      const item = map.get(placeholder);
      if (item) {
        map.delete(placeholder);
        item.id = id;
        map.set(id, item);
      }
    }
    for (const [key, link] of [...this.links]) {
      if (link.cid !== placeholder && link.bid !== placeholder) continue;
      this.links.delete(key);
      if (link.cid === placeholder) link.cid = id;
      if (link.bid === placeholder) link.bid = id;
      this.links.set(`${link.cid}-${link.bid}`, link);
    }
  }

  private record(item: Tracked, kind: 'create' | 'update' | 'delete'): void {
    this.ensureDefault();
    this.seq++;
    item.lastSeq = this.seq;
    if (kind === 'create') item.createdSeq = this.seq;
    item.deleted = kind === 'delete';
  }

  private fresh(): Tracked {
    return { deleted: false, createdSeq: 0, lastSeq: 0 };
  }

  /** The default collection comes with the user's first mutation (or first use of `__default__`), never with a no-op. */
  private ensureDefault(): void {
    if (this.collections.has(DEFAULT)) return;
    const favorites: MCollection = { id: DEFAULT, name: 'Favorites', isDefault: true, ...this.fresh() };
    this.collections.set(DEFAULT, favorites);
    this.record(favorites, 'create');
  }

  private liveAt(verse: number): MBookmark | undefined {
    return [...this.bookmarks.values()].find((b) => !b.deleted && b.verse === verse);
  }

  private clearReading(exceptId: string): void {
    const previous = [...this.bookmarks.values()].find((b) => !b.deleted && b.isReading && b.id !== exceptId);
    if (!previous) return;
    previous.isReading = false;
    this.record(previous, 'update');
  }

  /** BOOKMARK CREATE by location (and `POST /bookmarks`); returns the placeholder of a new bookmark. */
  createBookmark(verse: number, isReading: boolean | undefined): { created: string | null; id: string } {
    const existing = this.liveAt(verse);
    if (!existing) {
      const id = this.newId();
      if (isReading === true) this.clearReading(id);
      const bookmark: MBookmark = { id, verse, isReading: isReading === true, ...this.fresh() };
      this.bookmarks.set(id, bookmark);
      this.record(bookmark, 'create');
      return { created: id, id };
    }
    this.writeBookmark(existing, isReading);
    return { created: null, id: existing.id };
  }

  /** BOOKMARK UPDATE of a known id: revives a deleted one, or lands on the live bookmark that took its place. */
  updateBookmark(id: string, isReading: boolean): void {
    const bookmark = this.bookmarks.get(id)!;
    this.writeBookmark((bookmark.deleted ? this.liveAt(bookmark.verse) : undefined) ?? bookmark, isReading);
  }

  private writeBookmark(existing: MBookmark, isReading: boolean | undefined): void {
    const revived = existing.deleted;
    const nextReading = isReading ?? (revived ? false : existing.isReading);
    if (!revived && nextReading === existing.isReading) return;
    if (revived) {
      const occupant = this.liveAt(existing.verse);
      if (occupant && occupant.id !== existing.id) throw new ModelRefusal('duplicate');
    }
    if (nextReading && !existing.isReading) this.clearReading(existing.id);
    existing.isReading = nextReading;
    this.record(existing, revived ? 'create' : 'update');
  }

  deleteBookmark(id: string): void {
    const bookmark = this.bookmarks.get(id);
    if (!bookmark) throw new ModelRefusal('unknown');
    if (bookmark.deleted) return;
    const links = [...this.links.values()].filter((l) => l.bid === id && !l.deleted).sort((a, b) => a.addedSeq - b.addedSeq || cmp(a.cid, b.cid));
    for (const link of links) this.record(link, 'delete');
    bookmark.isReading = false;
    this.record(bookmark, 'delete');
  }

  createCollection(name: string): { created: string | null; id: string } {
    const byName = [...this.collections.values()]
      .filter((c) => !c.deleted && c.name === name)
      .sort((a, b) => a.createdSeq - b.createdSeq || cmp(a.id, b.id))[0];
    if (byName) return { created: null, id: byName.id };
    const id = this.newId();
    const collection: MCollection = { id, name, isDefault: false, ...this.fresh() };
    this.collections.set(id, collection);
    this.record(collection, 'create');
    return { created: id, id };
  }

  renameCollection(id: string, name: string, direct: boolean): void {
    const collection = this.collections.get(id)!;
    if (direct && collection.deleted) throw new ModelRefusal('unknown');
    const revived = collection.deleted;
    if (!revived && collection.name === name) return;
    collection.name = name;
    this.record(collection, revived ? 'create' : 'update');
  }

  deleteCollection(id: string): void {
    const collection = this.collections.get(id)!;
    if (collection.deleted) return;
    const links = [...this.links.values()].filter((l) => l.cid === id && !l.deleted).sort((a, b) => a.addedSeq - b.addedSeq || cmp(a.bid, b.bid));
    for (const link of links) this.unlinkRow(link);
    this.record(collection, 'delete');
  }

  /**
   * COLLECTION_BOOKMARK CREATE by details: the bookmark is found or created. Into a deleted collection: a
   * no-op on pushes (the deletion wins; no bookmark is created), 404 on direct writes.
   */
  link(cid: string, verse: number, direct: boolean): { createdBookmark: string | null } {
    if (cid === DEFAULT) this.ensureDefault();
    const collection = this.collections.get(cid);
    if (!collection || (collection.deleted && direct)) throw new ModelRefusal('unknown');
    if (collection.deleted) return { createdBookmark: null };
    let createdBookmark: string | null = null;
    let bookmark = this.liveAt(verse);
    if (!bookmark) {
      createdBookmark = this.createBookmark(verse, undefined).created;
      bookmark = this.bookmarks.get(createdBookmark!)!;
    }
    const key = `${cid}-${bookmark.id}`;
    const existing = this.links.get(key);
    if (existing && !existing.deleted) return { createdBookmark };
    const link: MLink = existing ?? { cid, bid: bookmark.id, addedSeq: 0, ...this.fresh() };
    this.links.set(key, link);
    this.record(link, 'create');
    link.addedSeq = this.seq;
    if (collection.isDefault) this.record(bookmark, 'update');
    return { createdBookmark };
  }

  /** COLLECTION_BOOKMARK DELETE of a link named by its collection and bookmark ids. */
  unlink(cid: string, bid: string): void {
    const link = this.links.get(`${cid}-${bid}`);
    if (!link) throw new ModelRefusal('unknown');
    if (link.deleted) return;
    this.unlinkRow(link);
  }

  private unlinkRow(link: MLink): void {
    this.record(link, 'delete');
    const bookmark = this.bookmarks.get(link.bid)!;
    if (bookmark.deleted) return;
    const remaining = [...this.links.values()].some((l) => l.bid === bookmark.id && !l.deleted);
    if (!remaining && !bookmark.isReading) {
      this.deleteBookmark(bookmark.id);
      return;
    }
    if (link.cid === DEFAULT) this.record(bookmark, 'update');
  }

  createNote(body: string): string {
    const id = this.newId();
    const note: MNote = { id, body, ...this.fresh() };
    this.notes.set(id, note);
    this.record(note, 'create');
    return id;
  }

  updateNote(id: string, body: string, direct: boolean): void {
    const note = this.notes.get(id)!;
    if (direct && note.deleted) throw new ModelRefusal('unknown');
    const revived = note.deleted;
    if (!revived && note.body === body) return;
    note.body = body;
    this.record(note, revived ? 'create' : 'update');
  }

  deleteNote(id: string): void {
    const note = this.notes.get(id)!;
    if (note.deleted) return;
    this.record(note, 'delete');
  }

  setTheme(type: string): void {
    const current = this.preferences.get('theme');
    if (current && !current.deleted && current.value.type === type) return;
    const preference = current ?? { group: 'theme', value: {}, ...this.fresh() };
    const live = current !== undefined && !current.deleted;
    preference.value = { type };
    this.preferences.set('theme', preference);
    this.record(preference, live ? 'update' : 'create');
  }

  deleteTheme(): void {
    const current = this.preferences.get('theme');
    if (!current || current.deleted) return;
    this.record(current, 'delete');
  }

  /** Every resource the model knows (tombstones included), with its sync identity and pulled data. */
  entries(): Array<{ resource: Kind; identity: string; item: Tracked; data: Record<string, unknown> }> {
    const inDefault = (bid: string): boolean => this.links.get(`${DEFAULT}-${bid}`)?.deleted === false;
    return [
      ...[...this.bookmarks.values()].map((b) => ({
        resource: 'BOOKMARK' as const,
        identity: b.id,
        item: b,
        data: { verseNumber: b.verse, isReading: b.isReading, isInDefaultCollection: !b.deleted && inDefault(b.id) },
      })),
      ...[...this.collections.values()].map((c) => ({
        resource: 'COLLECTION' as const,
        identity: c.id,
        item: c,
        data: { name: c.name, isDefault: c.isDefault },
      })),
      ...[...this.links.values()].map((l) => ({ resource: 'COLLECTION_BOOKMARK' as const, identity: `${l.cid}-${l.bid}`, item: l, data: {} })),
      ...[...this.notes.values()].map((n) => ({ resource: 'NOTE' as const, identity: n.id, item: n, data: { body: n.body } })),
      ...[...this.preferences.values()].map((p) => ({ resource: 'PREFERENCE' as const, identity: p.group, item: p, data: { value: p.value } })),
    ];
  }
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
