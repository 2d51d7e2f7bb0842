import { Type } from '@sinclair/typebox';
import { HEADERS, PullQuery, PushBody, readableResources, SYNC_SCOPE } from '@quran-sync/protocol';
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../app-context.js';
import { requireAuth } from '../auth/auth-guard.js';
import { sendJson } from '../http/compressed-json.js';
import { HANDLER_VALIDATED, WRITE_HEADERS } from './direct/direct-route-docs.js';
import { handlePush } from './push-handler.js';
import { parsePullParams } from './pull-params.js';
import { pullMutations, userStateDigest } from './pull-query.js';
import { PULL_ANSWERS, PUSH_ANSWERS } from './sync-route-docs.js';
import { readUserHead } from './write-engine/user-heads.js';

/** Push bodies may carry 100 notes of 10 000 characters: allow that much whatever the general limit. */
const PUSH_BODY_LIMIT_PER_MUTATION = 48 * 1024;

/** `GET /sync` and `POST /sync` (relative to the prefix the plugin is registered under). */
export function registerSyncRoutes(app: FastifyInstance, ctx: AppContext): void {
  const auth = { scopes: [SYNC_SCOPE], user: true } as const;

  app.get(
    '/sync',
    {
      config: { auth },
      schema: {
        tags: ['User sync'],
        summary: 'Pull mutations since a timestamp',
        querystring: PullQuery,
        security: [{ accessToken: [], clientId: [] }],
        response: PULL_ANSWERS,
      },
    },
    async (request, reply) => {
      const caller = requireAuth(request);
      const userId = caller.userId as string;
      const params = parsePullParams(request.query as Record<string, unknown>);
      if (params.metadataOnly && params.stateDigest) {
        // Opt-in (docs/integrity.md): the head and the state digest come from one snapshot of the user's data.
        const digest = await userStateDigest(ctx.db, userId, readableResources(caller.scopes));
        return reply.header(HEADERS.mutationAt, String(digest.head)).send({ success: true, data: { lastMutationAt: digest.head, stateDigest: digest } });
      }
      if (params.metadataOnly) {
        // One primary-key lookup: the cheap poll the Data Sync guide recommends.
        const head = await readUserHead(ctx.db, userId);
        return reply.header(HEADERS.mutationAt, String(head)).send({ success: true, data: { lastMutationAt: head } });
      }
      // Out-of-scope resources are silently left out (user-sync.md).
      const inScope = readableResources(caller.scopes);
      const resources = params.resources ? inScope.filter((r) => params.resources!.includes(r)) : inScope;
      const result = await pullMutations(ctx.db, { userId, since: params.since, resources, limit: params.limit, page: params.page });
      return sendJson(request, reply.header(HEADERS.mutationAt, String(result.lastMutationAt)), { success: true, data: result });
    },
  );

  app.post(
    '/sync',
    {
      config: { auth },
      bodyLimit: Math.max(ctx.config.http.bodyLimitBytes, ctx.config.userSync.maxMutationsPerPush * PUSH_BODY_LIMIT_PER_MUTATION),
      schema: {
        tags: ['User sync'],
        summary: 'Push local mutations (lastMutationAt query parameter required)',
        security: [{ accessToken: [], clientId: [] }],
        // Documentation only: the push answers bad input with the sync envelope's 422, not a framework 400.
        querystring: Type.Object(
          { lastMutationAt: Type.String({ description: 'The head the batch is based on (-1: no history)' }) },
          { additionalProperties: true },
        ),
        headers: WRITE_HEADERS,
        body: PushBody,
        response: PUSH_ANSWERS,
      },
      ...HANDLER_VALIDATED,
    },
    (request, reply) => handlePush(ctx, request, reply),
  );
}
