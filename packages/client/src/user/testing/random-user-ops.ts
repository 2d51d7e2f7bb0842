import fc from 'fast-check';
import { expect } from 'vitest';
import type { BookmarkLocationInput } from '../user-data-types.js';
import { UserInputError, UserRecordNotFoundError } from '../local-unit.js';
import type { Device, StateMap } from './user-sync-harness.js';

/**
 * Random user activity for the multi-device tests, and the bookkeeping behind their properties:
 *
 * - every op is applied through the public local API of one device (an op the API refuses — a link into a
 *   collection that device does not have — is simply a no-op);
 * - `WriteLog` remembers, per target (a note, a preference key, a collection name, a reading session, a
 *   bookmark location), which devices wrote it and the value the writing device showed right after its last
 *   write. A target written by exactly one device is *uncontested*: no policy may discard its last write.
 */
export const LOCATIONS: readonly BookmarkLocationInput[] = [
  { type: 'ayah', key: 1, verseNumber: 1 },
  { type: 'ayah', key: 2, verseNumber: 255 },
  { type: 'ayah', key: 36, verseNumber: 1 },
  { type: 'surah', key: 18 },
  { type: 'page', key: 604 },
  { type: 'juz', key: 30 },
];
export const COLLECTION_NAMES = ['Study', 'Memorise', 'Later'] as const;

export type UserOp =
  | { readonly op: 'addBookmark'; readonly at: number }
  | { readonly op: 'removeBookmark'; readonly at: number }
  | { readonly op: 'setReading'; readonly at: number }
  | { readonly op: 'createCollection'; readonly name: number }
  | { readonly op: 'deleteCollection'; readonly name: number }
  | { readonly op: 'link'; readonly name: number | 'default'; readonly at: number }
  | { readonly op: 'unlink'; readonly name: number | 'default'; readonly at: number }
  | { readonly op: 'createNote' }
  | { readonly op: 'updateNote'; readonly pick: number; readonly field: 'body' | 'ranges' }
  | { readonly op: 'deleteNote'; readonly pick: number }
  | { readonly op: 'recordSession'; readonly chapter: number; readonly verse: number }
  | { readonly op: 'setPreference'; readonly choice: number };

const PREFERENCE_CHOICES: ReadonlyArray<readonly [string, string, unknown]> = [
  ['theme', 'type', 'dark'],
  ['theme', 'type', 'sepia'],
  ['audio', 'reciter', 3],
  ['audio', 'reciter', 7],
  ['audio', 'playbackRate', 1.5],
  ['reading', 'selectedWordByWordLocale', 'ur'],
];

export const userOpArb: fc.Arbitrary<UserOp> = fc.oneof(
  { weight: 3, arbitrary: fc.nat(LOCATIONS.length - 1).map((at) => ({ op: 'addBookmark' as const, at })) },
  { weight: 1, arbitrary: fc.nat(LOCATIONS.length - 1).map((at) => ({ op: 'removeBookmark' as const, at })) },
  { weight: 1, arbitrary: fc.nat(LOCATIONS.length - 1).map((at) => ({ op: 'setReading' as const, at })) },
  { weight: 2, arbitrary: fc.nat(COLLECTION_NAMES.length - 1).map((name) => ({ op: 'createCollection' as const, name })) },
  { weight: 1, arbitrary: fc.nat(COLLECTION_NAMES.length - 1).map((name) => ({ op: 'deleteCollection' as const, name })) },
  {
    weight: 2,
    arbitrary: fc
      .record({ name: fc.oneof(fc.nat(COLLECTION_NAMES.length - 1), fc.constant('default' as const)), at: fc.nat(LOCATIONS.length - 1) })
      .map((r) => ({ op: 'link' as const, ...r })),
  },
  {
    weight: 1,
    arbitrary: fc
      .record({ name: fc.oneof(fc.nat(COLLECTION_NAMES.length - 1), fc.constant('default' as const)), at: fc.nat(LOCATIONS.length - 1) })
      .map((r) => ({ op: 'unlink' as const, ...r })),
  },
  { weight: 1, arbitrary: fc.constant({ op: 'createNote' as const }) },
  {
    weight: 4,
    arbitrary: fc.record({ pick: fc.nat(20), field: fc.constantFrom('body' as const, 'ranges' as const) }).map((r) => ({ op: 'updateNote' as const, ...r })),
  },
  { weight: 1, arbitrary: fc.nat(20).map((pick) => ({ op: 'deleteNote' as const, pick })) },
  {
    weight: 1,
    arbitrary: fc
      .record({ chapter: fc.integer({ min: 1, max: 3 }), verse: fc.integer({ min: 1, max: 5 }) })
      .map((r) => ({ op: 'recordSession' as const, ...r })),
  },
  { weight: 3, arbitrary: fc.nat(PREFERENCE_CHOICES.length - 1).map((choice) => ({ op: 'setPreference' as const, choice })) },
);

