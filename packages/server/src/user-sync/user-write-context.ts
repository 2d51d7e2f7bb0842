import type { Transaction } from 'kysely';
import type { Database } from '../db/schema.js';

/**
 * What a mutation applier works with: the open transaction that holds the user's lock, and the user's
 * mutation clock. Every applied mutation — a pushed one or a side effect — takes its own timestamp from
 * `nextTimestamp()`, in the order it is applied.
 */
export interface UserWriteContext {
  readonly trx: Transaction<Database>;
  readonly userId: string;
  /** The next mutation timestamp: `max(now_ms, head + 1)`; advances the head. */
  nextTimestamp(): number;
  /** Current head (the last timestamp handed out, or the committed head when none yet). */
  head(): number;
  /** Id of the user's default collection (created with the user's first mutation). */
  defaultCollectionId(): string;
}
