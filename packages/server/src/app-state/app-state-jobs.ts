import type { FastifyBaseLogger } from 'fastify';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { periodicJob } from '../lifecycle/periodic-job.js';
import type { Service } from '../lifecycle/service-lifecycle.js';
import type { AppStateConfig } from './app-state-config.js';
import { APP_STATE_IDEMPOTENCY_TTL_MS } from './app-state-store.js';

/**
 * Upkeep of App State: tombstones older than the change retention, and idempotency outcomes past their TTL.
 *
 * Pruning a namespace's tombstones raises its feed floor to the highest sequence pruned (a sync token below it
 * answers 410 `sync_token_expired`: the client bootstraps again) and records the highest version pruned, so a
 * re-created key gets a version above its forgotten tombstone and clients holding it accept the new document.
 * Each namespace is pruned in a transaction that locks its head first, as writes do, so the two never deadlock.
 */
const PURGE_INTERVAL_MS = 60 * 1000;
/** Namespaces pruned per run; the rest wait for the next one. */
const NAMESPACES_PER_RUN = 500;

export interface AppStatePurgeResult {
  tombstones: number;
  idempotencyKeys: number;
}

export async function purgeAppState(db: Kysely<Database>, options: { now: number; changeRetentionDays: number }): Promise<AppStatePurgeResult> {
  const cutoff = options.now - options.changeRetentionDays * 86_400_000;
  const namespaces = await db
    .selectFrom('app_state_documents')
    .select(['user_id', 'namespace'])
    .distinct()
    .where('deleted', '=', true)
    .where('updated_at', '<', cutoff)
    .limit(NAMESPACES_PER_RUN)
    .execute();
  let tombstones = 0;
  for (const ns of namespaces) {
    tombstones += await db.transaction().execute(async (trx) => {
      await trx.selectFrom('app_state_heads').select('seq').where('user_id', '=', ns.user_id).where('namespace', '=', ns.namespace).forUpdate().execute();
      const pruned = await trx
        .deleteFrom('app_state_documents')
        .where('user_id', '=', ns.user_id)
        .where('namespace', '=', ns.namespace)
        .where('deleted', '=', true)
        .where('updated_at', '<', cutoff)
        .returning(['seq', 'version'])
        .execute();
      if (pruned.length === 0) return 0;
      const floor = Math.max(...pruned.map((r) => Number(r.seq)));
      const version = Math.max(...pruned.map((r) => Number(r.version)));
      await trx
        .updateTable('app_state_heads')
        .set((eb) => ({
          floor: eb.fn('greatest', [eb.ref('floor'), eb.val(floor)]),
          pruned_version: eb.fn('greatest', [eb.ref('pruned_version'), eb.val(version)]),
        }))
        .where('user_id', '=', ns.user_id)
        .where('namespace', '=', ns.namespace)
        .execute();
      return pruned.length;
    });
  }
  const idempotency = await db
    .deleteFrom('app_state_idempotency')
    .where('created_at', '<', options.now - APP_STATE_IDEMPOTENCY_TTL_MS)
    .executeTakeFirst();
  return { tombstones, idempotencyKeys: Number(idempotency.numDeletedRows) };
}

/** {@link purgeAppState} every minute, as a periodic job of the app. */
export function appStatePurgeJob(ctx: {
  readonly db: Kysely<Database>;
  readonly config: { readonly appState: AppStateConfig };
  readonly log: FastifyBaseLogger;
}): Service {
  return periodicJob({
    name: 'app state purge',
    intervalMs: PURGE_INTERVAL_MS,
    run: () => purgeAppState(ctx.db, { now: Date.now(), changeRetentionDays: ctx.config.appState.limits.changeRetentionDays }),
    describe: (result) => {
      const purged = result as { tombstones: number; idempotencyKeys: number };
      return purged.tombstones + purged.idempotencyKeys > 0 ? { purged } : null;
    },
    log: ctx.log,
  });
}
