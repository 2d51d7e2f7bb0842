import { sql, type Transaction } from 'kysely';
import type { ContentMutationType } from '@quran-sync/protocol';
import type { Database } from '../db/schema.js';
import type { ContentDb } from './content-db.js';

/** One change to append to the feed (the sequence is assigned by the writer). */
export interface FeedEntryInput {
  readonly type: ContentMutationType;
  readonly resourceGroup: string;
  readonly resourceId: number;
  readonly resourceContentId: number | null;
  readonly recordType?: string | null;
  readonly recordKey?: string | null;
  readonly data?: Readonly<Record<string, unknown>> | null;
  readonly unavailableReason?: string | null;
}

/** Appends feed entries inside one editorial transaction; see `withFeedWriter`. */
export class FeedWriter {
  private readonly pending: Array<FeedEntryInput & { sequence: number }> = [];
  private next: number;

  constructor(
    readonly trx: Transaction<Database>,
    readonly headBefore: number,
    readonly now: Date,
  ) {
    this.next = headBefore + 1;
  }

  /** Queues an entry and returns the sequence it will commit with. */
  append(entry: FeedEntryInput): number {
    const sequence = this.next++;
    this.pending.push({ ...entry, sequence });
    return sequence;
  }

  get sequences(): number[] {
    return this.pending.map((e) => e.sequence);
  }

  get head(): number {
    return this.next - 1;
  }

  /** Writes the queued entries and moves the head; called once, at the end of the transaction. */
  async flush(): Promise<void> {
    for (let i = 0; i < this.pending.length; i += 500) {
      await this.trx
        .insertInto('content_feed')
        .values(
          this.pending.slice(i, i + 500).map((e) => ({
            sequence: e.sequence,
            type: e.type,
            resource_group: e.resourceGroup,
            resource_id: e.resourceId,
            resource_content_id: e.resourceContentId,
            record_type: e.recordType ?? null,
            record_key: e.recordKey ?? null,
            data: e.data ? JSON.stringify(e.data) : null,
            unavailable_reason: e.unavailableReason ?? null,
            changed_at: this.now,
          })),
        )
        .execute();
    }
    if (this.pending.length > 0) {
      await this.trx.updateTable('content_feed_head').set({ sequence: this.head }).where('id', '=', 1).execute();
    }
  }
}

/**
 * Runs `fn` as ONE editorial transaction whose feed entries get consecutive sequences.
 *
 * Invariant (content-sync.md, "No holes"): sequence order == commit order. The transaction first locks
 * the single head row (`select … for update`) and keeps the lock until it commits; sequences are
 * `head+1 … head+n`, and the head row is moved to `head+n` in the same transaction. A second writer blocks
 * on the lock until the first has committed (or rolled back), then reads the new head, so no sequence can
 * commit before a smaller one. Readers take `sync_until_sequence` from the committed head row, so every
 * entry at or below it is already visible: a reader can never see a hole that is filled later. On PGlite
 * (one connection) transactions are serialised anyway; `content-feed-writer.pg.test.ts` proves it on a
 * PostgreSQL pool with concurrent writers and readers.
 */
export async function withFeedWriter<T>(
  db: ContentDb,
  fn: (writer: FeedWriter) => Promise<T>,
  /** This process's cached feed head, moved to the new head once committed (read-your-writes in one process). */
  heads?: { advance(head: number): void },
): Promise<{ result: T; sequences: number[]; head: number }> {
  const committed = await db.transaction().execute(async (trx) => {
    const row = await sql<{ sequence: number }>`select sequence from content_feed_head where id = 1 for update`.execute(trx);
    const head = Number(row.rows[0]?.sequence ?? 0);
    // One clock reading per transaction: every entry of an editorial call has the same `changed_at`.
    const now = new Date();
    const writer = new FeedWriter(trx, head, now);
    const result = await fn(writer);
    await writer.flush();
    return { result, sequences: writer.sequences, head: writer.head };
  });
  // Committed: this process's cached heads may move now (never earlier, see feed-head-cache.ts).
  heads?.advance(committed.head);
  return committed;
}

/** The committed head: every feed entry with a sequence at or below it is visible. */
export async function readFeedHead(db: ContentDb): Promise<{ head: number; retentionFloor: number }> {
  const row = await db.selectFrom('content_feed_head').select(['sequence', 'retention_floor']).where('id', '=', 1).executeTakeFirstOrThrow();
  return { head: Number(row.sequence), retentionFloor: Number(row.retention_floor) };
}
