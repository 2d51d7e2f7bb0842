import { bookmarkNaturalKey, DEFAULT_MUSHAF_ID, type BookmarkLocation, type ValidatedMutation } from '@quran-sync/protocol';
import { sql } from 'kysely';
import type { WriteState } from './write-state.js';

type NamedLocation = { location: Omit<BookmarkLocation, 'mushaf'>; mushaf: number };

/** The natural key of a bookmark location, as `WriteKnowledge` names free locations. */
export function locationKey(location: Omit<BookmarkLocation, 'mushaf'>, mushaf: number): string {
  return bookmarkNaturalKey(location.type, location.key, location.verseNumber, mushaf);
}

/**
 * What the engine may know of a batch before running it, to spare its appliers one lookup per mutation.
 *
 * Bookmark locations: `guarded` ones are named only by creates (of a bookmark, or of a link by details), where
 * taking a live location for a free one can only lead to an insert that the natural-key index
 * (user_bookmarks_location) refuses — so they may be assumed free. `other` ones are also named by a link
 * delete by details, where "free" means "gone, nothing to do" and a wrong guess would pass unnoticed: these
 * are always probed.
 *
 * Ids: client-chosen ids of bookmarks and notes (the SDK names every resource it creates), looked up in one
 * query per table, or, on the speculative path, assumed unused where the write can only insert them.
 */
export class BatchGuesses {
  private readonly guarded: NamedLocation[] = [];
  private readonly other: NamedLocation[] = [];

  constructor(private readonly mutations: readonly ValidatedMutation[]) {
    const created = new Map<string, NamedLocation>();
    const unlinked = new Set<string>();
    const add = (location: Omit<BookmarkLocation, 'mushaf'>, mushaf: number | undefined) => {
      const named = { location, mushaf: mushaf ?? DEFAULT_MUSHAF_ID };
      created.set(locationKey(named.location, named.mushaf), named);
    };
    for (const m of mutations) {
      if (m.resource === 'BOOKMARK' && m.type === 'CREATE' && m.input?.location) add(m.input.location, m.input.mushaf);
      if (m.resource === 'COLLECTION_BOOKMARK' && m.link.bookmark.kind === 'details') {
        if (m.type === 'DELETE') unlinked.add(locationKey(m.link.bookmark.location, m.link.bookmark.mushaf ?? DEFAULT_MUSHAF_ID));
        else add(m.link.bookmark.location, m.link.bookmark.mushaf);
      }
    }
    for (const [key, named] of created) (unlinked.has(key) ? this.other : this.guarded).push(named);
  }

  /**
   * Whether the batch may be tried speculatively: it only creates and upserts bookmarks and notes, and probes
   * no location. Only a filter, to save a doomed attempt: any mutation that does need a statement ends the
   * speculation anyway.
   */
  get speculable(): boolean {
    return this.other.length === 0 && this.mutations.every((m) => (m.resource === 'BOOKMARK' || m.resource === 'NOTE') && INSERTING.has(m.type));
  }

  /** Speculative path: assumes, without a query, everything a wrong guess of which a unique index refuses. */
  assume(write: WriteState): void {
    write.takeLocationsAsFree(this.guarded.map((l) => locationKey(l.location, l.mushaf)));
    write.assumeAbsentIds('user_bookmarks', this.ids('BOOKMARK', INSERTING));
    write.assumeAbsentIds('user_notes', this.ids('NOTE', INSERTING));
  }

  /** Locked path: probes what it must (`probeCreates`: the guarded locations too), one query per kind. */
  async gather(write: WriteState, probeCreates: boolean): Promise<void> {
    if (probeCreates) await probeFreeLocations(write, [...this.guarded, ...this.other]);
    else {
      write.takeLocationsAsFree(this.guarded.map((l) => locationKey(l.location, l.mushaf)));
      await probeFreeLocations(write, this.other);
    }
    await write.prefetchAbsentIds('user_bookmarks', this.ids('BOOKMARK'));
    await write.prefetchAbsentIds('user_notes', this.ids('NOTE'));
  }

  /** The `resourceId`s the batch names for one resource (in mutations of these types). */
  private ids(resource: 'BOOKMARK' | 'NOTE', types?: ReadonlySet<ValidatedMutation['type']>): string[] {
    return this.mutations.flatMap((m) => (m.resource === resource && m.resourceId && (!types || types.has(m.type)) ? [m.resourceId] : []));
  }
}

const INSERTING: ReadonlySet<ValidatedMutation['type']> = new Set(['CREATE', 'UPDATE']);

/** One query for a whole batch: which of these locations hold no live bookmark of the user. */
async function probeFreeLocations(write: WriteState, locations: readonly NamedLocation[]): Promise<void> {
  const keys = new Map(locations.map((l) => [locationKey(l.location, l.mushaf), l]));
  if (keys.size === 0) return;
  const wanted = [...keys.values()].map((l) => ({ type: l.location.type, key: l.location.key, verse: l.location.verseNumber ?? 0, mushaf: l.mushaf }));
  const taken = (await takenLocationsQuery(write.userId, wanted).execute(await write.db())).rows;
  const takenKeys = new Set(taken.map((row) => bookmarkNaturalKey(row.type, row.key, row.verse_number, row.mushaf)));
  write.takeLocationsAsFree([...keys.keys()].filter((key) => !takenKeys.has(key)));
}

/**
 * The live bookmarks of `userId` at these locations (`verse` 0: none). One probe of the natural-key index
 * (user_bookmarks_location) per location, forced by LATERAL … LIMIT 1: a plain join let the planner hash-join
 * against a scan of ALL the user's live bookmarks, so a push cost grew with the user's history.
 * One JSON parameter, not four per location.
 */
export function takenLocationsQuery(userId: string, wanted: ReadonlyArray<{ type: string; key: number; verse: number; mushaf: number }>) {
  return sql<{ type: string; key: number; verse_number: number | null; mushaf: number }>`
    select b.type, b.key, b.verse_number, b.mushaf
    from json_to_recordset(${JSON.stringify(wanted)}::json) as wanted (type text, key int, verse int, mushaf int)
    cross join lateral (
      select type, key, verse_number, mushaf from user_bookmarks
      where user_id = ${userId} and deleted_at is null and type = wanted.type and key = wanted.key
        and coalesce(verse_number, 0) = wanted.verse and mushaf = wanted.mushaf
      limit 1) b`;
}
