import type { UserResource } from '@quran-sync/protocol';
import type { UserWriteContext } from './user-write-context.js';

/** What a mutation did to a resource: brought it (back) into existence, changed it, or deleted it. */
export type ChangeKind = 'create' | 'update' | 'delete';

/**
 * Records one mutation in the compacted change index and returns its timestamp.
 *
 * The index keeps one row per resource holding its latest timestamp, so a pull costs what the result holds,
 * not what the history holds. When a resource changes again, the timestamp it leaves behind is written to
 * `user_change_gaps`: pages are offsets into "entries after mutationsSince, by timestamp", and without the
 * gap every later entry would slide one position left between two page requests and one of them would be
 * skipped. With it, positions only ever get appended, so a client paging through while other devices write
 * sees each entry at least once. Gaps are purged once no pagination can still be running (minutes).
 */
export async function recordChange(ctx: UserWriteContext, resource: UserResource, resourceId: string, kind: ChangeKind): Promise<number> {
  const timestamp = ctx.nextTimestamp();
  const { trx, userId } = ctx;
  const previous = await trx
    .selectFrom('user_changes')
    .select(['timestamp', 'created_ts'])
    .where('user_id', '=', userId)
    .where('resource', '=', resource)
    .where('resource_id', '=', resourceId)
    .executeTakeFirst();
  if (!previous) {
    await trx
      .insertInto('user_changes')
      .values({ user_id: userId, resource, resource_id: resourceId, timestamp, created_ts: timestamp, deleted: kind === 'delete' })
      .execute();
    return timestamp;
  }
  await trx
    .insertInto('user_change_gaps')
    .values({ user_id: userId, timestamp: previous.timestamp, resource, resource_id: resourceId, vacated_at: Date.now() })
    .onConflict((oc) => oc.columns(['user_id', 'timestamp']).doNothing())
    .execute();
  await trx
    .updateTable('user_changes')
    .set({ timestamp, deleted: kind === 'delete', created_ts: kind === 'create' ? timestamp : previous.created_ts })
    .where('user_id', '=', userId)
    .where('resource', '=', resource)
    .where('resource_id', '=', resourceId)
    .execute();
  return timestamp;
}

/** Timestamp of a resource's latest mutation (for acks of writes that changed nothing); head when unknown. */
export async function latestChangeTimestamp(ctx: UserWriteContext, resource: UserResource, resourceId: string): Promise<number> {
  const row = await ctx.trx
    .selectFrom('user_changes')
    .select('timestamp')
    .where('user_id', '=', ctx.userId)
    .where('resource', '=', resource)
    .where('resource_id', '=', resourceId)
    .executeTakeFirst();
  return row ? row.timestamp : ctx.head();
}
