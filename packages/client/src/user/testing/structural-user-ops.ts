import fc from 'fast-check';
import { DEFAULT_COLLECTION_ALIAS } from '@quran-sync/protocol';
import { UserInputError, UserRecordNotFoundError } from '../local-unit.js';
import type { BookmarkLocationInput } from '../user-data-types.js';
import { applyUserOp, targetValue, userOpArb, WriteLog, type UserOp } from './random-user-ops.js';
import type { Device, StateMap } from './user-sync-harness.js';

/**
 * Random user activity weighted towards the structural edits where devices collide: bookmarks deleted and made
 * again at the same place (a new id), collections created, renamed and deleted while they hold links, links
 * made by location and by bookmark id into named collections and `__default__`, links removed (the last one
 * leaves the bookmark to the server's orphan rule), the reading bookmark set and cleared. Notes, reading
 * sessions and preferences come along at a lower weight (`random-user-ops.ts`).
 *
 * Locations and collection names are few, so every device keeps touching what the others touch. Every op is
 * one a well-behaved app could make: it goes through the device's public local API and only names what that
 * device shows (an op with nothing to act on is a no-op), so nothing it queues may end in the quarantine.
 */
export const STRUCTURAL_LOCATIONS: readonly BookmarkLocationInput[] = [
  { type: 'surah', key: 36 },
  { type: 'ayah', key: 2, verseNumber: 255 },
  { type: 'page', key: 604 },
  { type: 'juz', key: 30 },
  { type: 'ayah', key: 1, verseNumber: 1 },
  { type: 'ayah', key: 18, verseNumber: 10 },
];
export const STRUCTURAL_NAMES = ['Study', 'Later', 'Memorise'] as const;

/** A collection by index into `STRUCTURAL_NAMES`, or the default collection. */
export type CollectionRef = number | 'default';

export type StructuralOp =
  | { readonly op: 'add'; readonly at: number }
  | { readonly op: 'remove'; readonly at: number }
  /** Remove the bookmark, then bookmark the same place again: the new bookmark has a new id. */
  | { readonly op: 'recreate'; readonly at: number }
  | { readonly op: 'setReading'; readonly at: number }
  | { readonly op: 'clearReading' }
  | { readonly op: 'create'; readonly name: number }
  | { readonly op: 'rename'; readonly name: number; readonly to: number }
  | { readonly op: 'delete'; readonly name: number }
  | { readonly op: 'link'; readonly into: CollectionRef; readonly at: number; readonly by: 'location' | 'id' }
  | { readonly op: 'unlink'; readonly from: CollectionRef; readonly at: number; readonly by: 'location' | 'id' }
  /** Take the bookmark out of every collection it is in: the last unlink makes it an orphan. */
  | { readonly op: 'unlinkEverywhere'; readonly at: number }
  | { readonly op: 'other'; readonly other: UserOp };

/** The shape of one program: how many locations and collection names its ops draw from. */
export interface StructuralShape {
  readonly locations: number;
  readonly names: number;
}

export function structuralOpArb(shape: StructuralShape): fc.Arbitrary<StructuralOp> {
  const at = fc.nat(shape.locations - 1);
  const name = fc.nat(shape.names - 1);
  const collection: fc.Arbitrary<CollectionRef> = fc.oneof({ weight: 2, arbitrary: name }, { weight: 1, arbitrary: fc.constant('default' as const) });
  const by = fc.constantFrom('location' as const, 'id' as const);
  // Notes, sessions and preferences only: bookmark and collection ops are drawn above, over this shape.
  const other = userOpArb.filter(
    (op) => op.op === 'createNote' || op.op === 'updateNote' || op.op === 'deleteNote' || op.op === 'recordSession' || op.op === 'setPreference',
  );
  return fc.oneof(
    { weight: 2, arbitrary: at.map((a) => ({ op: 'add' as const, at: a })) },
    { weight: 2, arbitrary: at.map((a) => ({ op: 'remove' as const, at: a })) },
    { weight: 2, arbitrary: at.map((a) => ({ op: 'recreate' as const, at: a })) },
    { weight: 1, arbitrary: at.map((a) => ({ op: 'setReading' as const, at: a })) },
    { weight: 1, arbitrary: fc.constant({ op: 'clearReading' as const }) },
    { weight: 3, arbitrary: name.map((n) => ({ op: 'create' as const, name: n })) },
    { weight: 1, arbitrary: fc.record({ name, to: name }).map((r) => ({ op: 'rename' as const, ...r })) },
    { weight: 3, arbitrary: name.map((n) => ({ op: 'delete' as const, name: n })) },
    { weight: 8, arbitrary: fc.record({ into: collection, at, by }).map((r) => ({ op: 'link' as const, ...r })) },
    { weight: 3, arbitrary: fc.record({ from: collection, at, by }).map((r) => ({ op: 'unlink' as const, ...r })) },
    { weight: 1, arbitrary: at.map((a) => ({ op: 'unlinkEverywhere' as const, at: a })) },
    { weight: 2, arbitrary: other.map((o) => ({ op: 'other' as const, other: o })) },
  );
}

