import { isValidVerse, READING_SESSION_MERGE_WINDOW_MS, type ReadingSessionInput } from '@quran-sync/protocol';
import { ApplyError, unknownResource } from '../apply-error.js';
import { readingSessionPayload, type ReadingSessionRow } from '../resource-payloads.js';
import type { ApplierContext } from '../write-engine/applier-context.js';
import { clientTime, noRowAck, type AppliedResource, type GonePolicy } from './applied-resource.js';
import { reviseRow, tombstoneRow } from './row-revision.js';

/** READING_SESSION writes: natural-key create by position; the direct endpoint's 20-minute merge. */
const applied = (row: ReadingSessionRow, timestamp: number): AppliedResource<ReadingSessionRow> => ({
  resourceId: row.id,
  row,
  data: readingSessionPayload(row),
  timestamp,
});

export async function sessionById(ctx: ApplierContext, id: string): Promise<ReadingSessionRow | undefined> {
  return (await ctx.db()).selectFrom('user_reading_sessions').selectAll().where('user_id', '=', ctx.userId).where('id', '=', id).executeTakeFirst();
}

async function sessionIdTaken(ctx: ApplierContext, id: string): Promise<boolean> {
  const row = await (await ctx.db()).selectFrom('user_reading_sessions').select('user_id').where('id', '=', id).executeTakeFirst();
  return row !== undefined && row.user_id !== ctx.userId;
}

/** CREATE: at a position with a live session, that session (unchanged); by `resourceId` an upsert. */
export async function createSession(ctx: ApplierContext, id: string | null, input: ReadingSessionInput): Promise<AppliedResource<ReadingSessionRow>> {
  if (id) return upsertSession(ctx, id, input);
  if (input.chapterNumber === undefined) throw new ApplyError('missing-field', 'chapterNumber');
  if (input.verseNumber === undefined) throw new ApplyError('missing-field', 'verseNumber');
  const atPosition = await (await ctx.db())
    .selectFrom('user_reading_sessions')
    .selectAll()
    .where('user_id', '=', ctx.userId)
    .where('deleted_at', 'is', null)
    .where('chapter_number', '=', input.chapterNumber)
    .where('verse_number', '=', input.verseNumber)
    .orderBy('updated_at', 'desc')
    .executeTakeFirst();
  if (atPosition) return applied(atPosition, await ctx.latestTimestamp('READING_SESSION', atPosition.id));
  return insertSession(ctx, ctx.mintId(), input.chapterNumber, input.verseNumber, input);
}

/** UPDATE (an upsert): moves the named session, or creates it under that id. */
export async function upsertSession(ctx: ApplierContext, id: string, input: ReadingSessionInput): Promise<AppliedResource<ReadingSessionRow>> {
  const row = await sessionById(ctx, id);
  if (!row) {
    if (await sessionIdTaken(ctx, id)) throw unknownResource();
    if (input.chapterNumber === undefined) throw new ApplyError('missing-field', 'chapterNumber');
    if (input.verseNumber === undefined) throw new ApplyError('missing-field', 'verseNumber');
    return insertSession(ctx, id, input.chapterNumber, input.verseNumber, input);
  }
  return writeSession(ctx, row, input);
}

async function writeSession(ctx: ApplierContext, row: ReadingSessionRow, input: ReadingSessionInput): Promise<AppliedResource<ReadingSessionRow>> {
  const next = {
    chapter_number: input.chapterNumber ?? row.chapter_number,
    verse_number: input.verseNumber ?? row.verse_number,
    client_created_at: clientTime(input.clientCreatedAt, row.client_created_at),
    client_updated_at: clientTime(input.clientUpdatedAt, row.client_updated_at),
  };
  if (!isValidVerse(next.chapter_number, next.verse_number)) throw new ApplyError('invalid-field', 'verseNumber');
  const revision = await reviseRow(ctx, { table: 'user_reading_sessions', resource: 'READING_SESSION', row }, next);
  return applied(revision.row, revision.timestamp);
}

async function insertSession(
  ctx: ApplierContext,
  id: string,
  chapter: number,
  verse: number,
  input: ReadingSessionInput,
): Promise<AppliedResource<ReadingSessionRow>> {
  const timestamp = ctx.record('READING_SESSION', id, 'create');
  const now = new Date(timestamp);
  const row = await (await ctx.db())
    .insertInto('user_reading_sessions')
    .values({
      id,
      user_id: ctx.userId,
      chapter_number: chapter,
      verse_number: verse,
      client_created_at: clientTime(input.clientCreatedAt, null),
      client_updated_at: clientTime(input.clientUpdatedAt, null),
      created_at: now,
      updated_at: now,
      deleted_at: null,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  return applied(row, timestamp);
}

/**
 * `POST /v1/reading-sessions` (QF): the session touched in the last 20 minutes follows the reader to the new
 * position; with none that recent, a new session starts. Reading the same verse again only refreshes the
 * session's touch time (no mutation: nothing a client syncs changed).
 */
export async function recordReadingPosition(
  ctx: ApplierContext,
  input: ReadingSessionInput,
): Promise<AppliedResource<ReadingSessionRow> & { created: boolean }> {
  if (input.chapterNumber === undefined || input.verseNumber === undefined)
    throw new ApplyError('missing-field', input.chapterNumber === undefined ? 'chapterNumber' : 'verseNumber');
  const recent = await (await ctx.db())
    .selectFrom('user_reading_sessions')
    .selectAll()
    .where('user_id', '=', ctx.userId)
    .where('deleted_at', 'is', null)
    .where('updated_at', '>=', new Date(Date.now() - READING_SESSION_MERGE_WINDOW_MS))
    .orderBy('updated_at', 'desc')
    .orderBy('id', 'desc')
    .executeTakeFirst();
  if (!recent) return { ...(await insertSession(ctx, ctx.mintId(), input.chapterNumber, input.verseNumber, input)), created: true };
  const result = await writeSession(ctx, recent, input);
  if (result.row === recent) {
    const touched = await (await ctx.db())
      .updateTable('user_reading_sessions')
      .set({ updated_at: new Date() })
      .where('id', '=', recent.id)
      .returningAll()
      .executeTakeFirstOrThrow();
    return { ...result, row: touched, created: false };
  }
  return { ...result, created: false };
}

/** DELETE (again: no-op); an id this user has no session of is refused or acknowledged per `gone`. */
export async function deleteSession(ctx: ApplierContext, id: string, gone: GonePolicy = 'refuse'): Promise<AppliedResource<ReadingSessionRow | null>> {
  const row = await sessionById(ctx, id);
  if (!row) return noRowAck(ctx, gone, 'READING_SESSION', id);
  const deletion = await tombstoneRow(ctx, { table: 'user_reading_sessions', resource: 'READING_SESSION', row });
  return applied(deletion.row, deletion.timestamp);
}
