import Fastify from 'fastify';
import type { AccessTokenVerifier } from '../auth/access-token-verifier.js';
import { installAuthGuard, requireAuth } from '../auth/auth-guard.js';
import { installErrorHandler } from '../http/error-handler.js';
import '../http/route-config.js';

/**
 * A small real HTTP app with the production auth guard and error handler in front of a few routes that
 * declare the requirements the data APIs use. Tests point it at a real server's verifier (built-in keys
 * and revocation list, or an external issuer), to check the guard's 401/403 rules without depending on
 * which data routes exist yet. Each route answers the caller the guard resolved.
 */
export const GUARDED_ROUTES = {
  /** Needs a user token with `bookmark.read` (granted by `bookmark`). */
  userBookmarks: '/guarded/bookmarks',
  /** Needs `content` (client or user token). */
  content: '/guarded/content',
  /** Needs `content.write`, which `content` does not grant. */
  editorial: '/guarded/editorial',
} as const;

export interface GuardedTestApp {
  readonly url: string;
  close(): Promise<void>;
}

export async function startGuardedTestApp(verifier: AccessTokenVerifier): Promise<GuardedTestApp> {
  const app = Fastify({ logger: false });
  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  installErrorHandler(app, { retryAfterSeconds: 1 });
  installAuthGuard(app, verifier);
  const answer = async (request: Parameters<typeof requireAuth>[0]) => {
    const auth = requireAuth(request);
    return { userId: auth.userId, clientId: auth.clientId, scopes: [...auth.scopes].sort() };
  };
  app.get(GUARDED_ROUTES.userBookmarks, { config: { auth: { scopes: ['bookmark.read'], user: true } } }, answer);
  app.get(GUARDED_ROUTES.content, { config: { auth: { scopes: ['content'] } } }, answer);
  app.get(GUARDED_ROUTES.editorial, { config: { auth: { scopes: ['content.write'] } } }, answer);
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  if (!address || typeof address === 'string') throw new Error('guarded test app has no TCP address');
  return { url: `http://127.0.0.1:${address.port}`, close: () => app.close() };
}
