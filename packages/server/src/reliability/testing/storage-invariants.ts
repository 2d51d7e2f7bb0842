import { sql, type Kysely } from 'kysely';
import { SUPERSEDING_MUTATION_TYPES } from '@quran-sync/protocol';
import type { Database } from '../../db/schema.js';

/**
 * Invariants of what is stored, checked straight on the database after a crash (the server is dead, its
 * data directory or schema is opened by the test): what a client would otherwise only notice much later.
 */
export interface ContentFeedReport {
  readonly head: number;
  readonly maxSequence: number | null;
  /** Feed entries above the committed head: written without moving the head (a hole-in-waiting). */
  readonly aboveHead: readonly number[];
  /** Sequences in 1..head with no feed entry (only allowed where compaction removed a superseded entry). */
  readonly missing: readonly number[];
  /** Resources whose `last_sequence` is above the head or names no feed entry. */
  readonly badLastSequence: readonly string[];
}

export async function contentFeedReport(db: Kysely<Database>): Promise<ContentFeedReport> {
  const head = Number((await db.selectFrom('content_feed_head').select('sequence').where('id', '=', 1).executeTakeFirstOrThrow()).sequence);
  const sequences = (await db.selectFrom('content_feed').select('sequence').orderBy('sequence').execute()).map((r) => Number(r.sequence));
  const present = new Set(sequences);
  const missing: number[] = [];
  for (let s = 1; s <= head; s++) if (!present.has(s)) missing.push(s);
  const resources = await db.selectFrom('content_resources').select(['resource_group', 'resource_id', 'last_sequence']).execute();
  const badLastSequence = resources
    .filter((r) => Number(r.last_sequence) > head || (Number(r.last_sequence) > 0 && !present.has(Number(r.last_sequence))))
    .map((r) => `${r.resource_group}:${r.resource_id}@${r.last_sequence}`);
  return { head, maxSequence: sequences.at(-1) ?? null, aboveHead: sequences.filter((s) => s > head), missing, badLastSequence };
}

/**
 * Sequences physical compaction may remove (content-compaction.ts rules, ignoring the grace period): a row
 * change with a later change of the same row, or any entry with a later resource-level superseding entry.
 */
export async function supersededSequences(db: Kysely<Database>): Promise<Set<number>> {
  const superseding = sql.join(SUPERSEDING_MUTATION_TYPES.map((t) => sql`${t}`));
  const rows = await sql<{ sequence: number }>`
    select f.sequence from content_feed f
    where (f.record_type is not null and exists (
             select 1 from content_feed g where g.resource_group = f.resource_group and g.resource_id = f.resource_id
               and g.record_type = f.record_type and g.record_key = f.record_key and g.sequence > f.sequence))
       or exists (
             select 1 from content_feed h where h.resource_group = f.resource_group and h.resource_id = f.resource_id
               and h.record_type is null and h.type in (${superseding}) and h.sequence > f.sequence)`.execute(db);
  return new Set(rows.rows.map((r) => Number(r.sequence)));
}

/**
 * Moves every feed entry `days` into the past, so compaction's grace period no longer protects them.
 *
 * Retried on deadlock. After a kill -9 the dead server's last statements still run in their backends until
 * they notice the closed socket, and this bulk update can deadlock with one of them (compaction, an editorial
 * write): CI saw it once in the 10-kill crash test. PostgreSQL then rolls this statement back whole, so
 * running it again applies it exactly once.
 */
export async function backdateContentFeed(db: Kysely<Database>, days: number): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await sql`update content_feed set changed_at = changed_at - make_interval(days => ${days})`.execute(db);
      return;
    } catch (error) {
      if ((error as { code?: unknown }).code !== DEADLOCK_DETECTED || attempt >= 5) throw error;
      await new Promise((resolve) => setTimeout(resolve, 200 * attempt));
    }
  }
}

/** SQLSTATE deadlock_detected. */
const DEADLOCK_DETECTED = '40P01';

/** Users with a recorded change above their head (a write that moved data but not the head), and the count of heads. */
export async function userHeadReport(db: Kysely<Database>): Promise<{ users: number; changesAboveHead: readonly string[] }> {
  const heads = await db.selectFrom('user_heads').select(['user_id', 'head']).execute();
  const above = await sql<{ user_id: string; timestamp: number }>`
    select c.user_id, c.timestamp from user_changes c join user_heads h on h.user_id = c.user_id where c.timestamp > h.head`.execute(db);
  return { users: heads.length, changesAboveHead: above.rows.map((r) => `${r.user_id}@${r.timestamp}`) };
}
