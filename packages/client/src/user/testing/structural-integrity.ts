import { collectionBookmarkId } from '@quran-sync/protocol';
import type { QuarantinedEntry } from '../user-store.js';
import type { WriteLog } from './random-user-ops.js';
import type { StateMap } from './user-state.js';

/**
 * The end state every multi-device structural scenario must reach once the network healed and the devices
 * synced until quiet, checked as a list of readable problems (not one deep-equality diff) so a failing seed
 * says which record differs and why:
 *
 * - convergence: every device's live records equal the server's exactly (hence each other's; key order inside
 *   a value does not count, as for the engine's own comparisons);
 * - nothing queued, nothing quarantined (every op a test makes is one a well-behaved app could make);
 * - no duplicates: one live bookmark per location, one live collection per name (except names a rename
 *   produced, see `StructuralWriteLog`), one note per body;
 * - no lost uncontested write (`WriteLog`);
 * - referential integrity, on the server's state and on every device's: each link names a live collection and
 *   a live bookmark under its composite id and carries that bookmark's location; at most one reading bookmark;
 *   exactly one default collection once the user has any data; `isInDefaultCollection` equals whether a link
 *   into the default collection exists.
 */
export interface ConvergenceOptions {
  readonly log: WriteLog;
  /** The value of a logged target in a state. */
  readonly targetValue: (state: StateMap, target: string) => unknown;
  /** Collection names that may legitimately be held by two collections. */
  readonly duplicateNamesAllowed?: ReadonlySet<string>;
}

export interface DeviceEndState {
  readonly name: string;
  readonly state: StateMap;
  readonly pending: number;
  readonly quarantined: readonly QuarantinedEntry[];
}

export function convergenceProblems(serverNow: StateMap, devices: readonly DeviceEndState[], options: ConvergenceOptions): string[] {
  const problems: string[] = [];
  for (const d of devices) {
    problems.push(...stateDifferences(d.state, serverNow).map((p) => `${d.name}: ${p}`));
    if (d.pending !== 0) problems.push(`${d.name}: ${d.pending} change(s) still queued`);
    for (const q of d.quarantined)
      problems.push(`${d.name}: quarantined ${q.type} ${q.resource} ${q.id} ${JSON.stringify(q.data)} — ${q.error.status} ${q.error.code}: ${q.error.message}`);
  }
  problems.push(...integrityProblems(serverNow, options.duplicateNamesAllowed).map((p) => `server: ${p}`));
  for (const d of devices) problems.push(...integrityProblems(d.state, options.duplicateNamesAllowed).map((p) => `${d.name}: ${p}`));
  for (const [target, last] of options.log.uncontested()) {
    const value = options.targetValue(serverNow, target);
    if (!deepStrictEqual(value, last))
      problems.push(`uncontested write to ${target} lost: the server has ${JSON.stringify(value)}, its only writer last showed ${JSON.stringify(last)}`);
  }
  return problems;
}

type Data = Record<string, unknown>;
const entriesOf = (state: StateMap, resource: string): Array<[string, Data]> =>
  Object.entries(state)
    .filter(([k]) => k.startsWith(`${resource}:`))
    .map(([k, v]) => [k.slice(resource.length + 1), v as Data]);

/** A record as a person reads it: bookmarks by location, collections by name, links by both ends. */
export function describeRecord(key: string, state: StateMap, fallback?: StateMap): string {
  const resource = key.slice(0, key.indexOf(':'));
  const id = key.slice(resource.length + 1);
  const data = (state[key] ?? fallback?.[key]) as Data | undefined;
  const bookmark = (bid: unknown, link: Data) => {
    const b = (state[`BOOKMARK:${String(bid)}`] ?? fallback?.[`BOOKMARK:${String(bid)}`]) as Data | undefined;
    return b ? `${locationOf(b)} [${String(bid)}]` : `missing bookmark (the link says ${locationOf(link)}) [${String(bid)}]`;
  };
  const collection = (cid: unknown) => {
    const c = (state[`COLLECTION:${String(cid)}`] ?? fallback?.[`COLLECTION:${String(cid)}`]) as Data | undefined;
    return c ? `"${String(c.name)}" [${String(cid)}]` : `missing collection [${String(cid)}]`;
  };
  if (!data) return key;
  switch (resource) {
    case 'BOOKMARK':
      return `bookmark ${locationOf(data)} [${id}]${data.isReading === true ? ' reading' : ''}${data.isInDefaultCollection === true ? ' in-default' : ''}`;
    case 'COLLECTION':
      return `collection "${String(data.name)}" [${id}]${data.isDefault === true ? ' default' : ''}`;
    case 'COLLECTION_BOOKMARK':
      return `link ${collection(data.collectionId)} → ${bookmark(data.bookmarkId, data)}`;
    default:
      return key;
  }
}

function locationOf(b: Data): string {
  return b.type === 'ayah' ? `${String(b.key)}:${String(b.verseNumber)}` : `${String(b.type)} ${String(b.key)}`;
}

