import {
  canAccessResource,
  HEADERS,
  MutationValidationError,
  scopeActionOf,
  syncMessages,
  USER_SYNC_ERROR_CODES,
  validatePushBody,
  type ValidatedMutation,
} from '@quran-sync/protocol';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../app-context.js';
import { requireAuth } from '../auth/auth-guard.js';
import { standardError, syncError } from '../http/api-error.js';
import { sendJson } from '../http/compressed-json.js';
import { hashRequest, readIdempotencyKey } from './idempotency-store.js';
import { MALFORMED_JSON } from './json-body.js';
import { pushBodyDetails } from './push-body-details.js';
import { readLastMutationAt } from './pull-params.js';

/**
 * `POST /v1/sync?lastMutationAt=H` (user-sync.md). Order of refusal: malformed batch (422, nothing read from
 * storage), out-of-scope resource (403 for the whole batch), missing/invalid `lastMutationAt` (422), stale
 * head (409), a mutation the stored state refuses (422 naming it; the transaction rolls back, so nothing of
 * the batch is kept). Otherwise one ack per mutation, in request order, and the new head.
 */
export async function handlePush(ctx: AppContext, request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const auth = requireAuth(request);
  const userId = auth.userId as string;
  const body = request.body === MALFORMED_JSON ? undefined : request.body;
  let mutations: ValidatedMutation[];
  try {
    mutations = validatePushBody(body, ctx.config.userSync.maxMutationsPerPush);
  } catch (error) {
    if (error instanceof MutationValidationError)
      throw syncError(422, USER_SYNC_ERROR_CODES.validation, error.message, pushBodyDetails(request, ctx.config.userSync.maxMutationsPerPush));
    throw error;
  }
  for (const mutation of mutations) {
    if (!canAccessResource(auth.scopes, mutation.resource, scopeActionOf(mutation.type))) {
      throw standardError(403, `Access token lacks the scope to ${scopeActionOf(mutation.type)} ${mutation.resource} (mutation[${mutation.index}])`);
    }
  }
  const lastMutationAt = readLastMutationAt(request.query as Record<string, unknown>, request.headers[HEADERS.mutationAt]);
  if ('missing' in lastMutationAt) throw syncError(422, USER_SYNC_ERROR_CODES.validation, syncMessages.missingLastMutationAt());
  if ('invalid' in lastMutationAt) throw syncError(422, USER_SYNC_ERROR_CODES.validation, syncMessages.invalidLastMutationAt());
  const key = readIdempotencyKey(request.headers[HEADERS.idempotencyKey]);

  const idempotency = key ? { key, hash: hashRequest('POST /v1/sync', body), ttlMs: ctx.config.userSync.idempotencyTtlMs } : null;
  const outcome = await ctx.userWrites.push({ userId, expectedHead: lastMutationAt.value, idempotency, mutations });
  reply.code(outcome.status).header(HEADERS.mutationAt, String(outcome.mutationAt));
  // Tells a client it needs no pull to learn the server's state after its own push (docs/user-sync.md).
  if (outcome.acksAreWholeChange) reply.header(HEADERS.mutationsRecorded, String(outcome.recorded!.length));
  return sendJson(request, reply, outcome.body);
}
