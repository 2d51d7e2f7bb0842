import type { UserResource } from '@quran-sync/protocol';
import type { Selectable, Updateable } from 'kysely';
import type { Database } from '../../db/schema.js';
import type { ApplierContext } from '../write-engine/applier-context.js';

/** Resource tables keyed by `id` whose rows are revised in place and deleted as tombstones. */
export type RevisableTable = 'user_bookmarks' | 'user_collections' | 'user_notes' | 'user_reading_sessions';

type Row<T extends RevisableTable> = Selectable<Database[T]>;
/** Columns a write sets, by name (values as the row holds them; `encode` adapts them to the UPDATE). */
type Fields<T extends RevisableTable> = { readonly [K in keyof Row<T>]?: unknown };

export interface Revision<T extends RevisableTable> {
  /** The row as it now is (the stored one when nothing changed). */
  readonly row: Row<T>;
  /** The mutation's timestamp, or the resource's latest one when nothing changed. */
  readonly timestamp: number;
  readonly changed: boolean;
  /** The row was a tombstone and is live again (a `create` mutation). */
  readonly revived: boolean;
}

/**
 * The one shape of an update: compare the fields a write sets with the stored row; if nothing differs (and
 * the row is live), nothing is recorded and the ack carries the resource's latest timestamp; otherwise one
 * mutation is recorded — `create` when a tombstone comes back, else `update` — and the row is updated with
 * the new fields, its `updated_at` (and, when revived, `created_at`) at the mutation's timestamp.
 *
 * `beforeRecord` runs only when something changes, before the mutation is stamped: for checks that may still
 * refuse the write, and side effects that must come first (their mutations are then stamped earlier).
 * `encode` turns the new fields into column values where they differ (jsonb columns take JSON text).
 */
export async function reviseRow<T extends RevisableTable>(
  ctx: ApplierContext,
  target: { readonly table: T; readonly resource: UserResource; readonly row: Row<T> },
  next: Fields<T>,
  options: { beforeRecord?: () => Promise<void>; encode?: (next: Fields<T>) => Record<string, unknown> } = {},
): Promise<Revision<T>> {
  const { table, resource, row } = target;
  const stored = row as Record<string, unknown>;
  const id = stored.id as string;
  const revived = stored.deleted_at !== null;
  const changed = revived || Object.entries(next).some(([column, value]) => !sameColumnValue(value, stored[column]));
  if (!changed) return { row, timestamp: await ctx.latestTimestamp(resource, id), changed: false, revived: false };
  await options.beforeRecord?.();
  const timestamp = ctx.record(resource, id, revived ? 'create' : 'update');
  const at = new Date(timestamp);
  const values = { ...(options.encode ? options.encode(next) : next), updated_at: at, deleted_at: null, ...(revived ? { created_at: at } : {}) };
  const updated = await updateById(ctx, table, id, values);
  return { row: updated, timestamp, changed: true, revived };
}

/**
 * The one shape of a delete: a tombstone stays as it is (acked at its latest timestamp); a live row gets one
 * `delete` mutation and its `deleted_at`/`updated_at` at that timestamp, plus `also` (columns a deletion
 * resets). `beforeRecord` runs first, for the consequences recorded before the deletion (links of a deleted
 * bookmark or collection).
 */
export async function tombstoneRow<T extends RevisableTable>(
  ctx: ApplierContext,
  target: { readonly table: T; readonly resource: UserResource; readonly row: Row<T> },
  options: { beforeRecord?: () => Promise<void>; also?: Partial<Row<T>> } = {},
): Promise<Omit<Revision<T>, 'revived'>> {
  const { table, resource, row } = target;
  const stored = row as Record<string, unknown>;
  const id = stored.id as string;
  if (stored.deleted_at !== null) return { row, timestamp: await ctx.latestTimestamp(resource, id), changed: false };
  await options.beforeRecord?.();
  const timestamp = ctx.record(resource, id, 'delete');
  const at = new Date(timestamp);
  const deleted = await updateById(ctx, table, id, { ...options.also, deleted_at: at, updated_at: at });
  return { row: deleted, timestamp, changed: true };
}

async function updateById<T extends RevisableTable>(ctx: ApplierContext, table: T, id: string, values: Record<string, unknown>): Promise<Row<T>> {
  // One table type stands for the four: they share `id`, `user_id` and the timestamps this sets.
  return (await (
    await ctx.db()
  )
    .updateTable(table as 'user_bookmarks')
    .set(values as Updateable<Database['user_bookmarks']>)
    .where('id', '=', id)
    .where('user_id', '=', ctx.userId)
    .returningAll()
    .executeTakeFirstOrThrow()) as unknown as Row<T>;
}

/** Column equality as a write means it: instants by time, JSON values by content, the rest strictly. */
function sameColumnValue(a: unknown, b: unknown): boolean {
  if (a instanceof Date || b instanceof Date) return (a instanceof Date ? a.getTime() : (a ?? null)) === (b instanceof Date ? b.getTime() : (b ?? null));
  if (a !== null && b !== null && typeof a === 'object' && typeof b === 'object') return JSON.stringify(a) === JSON.stringify(b);
  return a === b;
}
