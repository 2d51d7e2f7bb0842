import {
  DirectEmpty,
  DirectNote,
  DirectNoteCounts,
  directPage,
  directSuccess,
  formatVerseKey,
  parseVerseKey,
  parseVerseRange,
  readNoteInput,
  verseAt,
  verseIndex,
} from '@quran-sync/protocol';
import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import type { AppContext } from '../../app-context.js';
import { requireAuth } from '../../auth/auth-guard.js';
import type { Database } from '../../db/schema.js';
import { standardError } from '../../http/api-error.js';
import { unknownResource } from '../apply-error.js';
import { deleteNote, noteById, upsertNote } from '../appliers/note-applier.js';
import type { NoteRow } from '../resource-payloads.js';
import { paginate, type SortKey } from './cursor-page.js';
import { directWrite } from './direct-write.js';
import { noteResponse } from './direct-shapes.js';
import { intQuery, objectBody, orRefuse, refuse } from './direct-params.js';
import { Type } from '@sinclair/typebox';
import { directDocs, HANDLER_VALIDATED, ID_PARAMS, NOTE_BODY, NOTE_LIST_QUERY, NOTE_PATCH_BODY, RANGE_QUERY } from './direct-route-docs.js';

const TAGS = ['Notes'];
const security = [{ accessToken: [], clientId: [] }];
type IdParams = { Params: { id: string } };

/** `/notes` (QF "Notes"): notes on verse ranges; lists use `cursor` + `limit` (1..50). */
export function registerNoteEndpoints(app: FastifyInstance, ctx: AppContext): void {
  const scope = (action: string) => ({ auth: { scopes: [`note.${action}`], user: true } });

  app.post(
    '/notes',
    {
      config: scope('create'),
      schema: { tags: TAGS, summary: 'Add a note', security, ...directDocs({ answer: directSuccess(DirectNote), body: NOTE_BODY, write: true }) },
      ...HANDLER_VALIDATED,
    },
    (request, reply) => {
      const input = orRefuse(readNoteInput(objectBody(request.body), true));
      return directWrite(ctx, request, reply, { apply: async (write) => (await upsertNote(write, null, input)).row, respond: noteResponse });
    },
  );

  app.get(
    '/notes',
    {
      config: scope('read'),
      schema: { tags: TAGS, summary: 'List notes', security, ...directDocs({ answer: directPage(DirectNote), query: [NOTE_LIST_QUERY] }) },
      ...HANDLER_VALIDATED,
    },
    async (request) => {
      const userId = requireAuth(request).userId as string;
      const rows = await ctx.db.selectFrom('user_notes').selectAll().where('user_id', '=', userId).where('deleted_at', 'is', null).execute();
      return listResponse(rows, request.query as Record<string, unknown>);
    },
  );

  app.get<{ Params: { verseKey: string } }>(
    '/notes/by-verse/:verseKey',
    {
      config: scope('read'),
      schema: {
        tags: TAGS,
        summary: 'Notes on a verse',
        security,
        ...directDocs({ answer: directPage(DirectNote), params: Type.Object({ verseKey: Type.String({ description: 's:a' }) }), query: [NOTE_LIST_QUERY] }),
      },
      ...HANDLER_VALIDATED,
    },
    async (request) => {
      const userId = requireAuth(request).userId as string;
      const verse = parseVerseKey(request.params.verseKey);
      if (!verse) refuse('Invalid verseKey');
      const position = verseIndex(verse!);
      return listResponse(await notesOverlapping(ctx.db, userId, position, position), request.query as Record<string, unknown>);
    },
  );

  app.get(
    '/notes/by-range',
    {
      config: scope('read'),
      schema: {
        tags: TAGS,
        summary: 'Notes overlapping a verse range',
        security,
        ...directDocs({ answer: directPage(DirectNote), query: [RANGE_QUERY, NOTE_LIST_QUERY] }),
      },
      ...HANDLER_VALIDATED,
    },
    async (request) => {
      const userId = requireAuth(request).userId as string;
      const query = request.query as Record<string, unknown>;
      const [from, to] = rangeQuery(query);
      return listResponse(await notesOverlapping(ctx.db, userId, from, to), query);
    },
  );

  app.get(
    '/notes/count-within-range',
    {
      config: scope('read'),
      schema: {
        tags: TAGS,
        summary: 'Number of notes on each verse of a range',
        security,
        ...directDocs({ answer: directSuccess(DirectNoteCounts), query: [RANGE_QUERY] }),
      },
      ...HANDLER_VALIDATED,
    },
    async (request) => {
      const userId = requireAuth(request).userId as string;
      const [from, to] = rangeQuery(request.query as Record<string, unknown>);
      const ranges = await ctx.db
        .selectFrom('user_note_ranges')
        .select(['note_id', 'from_verse', 'to_verse'])
        .where('user_id', '=', userId)
        .where('from_verse', '<=', to)
        .where('to_verse', '>=', from)
        .execute();
      const notesPerVerse = new Map<number, Set<string>>();
      for (const range of ranges) {
        for (let v = Math.max(from, range.from_verse); v <= Math.min(to, range.to_verse); v++) {
          const set = notesPerVerse.get(v) ?? new Set<string>();
          set.add(range.note_id);
          notesPerVerse.set(v, set);
        }
      }
      const data: Record<string, number> = {};
      for (const [v, notes] of [...notesPerVerse.entries()].sort((a, b) => a[0] - b[0])) data[formatVerseKey(verseAt(v))] = notes.size;
      return { success: true, data };
    },
  );

  app.get<IdParams>(
    '/notes/:id',
    {
      config: scope('read'),
      schema: { tags: TAGS, summary: 'A note', security, ...directDocs({ answer: directSuccess(DirectNote), params: ID_PARAMS }) },
      ...HANDLER_VALIDATED,
    },
    async (request) => {
      const userId = requireAuth(request).userId as string;
      const row = await ctx.db
        .selectFrom('user_notes')
        .selectAll()
        .where('user_id', '=', userId)
        .where('id', '=', request.params.id)
        .where('deleted_at', 'is', null)
        .executeTakeFirst();
      if (!row) throw standardError(404, 'The requested resource could not be found');
      return { success: true, data: noteResponse(row) };
    },
  );

  app.patch<IdParams>(
    '/notes/:id',
    {
      config: scope('update'),
      schema: {
        tags: TAGS,
        summary: 'Update a note',
        security,
        ...directDocs({ answer: directSuccess(DirectNote), params: ID_PARAMS, body: NOTE_PATCH_BODY, write: true }),
      },
      ...HANDLER_VALIDATED,
    },
    (request, reply) => {
      const input = orRefuse(readNoteInput(objectBody(request.body), false));
      return directWrite(ctx, request, reply, {
        apply: async (write) => {
          const existing = await noteById(write, request.params.id);
          if (!existing || existing.deleted_at !== null) throw unknownResource();
          return (await upsertNote(write, request.params.id, input)).row;
        },
        respond: noteResponse,
      });
    },
  );

  app.delete<IdParams>(
    '/notes/:id',
    {
      config: scope('delete'),
      schema: { tags: TAGS, summary: 'Delete a note', security, ...directDocs({ answer: directSuccess(DirectEmpty), params: ID_PARAMS, write: true }) },
      ...HANDLER_VALIDATED,
    },
    (request, reply) => directWrite(ctx, request, reply, { apply: (write) => deleteNote(write, request.params.id), respond: () => ({}) }),
  );
}

