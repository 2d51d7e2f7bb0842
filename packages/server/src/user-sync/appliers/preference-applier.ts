import { isDeepStrictEqual } from 'node:util';
import { preferencePayload, type PreferenceRow } from '../resource-payloads.js';
import type { ApplierContext } from '../write-engine/applier-context.js';
import type { AppliedResource } from './applied-resource.js';

/**
 * PREFERENCE writes: one resource per group, identified by the group name. A sync write replaces the
 * group's value; the direct endpoints merge keys into it.
 */
const applied = (row: PreferenceRow, timestamp: number): AppliedResource<PreferenceRow> => ({
  resourceId: row.group_name,
  row,
  data: preferencePayload(row),
  timestamp,
});

export async function preferenceByGroup(ctx: ApplierContext, group: string): Promise<PreferenceRow | undefined> {
  return (await ctx.db()).selectFrom('user_preferences').selectAll().where('user_id', '=', ctx.userId).where('group_name', '=', group).executeTakeFirst();
}

export async function setPreference(
  ctx: ApplierContext,
  group: string,
  value: Record<string, unknown>,
  mode: 'replace' | 'merge',
): Promise<AppliedResource<PreferenceRow>> {
  const row = await preferenceByGroup(ctx, group);
  const live = row && row.deleted_at === null;
  const nextValue = mode === 'merge' && live ? { ...row.value, ...value } : value;
  if (live && isDeepStrictEqual(row.value, nextValue)) return applied(row, await ctx.latestTimestamp('PREFERENCE', group));
  const timestamp = ctx.record('PREFERENCE', group, live ? 'update' : 'create');
  const now = new Date(timestamp);
  const stored = row
    ? await (await ctx.db())
        .updateTable('user_preferences')
        .set({ value: JSON.stringify(nextValue), updated_at: now, deleted_at: null, ...(live ? {} : { created_at: now }) })
        .where('user_id', '=', ctx.userId)
        .where('group_name', '=', group)
        .returningAll()
        .executeTakeFirstOrThrow()
    : await (await ctx.db())
        .insertInto('user_preferences')
        .values({ user_id: ctx.userId, group_name: group, value: JSON.stringify(nextValue), created_at: now, updated_at: now, deleted_at: null })
        .returningAll()
        .executeTakeFirstOrThrow();
  return applied(stored, timestamp);
}

/**
 * DELETE of a group: a group never set, or already deleted, is a no-op. A group has no id but its name, so
 * one never set (or purged) is acked with `{group, value: {}}`, which tells a client what it names, at the
 * group's latest timestamp if it has one left, else the current head.
 */
export async function deletePreference(ctx: ApplierContext, group: string): Promise<AppliedResource<PreferenceRow | null>> {
  const row = await preferenceByGroup(ctx, group);
  if (!row) return { resourceId: group, row: null, data: { group, value: {} }, timestamp: await ctx.latestTimestamp('PREFERENCE', group) };
  if (row.deleted_at !== null) return applied(row, await ctx.latestTimestamp('PREFERENCE', group));
  const timestamp = ctx.record('PREFERENCE', group, 'delete');
  const deleted = await (await ctx.db())
    .updateTable('user_preferences')
    .set({ deleted_at: new Date(timestamp), updated_at: new Date(timestamp) })
    .where('user_id', '=', ctx.userId)
    .where('group_name', '=', group)
    .returningAll()
    .executeTakeFirstOrThrow();
  return applied(deleted, timestamp);
}
