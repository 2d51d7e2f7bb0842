import { newResourceId, noteRangeBounds, type NoteInput } from '@quran-sync/protocol';
import { ApplyError, unknownResource } from '../apply-error.js';
import { latestChangeTimestamp, recordChange } from '../change-index.js';
import { notePayload, type NoteRow } from '../resource-payloads.js';
import type { UserWriteContext } from '../user-write-context.js';
import { clientTime, sameTime, type AppliedResource } from './applied-resource.js';

/** NOTE writes. Notes have no natural key: a CREATE without `resourceId` always makes a new note. */
const applied = (row: NoteRow, timestamp: number): AppliedResource<NoteRow> => ({ resourceId: row.id, row, data: notePayload(row), timestamp });

export async function noteById(ctx: UserWriteContext, id: string): Promise<NoteRow | undefined> {
  return ctx.trx.selectFrom('user_notes').selectAll().where('user_id', '=', ctx.userId).where('id', '=', id).executeTakeFirst();
}

async function noteIdTaken(ctx: UserWriteContext, id: string): Promise<boolean> {
  const row = await ctx.trx.selectFrom('user_notes').select('user_id').where('id', '=', id).executeTakeFirst();
  return row !== undefined && row.user_id !== ctx.userId;
}

/** CREATE (with `resourceId`: an upsert of that note) and UPDATE (an upsert too). */
export async function upsertNote(ctx: UserWriteContext, id: string | null, input: NoteInput): Promise<AppliedResource<NoteRow>> {
  const row = id ? await noteById(ctx, id) : undefined;
  if (!row) {
    if (id && (await noteIdTaken(ctx, id))) throw unknownResource();
    if (input.body === undefined) throw new ApplyError('missing-field', 'body');
    if (input.ranges === undefined) throw new ApplyError('missing-field', 'ranges');
    const noteId = id ?? newResourceId();
    const timestamp = await recordChange(ctx, 'NOTE', noteId, 'create');
    const now = new Date(timestamp);
    const inserted = await ctx.trx
      .insertInto('user_notes')
      .values({
        id: noteId,
        user_id: ctx.userId,
        body: input.body,
        ranges: JSON.stringify(input.ranges),
        save_to_qr: input.saveToQR ?? false,
        attached_entities: JSON.stringify(input.attachedEntities ?? []),
        client_created_at: clientTime(input.clientCreatedAt, null),
        client_updated_at: clientTime(input.clientUpdatedAt, null),
        created_at: now,
        updated_at: now,
        deleted_at: null,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    await writeRanges(ctx, noteId, input.ranges);
    return applied(inserted, timestamp);
  }
  const revived = row.deleted_at !== null;
  const next = {
    body: input.body ?? row.body,
    ranges: input.ranges ?? row.ranges,
    save_to_qr: input.saveToQR ?? row.save_to_qr,
    attached_entities: input.attachedEntities ?? row.attached_entities,
    client_created_at: clientTime(input.clientCreatedAt, row.client_created_at),
    client_updated_at: clientTime(input.clientUpdatedAt, row.client_updated_at),
  };
  const rangesChanged = JSON.stringify(next.ranges) !== JSON.stringify(row.ranges);
  const changed =
    revived ||
    next.body !== row.body ||
    rangesChanged ||
    next.save_to_qr !== row.save_to_qr ||
    JSON.stringify(next.attached_entities) !== JSON.stringify(row.attached_entities) ||
    !sameTime(next.client_created_at, row.client_created_at) ||
    !sameTime(next.client_updated_at, row.client_updated_at);
  if (!changed) return applied(row, await latestChangeTimestamp(ctx, 'NOTE', row.id));
  const timestamp = await recordChange(ctx, 'NOTE', row.id, revived ? 'create' : 'update');
  const updated = await ctx.trx
    .updateTable('user_notes')
    .set({
      ...next,
      ranges: JSON.stringify(next.ranges),
      attached_entities: JSON.stringify(next.attached_entities),
      updated_at: new Date(timestamp),
      deleted_at: null,
      ...(revived ? { created_at: new Date(timestamp) } : {}),
    })
    .where('id', '=', row.id)
    .returningAll()
    .executeTakeFirstOrThrow();
  if (rangesChanged || revived) await writeRanges(ctx, row.id, next.ranges);
  return applied(updated, timestamp);
}

export async function deleteNote(ctx: UserWriteContext, id: string): Promise<AppliedResource<NoteRow>> {
  const row = await noteById(ctx, id);
  if (!row) throw unknownResource();
  if (row.deleted_at !== null) return applied(row, await latestChangeTimestamp(ctx, 'NOTE', row.id));
  const timestamp = await recordChange(ctx, 'NOTE', row.id, 'delete');
  const deleted = await ctx.trx
    .updateTable('user_notes')
    .set({ deleted_at: new Date(timestamp), updated_at: new Date(timestamp) })
    .where('id', '=', row.id)
    .returningAll()
    .executeTakeFirstOrThrow();
  await ctx.trx.deleteFrom('user_note_ranges').where('note_id', '=', row.id).execute();
  return applied(deleted, timestamp);
}

/** Replaces a live note's range index rows. */
async function writeRanges(ctx: UserWriteContext, noteId: string, ranges: readonly string[]): Promise<void> {
  await ctx.trx.deleteFrom('user_note_ranges').where('note_id', '=', noteId).execute();
  if (ranges.length === 0) return;
  await ctx.trx
    .insertInto('user_note_ranges')
    .values(
      ranges.map((range) => {
        const [from, to] = noteRangeBounds(range);
        return { note_id: noteId, user_id: ctx.userId, from_verse: from, to_verse: to };
      }),
    )
    .execute();
}
