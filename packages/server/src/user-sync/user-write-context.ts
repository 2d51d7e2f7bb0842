import type { Transaction } from 'kysely';
import type { Database } from '../db/schema.js';
import type { ChangeBuffer } from './change-index.js';

/**
 * What a mutation applier works with: the open transaction that holds the user's lock, and the user's
 * mutation clock. Every applied mutation — a pushed one or a side effect — takes its own timestamp from
 * `nextTimestamp()`, in the order it is applied.
 */
export interface UserWriteContext {
  readonly trx: Transaction<Database>;
  readonly userId: string;
  /** The write's mutations, written to the change index when the write is done. */
  readonly changes: ChangeBuffer;
  /**
   * Bookmark locations known to hold no live bookmark (`type:key:verse:mushaf`), filled by one query before
   * a batch so natural-key lookups of new bookmarks cost nothing. Only ever a subset of the truth: a location
   * leaves the set as soon as a bookmark becomes live there.
   */
  readonly freeBookmarkLocations: Set<string>;
  /** The next mutation timestamp: `max(now_ms, head + 1)`; advances the head. */
  nextTimestamp(): number;
  /** Current head (the last timestamp handed out, or the committed head when none yet). */
  head(): number;
  /** Id of the user's default collection (created with the user's first mutation). */
  defaultCollectionId(): string;
}
