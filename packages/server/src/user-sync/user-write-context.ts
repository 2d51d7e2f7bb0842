import type { Selectable, Transaction } from 'kysely';
import type { Database } from '../db/schema.js';
import type { ChangeBuffer } from './change-index.js';

/** Resource tables whose new rows a write may defer and whose absent ids it may prefetch. */
export type DeferrableTable = 'user_bookmarks' | 'user_notes' | 'user_note_ranges' | 'user_collections' | 'user_reading_sessions';

/**
 * What a mutation applier works with: the open transaction that holds the user's lock, and the user's
 * mutation clock. Every applied mutation — a pushed one or a side effect — takes its own timestamp from
 * `nextTimestamp()`, in the order it is applied.
 */
export interface UserWriteContext {
  /**
   * The write's transaction, for any statement: the inserts deferred so far are sent first, so every
   * statement (a read included) sees all rows this write made. Always `await ctx.db()` right before a
   * statement, never keep the result across another applier call.
   */
  db(): Promise<Transaction<Database>>;
  /**
   * Queues a new row; consecutive rows of one table go out as one multi-row INSERT before the next statement
   * (or at the end of the write). For rows nothing reads back before then: the caller builds the row as the
   * database would return it.
   */
  deferInsert<T extends DeferrableTable>(table: T, row: Selectable<Database[T]>): void;
  /**
   * True when `id` is known to be used by no row of `table` (any user): prefetched once per batch
   * ({@link prefetchAbsentIds}), so looking up a client-chosen id of a new resource costs no query. Only
   * ever a subset of the truth: an id leaves the set when this write inserts it.
   */
  isAbsent(table: DeferrableTable, id: string): boolean;
  /** Records which of `ids` exist in no row of `table` (one query). */
  prefetchAbsentIds(table: DeferrableTable, ids: readonly string[]): Promise<void>;
  /**
   * A speculative write (see `speculateUserWrite`) sends nothing before its last statement and never gets
   * `db()`: anything that needs it ends the speculation, and the write runs again locked.
   */
  readonly speculative: boolean;
  /**
   * Speculative writes only: takes `ids` to be used by no row of `table` and to have no change-index entry,
   * without looking. Only for ids the write can only insert (a create's, an upsert's): a wrong guess then ends
   * in a primary-key violation, and the write runs again locked.
   */
  assumeAbsentIds(table: DeferrableTable, ids: readonly string[]): void;
  /**
   * A new resource id (CSPRNG) for a resource this write creates; the change index then knows it has no
   * earlier entry. Client-chosen ids do not qualify: a purged tombstone may have left one behind.
   */
  mintId(): string;
  readonly userId: string;
  /** The write's mutations, written to the change index when the write is done. */
  readonly changes: ChangeBuffer;
  /**
   * Bookmark locations taken to hold no live bookmark (`type:key:verse:mushaf`), filled before a batch so
   * natural-key lookups of new bookmarks cost nothing: by one probe query, or, for locations where a wrong
   * guess can only end in an insert the natural-key index refuses, by assumption (the push then runs again
   * with the probe; see push-handler.ts). A location leaves the set as soon as a bookmark becomes live there.
   */
  readonly freeBookmarkLocations: Set<string>;
  /**
   * The next mutation timestamp: `max(now_ms, head + 1)`; advances the head. A user's first one is preceded
   * by the default collection's creation, so a write that changes nothing creates nothing, not even that.
   */
  nextTimestamp(): number;
  /** Current head (the last timestamp handed out, or the committed head when none yet). */
  head(): number;
  /** Id of the user's default collection; a user who has none yet gets it now (a COLLECTION CREATE of its own). */
  defaultCollectionId(): string;
  /** The default collection's id, or null while the user has none: for lookups that must not create it. */
  knownDefaultCollectionId(): string | null;
}