export const locationLabel = (at: number): string => {
  const l = STRUCTURAL_LOCATIONS[at]!;
  return l.type === 'ayah' ? `${l.key}:${l.verseNumber}` : `${l.type} ${l.key}`;
};
const collectionLabel = (c: CollectionRef): string => (c === 'default' ? '__default__' : `"${STRUCTURAL_NAMES[c]}"`);

/** One line per op, for the program a failing seed prints. */
export function describeStructuralOp(op: StructuralOp): string {
  switch (op.op) {
    case 'add':
    case 'remove':
    case 'recreate':
    case 'setReading':
      return `${op.op} ${locationLabel(op.at)}`;
    case 'clearReading':
      return 'clear the reading bookmark';
    case 'create':
    case 'delete':
      return `${op.op} ${collectionLabel(op.name)}`;
    case 'rename':
      return `rename ${collectionLabel(op.name)} to ${collectionLabel(op.to)}`;
    case 'link':
      return `link ${locationLabel(op.at)} into ${collectionLabel(op.into)} (by ${op.by})`;
    case 'unlink':
      return `unlink ${locationLabel(op.at)} from ${collectionLabel(op.from)} (by ${op.by})`;
    case 'unlinkEverywhere':
      return `unlink ${locationLabel(op.at)} from every collection`;
    case 'other':
      return JSON.stringify(op.other);
  }
}

/**
 * The write log of a structural program: `WriteLog`'s targets (bookmark locations use `STRUCTURAL_LOCATIONS`
 * indices), plus the names some collection was renamed to. Two devices may legitimately end with two
 * collections of one name that way (one renamed to a name another device created concurrently: the server
 * does not merge on rename, docs/user-client.md "Known limitations"), so those names are exempt from the
 * one-collection-per-name check, and a rename contests both names it touches.
 */
export class StructuralWriteLog extends WriteLog {
  readonly renamedInto = new Set<string>();
}

/**
 * Applies one op on a device through its local API, logging what it wrote. Returns a short note when the op
 * did nothing (nothing to act on) or the API refused it, for the trace of a failing program.
 */
