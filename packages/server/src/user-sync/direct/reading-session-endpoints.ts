import { directPage, DirectReadingSession, DirectReadingSessionWrite, directSuccess, readReadingSessionInput } from '@quran-sync/protocol';
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../app-context.js';
import { requireAuth } from '../../auth/auth-guard.js';
import { recordReadingPosition } from '../appliers/reading-session-applier.js';
import { paginate, parseCursorParams } from './cursor-page.js';
import { directWrite } from './direct-write.js';
import { readingSessionResponse } from './direct-shapes.js';
import { objectBody, orRefuse } from './direct-params.js';
import { directDocs, HANDLER_VALIDATED, PAGING_QUERY, READING_SESSION_BODY } from './direct-route-docs.js';

const TAGS = ['Reading Sessions'];
const security = [{ accessToken: [], clientId: [] }];

/** `/reading-sessions` (QF "Reading Sessions"): the reader's recent positions. */
export function registerReadingSessionEndpoints(app: FastifyInstance, ctx: AppContext): void {
  app.post(
    '/reading-sessions',
    {
      config: { auth: { scopes: ['reading_session.create'], user: true } },
      schema: {
        tags: TAGS,
        summary: 'Record the latest read ayah (updates the session of the last 20 minutes, or starts one)',
        security,
        ...directDocs({ answer: directSuccess(DirectReadingSessionWrite), body: READING_SESSION_BODY, write: true }),
      },
      ...HANDLER_VALIDATED,
    },
    (request, reply) => {
      const input = orRefuse(readReadingSessionInput(objectBody(request.body), true));
      return directWrite(ctx, request, reply, {
        apply: (write) => recordReadingPosition(write, input),
        respond: (result) => ({ ...readingSessionResponse(result.row), message: result.created ? 'reading session created' : 'reading session updated' }),
      });
    },
  );

  app.get(
    '/reading-sessions',
    {
      config: { auth: { scopes: ['reading_session.read'], user: true } },
      schema: {
        tags: TAGS,
        summary: 'Reading sessions, newest first',
        security,
        ...directDocs({ answer: directPage(DirectReadingSession), query: [PAGING_QUERY] }),
      },
      ...HANDLER_VALIDATED,
    },
    async (request) => {
      const userId = requireAuth(request).userId as string;
      const rows = await ctx.db
        .selectFrom('user_reading_sessions')
        .selectAll()
        .where('user_id', '=', userId)
        .where('deleted_at', 'is', null)
        .orderBy('updated_at', 'desc')
        .orderBy('id', 'desc')
        .execute();
      const page = paginate(rows, (row) => [-row.updated_at.getTime(), row.id], parseCursorParams(request.query as Record<string, unknown>));
      return { success: true, data: page.items.map(readingSessionResponse), pagination: page.pagination };
    },
  );
}
