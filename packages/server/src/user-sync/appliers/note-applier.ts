import { noteRangeBounds, type NoteInput } from '@quran-sync/protocol';
import { ApplyError, unknownResource } from '../apply-error.js';
import { notePayload, type NoteRow } from '../resource-payloads.js';
import type { ApplierContext } from '../write-engine/applier-context.js';
import { clientTime, noRowAck, type AppliedResource, type GonePolicy } from './applied-resource.js';
import { reviseRow, tombstoneRow } from './row-revision.js';

/** NOTE writes. Notes have no natural key: a CREATE without `resourceId` always makes a new note. */
const applied = (row: NoteRow, timestamp: number): AppliedResource<NoteRow> => ({ resourceId: row.id, row, data: notePayload(row), timestamp });

export async function noteById(ctx: ApplierContext, id: string): Promise<NoteRow | undefined> {
  if (ctx.known.isAbsent('user_notes', id)) return undefined;
  return (await ctx.db()).selectFrom('user_notes').selectAll().where('user_id', '=', ctx.userId).where('id', '=', id).executeTakeFirst();
}

async function noteIdTaken(ctx: ApplierContext, id: string): Promise<boolean> {
  if (ctx.known.isAbsent('user_notes', id)) return false;
  const row = await (await ctx.db()).selectFrom('user_notes').select('user_id').where('id', '=', id).executeTakeFirst();
  return row !== undefined && row.user_id !== ctx.userId;
}

/** CREATE (with `resourceId`: an upsert of that note) and UPDATE (an upsert too). */
export async function upsertNote(ctx: ApplierContext, id: string | null, input: NoteInput): Promise<AppliedResource<NoteRow>> {
  const row = id ? await noteById(ctx, id) : undefined;
  if (!row) {
    if (id && (await noteIdTaken(ctx, id))) throw unknownResource();
    if (input.body === undefined) throw new ApplyError('missing-field', 'body');
    if (input.ranges === undefined) throw new ApplyError('missing-field', 'ranges');
    const noteId = id ?? ctx.mintId();
    const timestamp = ctx.record('NOTE', noteId, 'create');
    const now = new Date(timestamp);
    // Deferred and batched with the write's other inserts; the row is what the database would return
    // (jsonb columns parsed, hence the JSON round trip).
    const inserted: NoteRow = {
      id: noteId,
      user_id: ctx.userId,
      body: input.body,
      ranges: JSON.parse(JSON.stringify(input.ranges)) as NoteRow['ranges'],
      save_to_qr: input.saveToQR ?? false,
      attached_entities: JSON.parse(JSON.stringify(input.attachedEntities ?? [])) as NoteRow['attached_entities'],
      client_created_at: clientTime(input.clientCreatedAt, null),
      client_updated_at: clientTime(input.clientUpdatedAt, null),
      created_at: now,
      updated_at: now,
      deleted_at: null,
    };
    ctx.insert('user_notes', inserted);
    // A new note has no range rows to replace.
    deferRanges(ctx, noteId, input.ranges);
    return applied(inserted, timestamp);
  }
  const next = {
    body: input.body ?? row.body,
    ranges: input.ranges ?? row.ranges,
    save_to_qr: input.saveToQR ?? row.save_to_qr,
    attached_entities: input.attachedEntities ?? row.attached_entities,
    client_created_at: clientTime(input.clientCreatedAt, row.client_created_at),
    client_updated_at: clientTime(input.clientUpdatedAt, row.client_updated_at),
  };
  const rangesChanged = JSON.stringify(next.ranges) !== JSON.stringify(row.ranges);
  // jsonb columns take JSON text in an UPDATE.
  const encode = (fields: Record<string, unknown>) => ({
    ...fields,
    ranges: JSON.stringify(fields.ranges),
    attached_entities: JSON.stringify(fields.attached_entities),
  });
  const revision = await reviseRow(ctx, { table: 'user_notes', resource: 'NOTE', row }, next, { encode });
  if (revision.changed && (rangesChanged || revision.revived)) await writeRanges(ctx, row.id, next.ranges);
  return applied(revision.row, revision.timestamp);
}

/** DELETE (again: no-op); an id this user has no note of is refused or acknowledged per `gone`. */
export async function deleteNote(ctx: ApplierContext, id: string, gone: GonePolicy = 'refuse'): Promise<AppliedResource<NoteRow | null>> {
  const row = await noteById(ctx, id);
  if (!row) return noRowAck(ctx, gone, 'NOTE', id);
  const deletion = await tombstoneRow(ctx, { table: 'user_notes', resource: 'NOTE', row });
  if (deletion.changed) await (await ctx.db()).deleteFrom('user_note_ranges').where('note_id', '=', row.id).execute();
  return applied(deletion.row, deletion.timestamp);
}

/** Replaces a live note's range index rows. */
async function writeRanges(ctx: ApplierContext, noteId: string, ranges: readonly string[]): Promise<void> {
  await (await ctx.db()).deleteFrom('user_note_ranges').where('note_id', '=', noteId).execute();
  deferRanges(ctx, noteId, ranges);
}

function deferRanges(ctx: ApplierContext, noteId: string, ranges: readonly string[]): void {
  for (const range of ranges) {
    const [from, to] = noteRangeBounds(range);
    ctx.insert('user_note_ranges', { note_id: noteId, user_id: ctx.userId, from_verse: from, to_verse: to });
  }
}