interface TargetLog {
  readonly writers: Set<string>;
  last: unknown;
}

export class WriteLog {
  private readonly targets = new Map<string, TargetLog>();
  /** Bookmark locations some device linked or unlinked: the orphan rule may delete them as a side effect. */
  private readonly linkedLocations = new Set<number>();
  private counter = 0;

  unique(prefix: string): string {
    return `${prefix} ${++this.counter} ${Math.random().toString(36).slice(2, 8)}`;
  }

  record(target: string, device: string, last: unknown): void {
    const log = this.targets.get(target) ?? { writers: new Set<string>(), last: undefined };
    log.writers.add(device);
    log.last = last;
    this.targets.set(target, log);
  }

  /**
   * Makes a target contested without a device writing it: for writes whose effect on the target is not
   * attributable to one device (a rename changes the collections under two names at once).
   */
  contest(target: string): void {
    const log = this.targets.get(target) ?? { writers: new Set<string>(), last: undefined };
    log.writers.add('(contested)');
    log.writers.add('(contested too)');
    this.targets.set(target, log);
  }

  linked(at: number): void {
    this.linkedLocations.add(at);
  }

  /** Targets written by one device only, with the value it showed after its last write. */
  uncontested(): Array<[string, unknown]> {
    return [...this.targets]
      .filter(([target, log]) => log.writers.size === 1 && !(target.startsWith('bookmark:') && this.linkedLocations.has(Number(target.slice(9)))))
      .map(([target, log]) => [target, log.last]);
  }
}

/** Applies one op on a device through its local API, logging what it wrote. */
export async function applyUserOp(device: Pick<Device, 'name' | 'client'>, op: UserOp, log: WriteLog): Promise<void> {
  const c = device.client;
  const collectionId = async (name: number | 'default'): Promise<string | null> => {
    if (name === 'default') return '__default__';
    return (await c.collections.list()).find((x) => x.name === COLLECTION_NAMES[name])?.id ?? null;
  };
  const bookmarkTarget = async (at: number) => {
    const found = await c.bookmarks.find(LOCATIONS[at]!);
    log.record(`bookmark:${at}`, device.name, found !== null);
  };
  try {
    switch (op.op) {
      case 'addBookmark':
        await c.bookmarks.add(LOCATIONS[op.at]!);
        return bookmarkTarget(op.at);
      case 'removeBookmark':
        if (await c.bookmarks.remove(LOCATIONS[op.at]!)) await bookmarkTarget(op.at);
        return;
      case 'setReading':
        await c.bookmarks.setReading(LOCATIONS[op.at]!);
        return bookmarkTarget(op.at);
      case 'createCollection':
        await c.collections.create(COLLECTION_NAMES[op.name]!);
        log.record(`collection:${COLLECTION_NAMES[op.name]}`, device.name, true);
        return;
      case 'deleteCollection': {
        const id = await collectionId(op.name);
        if (id && (await c.collections.delete(id))) log.record(`collection:${COLLECTION_NAMES[op.name]}`, device.name, false);
        return;
      }
      case 'link': {
        const id = await collectionId(op.name);
        if (!id) return;
        log.linked(op.at);
        await c.collections.addBookmark(id, LOCATIONS[op.at]!);
        return bookmarkTarget(op.at);
      }
      case 'unlink': {
        const id = await collectionId(op.name);
        if (!id) return;
        log.linked(op.at);
        await c.collections.removeBookmark(id, LOCATIONS[op.at]!);
        return;
      }
      case 'createNote': {
        const note = await c.notes.create({ body: log.unique('note'), ranges: ['1:1'] });
        log.record(`note:${note.id}`, device.name, { body: note.body, ranges: note.ranges });
        return;
      }
      case 'updateNote': {
        const notes = (await c.notes.list()).sort((a, b) => (a.id < b.id ? -1 : 1));
        const target = notes[op.pick % Math.max(1, notes.length)];
        if (!target) return;
        const note = await c.notes.update(target.id, op.field === 'body' ? { body: log.unique('edited') } : { ranges: [`2:${1 + (op.pick % 7)}`] });
        log.record(`note:${note.id}`, device.name, { body: note.body, ranges: note.ranges });
        return;
      }
      case 'deleteNote': {
        const notes = (await c.notes.list()).sort((a, b) => (a.id < b.id ? -1 : 1));
        const target = notes[op.pick % Math.max(1, notes.length)];
        if (target && (await c.notes.delete(target.id))) log.record(`note:${target.id}`, device.name, null);
        return;
      }
      case 'recordSession': {
        const session = await c.readingSessions.record({ chapterNumber: op.chapter, verseNumber: op.verse });
        log.record(`session:${session.id}`, device.name, { chapterNumber: session.chapterNumber, verseNumber: session.verseNumber });
        return;
      }
      case 'setPreference': {
        const [group, key, value] = PREFERENCE_CHOICES[op.choice]!;
        await c.preferences.set(group, { [key]: value });
        log.record(`preference:${group}.${key}`, device.name, value);
        return;
      }
    }
  } catch (error) {
    if (error instanceof UserInputError || error instanceof UserRecordNotFoundError) return;
    throw error;
  }
}