export async function applyStructuralOp(device: Pick<Device, 'name' | 'client'>, op: StructuralOp, log: StructuralWriteLog): Promise<string | null> {
  const c = device.client;
  const location = (at: number) => STRUCTURAL_LOCATIONS[at]!;
  const collectionId = async (ref: CollectionRef): Promise<string | null> => {
    if (ref === 'default') return DEFAULT_COLLECTION_ALIAS;
    return (await c.collections.list()).find((x) => x.name === STRUCTURAL_NAMES[ref])?.id ?? null;
  };
  const bookmarkShown = async (at: number) => {
    log.record(`bookmark:${at}`, device.name, (await c.bookmarks.find(location(at))) !== null);
  };
  try {
    switch (op.op) {
      case 'add':
        await c.bookmarks.add(location(op.at));
        await bookmarkShown(op.at);
        return null;
      case 'remove':
        if (!(await c.bookmarks.remove(location(op.at)))) return 'no bookmark there';
        await bookmarkShown(op.at);
        return null;
      case 'recreate': {
        const before = await c.bookmarks.find(location(op.at));
        if (before) await c.bookmarks.remove(before.id);
        const after = await c.bookmarks.add(location(op.at));
        await bookmarkShown(op.at);
        return before ? null : `nothing to remove, added ${after.id}`;
      }
      case 'setReading':
        await c.bookmarks.setReading(location(op.at));
        await bookmarkShown(op.at);
        return null;
      case 'clearReading': {
        const reading = await c.bookmarks.reading();
        if (!reading) return 'no reading bookmark';
        await c.bookmarks.setReading(reading.id, false);
        return null;
      }
      case 'create':
        await c.collections.create(STRUCTURAL_NAMES[op.name]!);
        log.record(`collection:${STRUCTURAL_NAMES[op.name]}`, device.name, true);
        return null;
      case 'rename': {
        const from = STRUCTURAL_NAMES[op.name]!;
        const to = STRUCTURAL_NAMES[op.to]!;
        const collections = await c.collections.list();
        const target = collections.find((x) => x.name === from);
        if (!target) return 'no such collection';
        if (from === to) return 'same name';
        // An app does not offer a name its user already sees on another collection.
        if (collections.some((x) => x.name === to)) return 'name taken here';
        await c.collections.rename(target.id, to);
        log.contest(`collection:${from}`);
        log.contest(`collection:${to}`);
        log.renamedInto.add(to);
        return null;
      }
      case 'delete': {
        const id = await collectionId(op.name);
        if (!id || !(await c.collections.delete(id))) return 'no such collection';
        log.record(`collection:${STRUCTURAL_NAMES[op.name]}`, device.name, false);
        return null;
      }
      case 'link': {
        // "Add to collection…" offers a new collection too: a missing one is made on the way.
        let id = await collectionId(op.into);
        if (!id && op.into !== 'default') {
          id = (await c.collections.create(STRUCTURAL_NAMES[op.into]!)).id;
          log.record(`collection:${STRUCTURAL_NAMES[op.into]}`, device.name, true);
        }
        if (!id) return 'no such collection';
        if (op.by === 'id') {
          const bookmark = await c.bookmarks.find(location(op.at));
          if (!bookmark) return 'no bookmark there';
          log.linked(op.at);
          await c.collections.addBookmark(id, bookmark.id);
        } else {
          log.linked(op.at);
          await c.collections.addBookmark(id, location(op.at));
        }
        await bookmarkShown(op.at);
        return null;
      }
      case 'unlink': {
        const id = await collectionId(op.from);
        if (!id) return 'no such collection';
        let target: string | BookmarkLocationInput = location(op.at);
        if (op.by === 'id') {
          const bookmark = await c.bookmarks.find(location(op.at));
          if (!bookmark) return 'no bookmark there';
          target = bookmark.id;
        }
        log.linked(op.at);
        return (await c.collections.removeBookmark(id, target)) ? null : 'not linked';
      }
      case 'unlinkEverywhere': {
        const bookmark = await c.bookmarks.find(location(op.at));
        if (!bookmark) return 'no bookmark there';
        log.linked(op.at);
        let removed = 0;
        for (const collection of await c.collections.list()) if (await c.collections.removeBookmark(collection.id, bookmark.id)) removed++;
        return removed === 0 ? 'in no collection' : null;
      }
      case 'other':
        await applyUserOp(device, op.other, log);
        return null;
    }
  } catch (error) {
    if (error instanceof UserInputError || error instanceof UserRecordNotFoundError) return `refused: ${error.message}`;
    throw error;
  }
}

/** The value of a logged target in a state (bookmark targets index `STRUCTURAL_LOCATIONS`). */
export function structuralTargetValue(state: StateMap, target: string): unknown {
  if (!target.startsWith('bookmark:')) return targetValue(state, target);
  const l = STRUCTURAL_LOCATIONS[Number(target.slice('bookmark:'.length))]!;
  return Object.entries(state).some(([k, v]) => {
    const b = v as { type: string; key: number; verseNumber: number | null; mushaf: number };
    return k.startsWith('BOOKMARK:') && b.type === l.type && b.key === l.key && (b.verseNumber ?? null) === (l.verseNumber ?? null) && b.mushaf === 4;
  });
}
