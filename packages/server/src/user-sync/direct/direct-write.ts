import { HEADERS } from '@quran-sync/protocol';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../app-context.js';
import { requireAuth } from '../../auth/auth-guard.js';
import { ApiError, standardError } from '../../http/api-error.js';
import { ApplyError, applyErrorToDirect } from '../apply-error.js';
import { hashRequest, readIdempotencyKey } from '../idempotency-store.js';
import { readLastMutationAt } from '../pull-params.js';
import type { ApplierContext } from '../write-engine/applier-context.js';

/**
 * Every direct write (user-sync.md, "Direct endpoints") goes through here: the same per-user lock, conflict
 * check, mutation recording and `X-Mutation-At` as a push. Per the Data Sync guide the client names the head
 * it saw (`lastMutationAt` query parameter or `X-Mutation-At` header); a stale one is 409 `OutOfSyncError`, a
 * missing one 400 unless the server runs with `QS_LENIENT_DIRECT_WRITES` for legacy clients.
 */
export async function directWrite<T>(
  ctx: AppContext,
  request: FastifyRequest,
  reply: FastifyReply,
  operation: { apply(write: ApplierContext): Promise<T>; respond(result: T): unknown; status?: number },
): Promise<FastifyReply> {
  const auth = requireAuth(request);
  const lastMutationAt = readLastMutationAt(request.query as Record<string, unknown>, request.headers[HEADERS.mutationAt]);
  let expectedHead: number | null;
  if ('value' in lastMutationAt) expectedHead = lastMutationAt.value;
  else if ('invalid' in lastMutationAt) throw standardError(400, 'Invalid lastMutationAt');
  else if (ctx.config.userSync.lenientDirectWrites) expectedHead = null;
  else
    throw standardError(
      400,
      'Missing lastMutationAt: send the last X-Mutation-At you received as the lastMutationAt query parameter or the X-Mutation-At header',
    );

  const key = standardEnvelope(() => readIdempotencyKey(request.headers[HEADERS.idempotencyKey]));
  const route = `${request.method} ${request.routeOptions.url ?? ''} ${JSON.stringify(request.params ?? {})}`;
  const outcome = await standardEnvelope(() =>
    ctx.userWrites.run({
      userId: auth.userId as string,
      expectedHead,
      idempotency: key
        ? { key, hash: hashRequest(route, { query: stripWriteParams(request.query), body: request.body ?? null }), ttlMs: ctx.config.userSync.idempotencyTtlMs }
        : null,
      async apply(write) {
        try {
          return await operation.apply(write);
        } catch (error) {
          if (error instanceof ApplyError) throw applyErrorToDirect(error);
          throw error;
        }
      },
      respond: (result) => ({ status: operation.status ?? 200, body: { success: true, data: operation.respond(result) } }),
    }),
  );
  return reply.code(outcome.status).header(HEADERS.mutationAt, String(outcome.mutationAt)).send(outcome.body);
}

/**
 * Direct endpoints answer in the standard envelope except for 409 `OutOfSyncError` (user-sync.md); the
 * shared idempotency checks raise the sync envelope's 422 (right for a push), so it is re-wrapped here.
 */
function standardEnvelope<T>(fn: () => T): T {
  const rewrap = (error: unknown): never => {
    const body = error instanceof ApiError ? (error.body as { error?: { code?: unknown; message?: unknown } }) : null;
    if (error instanceof ApiError && error.statusCode === 422 && body?.error?.code === 'ValidationError') throw standardError(422, String(body.error.message));
    throw error;
  };
  try {
    const result = fn();
    return (result instanceof Promise ? result.catch(rewrap) : result) as T;
  } catch (error) {
    return rewrap(error);
  }
}

/** The query without `lastMutationAt` (a retry after a pull carries a newer one and is still the same write). */
function stripWriteParams(query: unknown): unknown {
  if (!query || typeof query !== 'object') return {};
  const { lastMutationAt: _ignored, ...rest } = query as Record<string, unknown>;
  return rest;
}
