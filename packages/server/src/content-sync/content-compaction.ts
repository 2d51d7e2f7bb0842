import { sql } from 'kysely';
import { SUPERSEDING_MUTATION_TYPES, type CompactionResult } from '@quran-sync/protocol';
import type { AppContext } from '../app-context.js';
import type { ContentDb } from './content-db.js';
import { readFeedHead } from './content-feed-writer.js';
import { CURSOR_TTL_SECONDS } from './content-sync-service.js';
import { periodicJob } from '../lifecycle/periodic-job.js';
import type { Service } from '../lifecycle/service-lifecycle.js';

export interface CompactionOptions {
  readonly retentionDays: number;
  /** Entries are only dropped for a superseding entry older than this (the cursor lifetime). */
  readonly graceSeconds?: number;
  readonly now?: Date;
}

/**
 * Physical compaction and retention of the feed (content-sync.md, invariant 4).
 *
 * 1. Superseded entries: a row change followed by a later change of the same row, and any entry followed by
 *    a later `RESOURCE_CREATE`/`INVALIDATE`/`DELETE` of its resource — the same rules the sync query applies
 *    inside a window, so an incremental run from any token answers the same before and after compaction.
 *    Only superseding entries older than the cursor lifetime count: a run in flight is pinned to an `until`
 *    taken when its cursor was issued, and a superseding entry older than every live cursor is at or below
 *    every live `until`, so no page of a running run loses an entry its window still needs.
 * 2. Expired entries (older than the retention horizon) are removed and the retention floor raised to the
 *    largest removed sequence. Tokens older than the horizon are refused by age (410), and a token younger
 *    than the horizon checkpoints above every expired entry, so the floor check is a second line of defence.
 */
export async function compactContentFeed(db: ContentDb, options: CompactionOptions): Promise<CompactionResult> {
  const now = options.now ?? new Date();
  const cutoff = new Date(now.getTime() - (options.graceSeconds ?? CURSOR_TTL_SECONDS) * 1000);
  const horizon = new Date(now.getTime() - options.retentionDays * 86_400_000);
  const superseding = sql.join(SUPERSEDING_MUTATION_TYPES.map((t) => sql`${t}`));

  const rowsRemoved = await sql<{ n: number }>`
    with d as (
      delete from content_feed f
      where f.record_type is not null and exists (
        select 1 from content_feed g
        where g.resource_group = f.resource_group and g.resource_id = f.resource_id
          and g.record_type = f.record_type and g.record_key = f.record_key
          and g.sequence > f.sequence and g.changed_at <= ${cutoff})
      returning 1)
    select count(*)::int as n from d`.execute(db);
  const resourceRemoved = await sql<{ n: number }>`
    with d as (
      delete from content_feed f
      where exists (
        select 1 from content_feed h
        where h.resource_group = f.resource_group and h.resource_id = f.resource_id and h.record_type is null
          and h.type in (${superseding}) and h.sequence > f.sequence and h.changed_at <= ${cutoff})
      returning 1)
    select count(*)::int as n from d`.execute(db);
  const expired = await sql<{ n: number; max: number | null }>`
    with d as (delete from content_feed where changed_at < ${horizon} returning sequence)
    select count(*)::int as n, max(sequence) as max from d`.execute(db);
  const maxExpired = expired.rows[0]?.max;
  if (maxExpired !== null && maxExpired !== undefined) {
    await sql`update content_feed_head set retention_floor = greatest(retention_floor, ${Number(maxExpired)}) where id = 1`.execute(db);
  }
  const { head, retentionFloor } = await readFeedHead(db);
  return {
    superseded_removed: Number(rowsRemoved.rows[0]?.n ?? 0) + Number(resourceRemoved.rows[0]?.n ?? 0),
    expired_removed: Number(expired.rows[0]?.n ?? 0),
    retention_floor: retentionFloor,
    head,
  };
}

/** The periodic compaction job (`config.content.compactionIntervalMs`, 0 = off). */
export function contentCompactionJob(ctx: Pick<AppContext, 'db' | 'config' | 'log'>): Service {
  return periodicJob({
    name: 'content feed compaction',
    intervalMs: ctx.config.content.compactionIntervalMs,
    run: async () => {
      const result = await compactContentFeed(ctx.db, { retentionDays: ctx.config.content.retentionDays });
      ctx.log.info({ compaction: result }, 'content feed compacted');
    },
    log: ctx.log,
  });
}
