import type { Kysely, Migration } from 'kysely';
import { runStatements } from '../run-statements.js';

/**
 * Every committed change of `content_feed_head` (a new head, a raised retention floor) is announced with
 * `NOTIFY qs_content_head, '<schema> <sequence> <retention_floor>'`. PostgreSQL delivers notifications only
 * after the transaction commits, in commit order, so a listener never learns of a head that is not yet
 * visible: the in-memory head of each server process (`content-sync/feed-head-cache.ts`) can follow the
 * committed head without reading it per request. A trigger rather than code in the feed writer, so every
 * writer (compaction, CLI, another server process, a manual fix in psql) is covered. The schema is in the
 * payload because channels are per database and several schemas (test runs) may share one.
 */
export const contentHeadNotifyMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await runStatements(db, [
      `create or replace function content_feed_head_notify() returns trigger language plpgsql as $$
        begin
          perform pg_notify('qs_content_head', tg_table_schema || ' ' || new.sequence || ' ' || new.retention_floor);
          return null;
        end $$`,
      `create trigger content_feed_head_notify after insert or update on content_feed_head
        for each row execute function content_feed_head_notify()`,
    ]);
  },
};