/** The value of a logged target in a server state. */
export function targetValue(state: StateMap, target: string): unknown {
  const [kind, rest] = [target.slice(0, target.indexOf(':')), target.slice(target.indexOf(':') + 1)];
  const values = Object.entries(state);
  switch (kind) {
    case 'note': {
      const note = state[`NOTE:${rest}`] as { body: string; ranges: string[] } | undefined;
      return note ? { body: note.body, ranges: note.ranges } : null;
    }
    case 'session': {
      const s = state[`READING_SESSION:${rest}`] as { chapterNumber: number; verseNumber: number } | undefined;
      return s ? { chapterNumber: s.chapterNumber, verseNumber: s.verseNumber } : null;
    }
    case 'preference': {
      const [group, key] = rest.split('.') as [string, string];
      return (state[`PREFERENCE:${group}`] as { value: Record<string, unknown> } | undefined)?.value?.[key];
    }
    case 'collection':
      return values.some(([k, v]) => k.startsWith('COLLECTION:') && (v as { name: string }).name === rest);
    case 'bookmark': {
      const l = LOCATIONS[Number(rest)]!;
      return values.some(([k, v]) => {
        const b = v as { type: string; key: number; verseNumber: number | null; mushaf: number };
        return k.startsWith('BOOKMARK:') && b.type === l.type && b.key === l.key && (b.verseNumber ?? null) === (l.verseNumber ?? null) && b.mushaf === 4;
      });
    }
  }
  throw new Error(`unknown target ${target}`);
}

/**
 * The properties every multi-device scenario must end with (see the model test's header):
 * convergence (every device shows exactly the server's state, nothing queued), no duplicates, no lost
 * uncontested write.
 */
export async function expectConvergedWithoutLossOrDuplicates(
  serverStateNow: StateMap,
  devices: readonly Device[],
  log: WriteLog,
  deviceStates: readonly StateMap[],
): Promise<void> {
  for (const [i, state] of deviceStates.entries()) expect(state, `device ${devices[i]!.name} differs from the server`).toEqual(serverStateNow);
  for (const d of devices) {
    expect(await d.client.pendingCount(), `${d.name} still has queued changes`).toBe(0);
    expect(await d.client.quarantine.list(), `${d.name} quarantined something`).toEqual([]);
  }
  const entries = Object.entries(serverStateNow);
  const unique = (prefix: string, key: (v: Record<string, unknown>) => string) => {
    const keys = entries.filter(([k]) => k.startsWith(prefix)).map(([, v]) => key(v as Record<string, unknown>));
    expect(keys.length, `duplicate ${prefix} ${JSON.stringify(keys)}`).toBe(new Set(keys).size);
  };
  unique('BOOKMARK:', (b) => `${b.type}:${b.key}:${b.verseNumber}:${b.mushaf}`);
  unique('COLLECTION:', (c) => String(c.name));
  unique('NOTE:', (n) => String(n.body));
  for (const [target, last] of log.uncontested()) expect(targetValue(serverStateNow, target), `uncontested write to ${target} lost`).toEqual(last);
}
