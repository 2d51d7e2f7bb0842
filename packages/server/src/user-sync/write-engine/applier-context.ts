import type { UserResource } from '@quran-sync/protocol';
import type { Selectable, Transaction } from 'kysely';
import type { Database } from '../../db/schema.js';
import type { ChangeKind } from '../change-index.js';

/** Resource tables whose new rows a write may defer and whose absent ids it may know of. */
export type DeferrableTable = 'user_bookmarks' | 'user_notes' | 'user_note_ranges' | 'user_collections' | 'user_reading_sessions';

/**
 * What a mutation applier sees of a write: the user, statements in the write's transaction, the user's
 * mutation clock, and what the engine already knows about the rows the batch names. How the write is run
 * (speculative, locked, probing), its change index and its idempotency record are the engine's business.
 */
export interface ApplierContext {
  readonly userId: string;
  /**
   * The write's transaction, for any statement: the inserts deferred so far are sent first, so every
   * statement (a read included) sees all rows this write made. Always `await ctx.db()` right before a
   * statement, never keep the result across another applier call.
   */
  db(): Promise<Transaction<Database>>;
  /**
   * Queues a new row; rows of one table go out as one multi-row INSERT before the next statement (or at the
   * end of the write). The caller builds the row whole, as the database would return it.
   */
  insert<T extends DeferrableTable>(table: T, row: Selectable<Database[T]>): void;
  /**
   * Records one mutation of this write and returns its timestamp: `max(now_ms, head + 1)`, in the order
   * mutations are applied, side effects included. A user's first one is preceded by the default
   * collection's creation.
   */
  record(resource: UserResource, resourceId: string, kind: ChangeKind): number;
  /** The current head: the last timestamp handed out, or the committed head when none yet. */
  readonly head: number;
  /** Timestamp of a resource's latest mutation (for acks of writes that changed nothing); the head when none. */
  latestTimestamp(resource: UserResource, resourceId: string): Promise<number>;
  /**
   * A new resource id (CSPRNG) for a resource this write creates; the change index then knows it has no
   * earlier entry. Client-chosen ids do not qualify: a purged tombstone may have left one behind.
   */
  mintId(): string;
  /** Id of the user's default collection; a user who has none yet gets it now (a COLLECTION CREATE of its own). */
  defaultCollectionId(): string;
  /** The default collection's id, or null while the user has none: for lookups that must not create it. */
  knownDefaultCollectionId(): string | null;
  /** What the engine knows without a query; see {@link WriteKnowledge}. */
  readonly known: WriteKnowledge;
}

/**
 * Facts about rows the engine gathered (or, on a path where a wrong guess cannot be kept, assumed) before the
 * batch ran, so appliers skip lookups whose answer is known. Only ever a subset of the truth: "not known"
 * means "look it up".
 */
export interface WriteKnowledge {
  /** True when `id` is known to be used by no row of `table` (any user). */
  isAbsent(table: DeferrableTable, id: string): boolean;
  /** True when this location (`bookmarkNaturalKey`) is known to hold no live bookmark of the user. */
  isFreeLocation(naturalKey: string): boolean;
  /** A bookmark became live at this location: it is no longer free. */
  locationTaken(naturalKey: string): void;
}
