import type { Kysely } from 'kysely';
import type { AppContext } from '../app-context.js';
import type { Database } from '../db/schema.js';

/**
 * Background upkeep of user data, started once per app (`startUserSyncJobs` in app.ts) and stopped on close:
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
  const gaps = count(await db.deleteFrom('user_change_gaps').where('vacated_at', '<', options.now - PAGE_STABILITY_WINDOW_MS).execute());
  const idempotencyKeys = count(await db.deleteFrom('user_idempotency_keys').where('created_at', '<', options.now - options.idempotencyTtlMs).execute());
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

export function startUserSyncJobs(ctx: AppContext): void {
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    purgeUserSyncData(ctx.db, { now: Date.now(), idempotencyTtlMs: ctx.config.userSync.idempotencyTtlMs, tombstoneRetentionDays: ctx.config.userSync.tombstoneRetentionDays })
      .then((result) => {
        if (result.gaps + result.idempotencyKeys + result.tombstones > 0) ctx.log.debug({ purged: result }, 'user sync purge');
      })
      .catch((error: unknown) => ctx.log.warn({ err: error }, 'user sync purge failed'))
      .finally(() => {
        running = false;
      });
  }, PURGE_INTERVAL_MS);
  timer.unref();
  ctx.onClose(() => clearInterval(timer));
}
