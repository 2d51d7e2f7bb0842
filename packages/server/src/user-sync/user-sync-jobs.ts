import type { Kysely } from 'kysely';
import type { AppContext } from '../app-context.js';
import type { Database } from '../db/schema.js';
import { periodicJob } from '../lifecycle/periodic-job.js';
import type { Service } from '../lifecycle/service-lifecycle.js';

/**
 * Background upkeep of user data, a periodic job of each app (`userSyncPurgeJob`):
 * vacated index positions past the page-stability window, idempotency outcomes past their TTL, and — only
 * when `QS_TOMBSTONE_RETENTION_DAYS` is set — tombstones older than the retention.
 */
export const PAGE_STABILITY_WINDOW_MS = 15 * 60 * 1000;
const PURGE_INTERVAL_MS = 60 * 1000;

export interface PurgeOptions {
  readonly now: number;
  readonly idempotencyTtlMs: number;
  readonly tombstoneRetentionDays: number | null;
}

export interface PurgeResult {
  gaps: number;
  idempotencyKeys: number;
  tombstones: number;
}

export async function purgeUserSyncData(db: Kysely<Database>, options: PurgeOptions): Promise<PurgeResult> {
  const count = (result: { numDeletedRows: bigint }[]): number => result.reduce((n, r) => n + Number(r.numDeletedRows), 0);
  const gaps = count(
    await db
      .deleteFrom('user_change_gaps')
      .where('vacated_at', '<', options.now - PAGE_STABILITY_WINDOW_MS)
      .execute(),
  );
  const idempotencyKeys = count(
    await db
      .deleteFrom('user_idempotency_keys')
      .where('created_at', '<', options.now - options.idempotencyTtlMs)
      .execute(),
  );
  let tombstones = 0;
  if (options.tombstoneRetentionDays !== null) {
    const cutoffMs = options.now - options.tombstoneRetentionDays * 86_400_000;
    const cutoff = new Date(cutoffMs);
    // Clients offline for longer than the retention keep what was deleted meanwhile (docs/user-sync.md).
    tombstones += count(await db.deleteFrom('user_changes').where('deleted', '=', true).where('timestamp', '<', cutoffMs).execute());
    tombstones += count(await db.deleteFrom('user_collection_bookmarks').where('deleted_at', '<', cutoff).execute());
    tombstones += count(await db.deleteFrom('user_bookmarks').where('deleted_at', '<', cutoff).execute());
    tombstones += count(await db.deleteFrom('user_collections').where('deleted_at', '<', cutoff).execute());
    tombstones += count(await db.deleteFrom('user_notes').where('deleted_at', '<', cutoff).execute());
    tombstones += count(await db.deleteFrom('user_reading_sessions').where('deleted_at', '<', cutoff).execute());
    tombstones += count(await db.deleteFrom('user_preferences').where('deleted_at', '<', cutoff).execute());
  }
  return { gaps, idempotencyKeys, tombstones };
}

/** The periodic purge of user data (every minute). */
export function userSyncPurgeJob(ctx: Pick<AppContext, 'db' | 'config' | 'log'>): Service {
  return periodicJob({
    name: 'user data purge',
    intervalMs: PURGE_INTERVAL_MS,
    run: () =>
      purgeUserSyncData(ctx.db, {
        now: Date.now(),
        idempotencyTtlMs: ctx.config.userSync.idempotencyTtlMs,
        tombstoneRetentionDays: ctx.config.userSync.tombstoneRetentionDays,
      }),
    describe: (result) => {
      const purged = result as PurgeResult;
      return purged.gaps + purged.idempotencyKeys + purged.tombstones > 0 ? { purged } : null;
    },
    log: ctx.log,
  });
}
