import { HEADERS, scopesGrantAll } from '@quran-sync/protocol';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { standardError } from '../http/api-error.js';
import type { RouteAuthRequirement } from '../http/route-config.js';
import { InvalidAccessTokenError, type VerifiedAccessToken } from './access-token-claims.js';
import type { AccessTokenVerifier } from './access-token-verifier.js';

/** The authenticated caller of a request (`request.auth`), set by the guard on routes that require it. */
export type AuthContext = VerifiedAccessToken;

declare module 'fastify' {
  interface FastifyRequest {
    auth: AuthContext | null;
  }
}

/** The bearer token of a request: `x-auth-token` (QF) first, then `Authorization: Bearer`. */
export function readAccessToken(request: FastifyRequest): string | null {
  const direct = request.headers[HEADERS.authToken];
  if (typeof direct === 'string' && direct.length > 0) return direct;
  const authorization = request.headers.authorization;
  if (typeof authorization === 'string') {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (match) return match[1]!;
  }
  return null;
}

/**
 * Guards every route whose config names `auth`: token present and valid (else 401), `x-client-id` equal
 * to the token's client (else 403: a token leaked from one app must not be replayed by another), user
 * token where the route needs one and every required scope granted (else 403). Runs in `onRequest`, before
 * the body is read, so unauthenticated callers cannot make us parse large bodies. A callback hook: a token
 * the verifier already knows is admitted synchronously (no promise, no microtask turn), the rest waits for
 * `verify`.
 */
export function installAuthGuard(app: FastifyInstance, verifier: AccessTokenVerifier): void {
  app.decorateRequest('auth', null);
  app.addHook('onRequest', (request, _reply, done) => {
    const requirement = request.routeOptions.config?.auth;
    if (!requirement) return done();
    const token = readAccessToken(request);
    if (!token) return done(standardError(401, 'Missing access token: send x-auth-token or Authorization: Bearer'));
    let known: VerifiedAccessToken | undefined;
    try {
      known = verifier.recall(token);
    } catch (error) {
      return done(refusal(error));
    }
    if (known) return done(admit(request, requirement, known));
    verifier.verify(token).then(
      (caller) => done(admit(request, requirement, caller)),
      (error: unknown) => done(refusal(error)),
    );
  });
}

/** Sets `request.auth` when the caller may use the route; the refusal otherwise. */
function admit(request: FastifyRequest, requirement: RouteAuthRequirement, caller: VerifiedAccessToken): Error | undefined {
  const clientHeader = request.headers[HEADERS.clientId];
  if (typeof clientHeader !== 'string' || clientHeader.length === 0) return standardError(401, 'Missing x-client-id header');
  if (clientHeader !== caller.clientId) return standardError(403, 'x-client-id does not match the access token');
  if (requirement.user && caller.userId === null) return standardError(403, 'This endpoint needs a user access token');
  if (!scopesGrantAll(caller.scopes, requirement.scopes)) {
    return standardError(403, `Access token lacks the required scope: ${requirement.scopes.join(' ')}`);
  }
  request.auth = caller;
  return undefined;
}

/** A bad token is the caller's 401; anything else (the issuer unreachable: 503) goes to the error handler. */
function refusal(error: unknown): Error {
  if (error instanceof InvalidAccessTokenError) return standardError(401, `Invalid access token: ${error.message}`);
  return error instanceof Error ? error : new Error(String(error));
}

/** `request.auth` on a guarded route; throws if a route forgot its `auth` config (a bug, so 500). */
export function requireAuth(request: FastifyRequest): AuthContext {
  if (!request.auth) throw new Error(`route ${request.routeOptions.url} reads auth but declares no auth requirement`);
  return request.auth;
}