/** A page of notes: `sortBy` newest (default) or oldest, `cursor` + `limit` 1..50 (default 20). */
function listResponse(rows: NoteRow[], query: Record<string, unknown>) {
  const sortBy = query.sortBy === undefined || query.sortBy === '' ? 'newest' : String(query.sortBy);
  if (sortBy !== 'newest' && sortBy !== 'oldest') refuse('Invalid sortBy: one of newest, oldest');
  const limit = intQuery(query, 'limit') ?? 20;
  if (limit < 1 || limit > 50) refuse('Invalid limit: must be 1..50');
  const cursor = query.cursor === undefined || query.cursor === '' ? null : String(query.cursor);
  const keyOf = (row: NoteRow): SortKey => (sortBy === 'newest' ? [-row.created_at.getTime(), row.id] : [row.created_at.getTime(), row.id]);
  rows.sort((a, b) => {
    const [x, y] = [keyOf(a), keyOf(b)];
    return x[0] !== y[0] ? (x[0] as number) - (y[0] as number) : String(x[1]) < String(y[1]) ? -1 : 1;
  });
  const page = paginate(rows, keyOf, { first: limit, after: cursor, last: null, before: null });
  return { success: true, data: page.items.map(noteResponse), pagination: page.pagination };
}

/** `range=s:a-s:a` (or `from=s:a&to=s:a`) as global verse positions. */
function rangeQuery(query: Record<string, unknown>): [number, number] {
  const raw =
    query.range !== undefined ? String(query.range) : query.from !== undefined ? `${String(query.from)}-${String(query.to ?? query.from)}` : undefined;
  if (raw === undefined) return refuse('Missing range');
  const range = parseVerseRange(raw);
  if (!range) return refuse('Invalid range');
  return [verseIndex(range.from), verseIndex(range.to)];
}

async function notesOverlapping(db: Kysely<Database>, userId: string, from: number, to: number): Promise<NoteRow[]> {
  return db
    .selectFrom('user_notes as n')
    .selectAll('n')
    .where('n.user_id', '=', userId)
    .where('n.deleted_at', 'is', null)
    .where((eb) =>
      eb.exists(
        eb
          .selectFrom('user_note_ranges as r')
          .select('r.note_id')
          .whereRef('r.note_id', '=', 'n.id')
          .where('r.from_verse', '<=', to)
          .where('r.to_verse', '>=', from),
      ),
    )
    .execute();
}