/** How a device's live records differ from the server's, one line per record. */
export function stateDifferences(device: StateMap, server: StateMap): string[] {
  const out: string[] = [];
  for (const key of Object.keys(device)) {
    if (!(key in server)) out.push(`only on the device: ${describeRecord(key, device, server)}`);
    else if (!deepStrictEqual(device[key], server[key])) {
      const d = device[key] as Data;
      const s = server[key] as Data;
      const fields = [...new Set([...Object.keys(d), ...Object.keys(s)])].filter((f) => !deepStrictEqual(d[f], s[f]));
      out.push(
        `differs: ${describeRecord(key, server)}: ${fields.map((f) => `${f} device ${JSON.stringify(d[f])} / server ${JSON.stringify(s[f])}`).join(', ')}`,
      );
    }
  }
  for (const key of Object.keys(server)) if (!(key in device)) out.push(`missing on the device: ${describeRecord(key, server)}`);
  return out;
}

/** Referential integrity and uniqueness of one state (server's or a device's). */
export function integrityProblems(state: StateMap, duplicateNamesAllowed: ReadonlySet<string> = new Set()): string[] {
  const out: string[] = [];
  const bookmarks = entriesOf(state, 'BOOKMARK');
  const collections = entriesOf(state, 'COLLECTION');
  const links = entriesOf(state, 'COLLECTION_BOOKMARK');
  const defaults = collections.filter(([, c]) => c.isDefault === true);
  if (defaults.length > 1) out.push(`${defaults.length} default collections`);
  if (defaults.length === 0 && Object.keys(state).length > 0) out.push('no default collection, yet the user has data');
  const defaultId = defaults[0]?.[0];
  for (const [id, link] of links) {
    const where = describeRecord(`COLLECTION_BOOKMARK:${id}`, state);
    if (id !== collectionBookmarkId(String(link.collectionId), String(link.bookmarkId))) out.push(`${where}: its id ${id} does not name its ends`);
    if (!state[`COLLECTION:${String(link.collectionId)}`]) out.push(`${where}: dangling, no live collection ${String(link.collectionId)}`);
    const bookmark = state[`BOOKMARK:${String(link.bookmarkId)}`] as Data | undefined;
    if (!bookmark) out.push(`${where}: dangling, no live bookmark ${String(link.bookmarkId)}`);
    else if (bookmark.type !== link.type || bookmark.key !== link.key || (bookmark.verseNumber ?? null) !== (link.verseNumber ?? null)) {
      out.push(`${where}: carries ${String(link.type)} ${String(link.key)}:${String(link.verseNumber)}, its bookmark is at ${locationOf(bookmark)}`);
    }
  }
  const reading = bookmarks.filter(([, b]) => b.isReading === true);
  if (reading.length > 1) out.push(`${reading.length} reading bookmarks: ${reading.map(([id]) => describeRecord(`BOOKMARK:${id}`, state)).join(', ')}`);
  for (const [id, b] of bookmarks) {
    const linked = defaultId !== undefined && links.some(([, l]) => l.bookmarkId === id && l.collectionId === defaultId);
    if ((b.isInDefaultCollection === true) !== linked)
      out.push(
        `${describeRecord(`BOOKMARK:${id}`, state)}: isInDefaultCollection ${String(b.isInDefaultCollection)}, but it is ${linked ? '' : 'not '}linked into the default collection`,
      );
  }
  const duplicates = (items: Array<[string, Data]>, key: (v: Data) => string, what: string, allowed: (k: string) => boolean = () => false) => {
    const seen = new Map<string, string[]>();
    for (const [id, v] of items) seen.set(key(v), [...(seen.get(key(v)) ?? []), id]);
    for (const [k, ids] of seen) if (ids.length > 1 && !allowed(k)) out.push(`${ids.length} live ${what} ${k}: ${ids.join(', ')}`);
  };
  duplicates(bookmarks, (b) => `${locationOf(b)} mushaf ${String(b.mushaf)}`, 'bookmarks at');
  duplicates(
    collections,
    (c) => `"${String(c.name)}"`,
    'collections named',
    (k) => duplicateNamesAllowed.has(k.slice(1, -1)),
  );
  duplicates(entriesOf(state, 'NOTE'), (n) => JSON.stringify(n.body), 'notes with body');
  return out;
}

/**
 * node:util's `isDeepStrictEqual` for the values these checks compare (decoded JSON and what a store gives
 * back): primitives by `Object.is`, arrays and plain objects member by member, with the same prototype and
 * the same own keys (a field set to `undefined` is not a missing one), dates by time. Free of node:util so
 * the browser run shares the checks; any other kind of object throws rather than compare loosely.
 */
export function deepStrictEqual(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return false;
  if (a instanceof Date) return Object.is(a.getTime(), (b as Date).getTime());
  const proto = Object.getPrototypeOf(a) as unknown;
  if (!Array.isArray(a) && proto !== Object.prototype && proto !== null)
    throw new Error(`deepStrictEqual: cannot compare a ${Object.prototype.toString.call(a)}`);
  const keysA = Object.keys(a);
  const keysB = Object.keys(b);
  if (keysA.length !== keysB.length || (Array.isArray(a) && a.length !== (b as unknown[]).length)) return false;
  const recordA = a as Record<string, unknown>;
  const recordB = b as Record<string, unknown>;
  return keysA.every((k) => Object.hasOwn(recordB, k) && deepStrictEqual(recordA[k], recordB[k]));
}
