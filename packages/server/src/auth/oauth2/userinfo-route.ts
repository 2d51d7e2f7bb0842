import { HEADERS, scopeGrants } from '@quran-sync/protocol';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { oauth2Error, type ApiError } from '../../http/api-error.js';
import { InvalidAccessTokenError, type VerifiedAccessToken } from '../access-token-claims.js';
import { readAccessToken } from '../auth-guard.js';
import type { IssuerDependencies } from './issuer-dependencies.js';
import { userinfoRouteSchema } from './oauth2-route-schemas.js';
import { findUserById } from './user-repository.js';

/** RFC 6750 §3: a Bearer challenge naming the error, so OIDC clients know to refresh or re-authorize. */
function bearerError(code: 'invalid_token' | 'insufficient_scope', description: string): ApiError {
  const error = oauth2Error(code, description);
  return oauth2Error(code, description, error.statusCode, { 'www-authenticate': `Bearer realm="quran-sync", error="${code}"` });
}

/**
 * OIDC userinfo at `/userinfo` (where QF's issuer, Ory Hydra, serves it and `@quranjs/api` calls it) and at
 * `/oauth2/userinfo`. Unlike the data APIs it does not require `x-client-id`: OIDC clients send only
 * `Authorization: Bearer`. When `x-client-id` is sent it must still match the token's client.
 */
export function registerUserinfoRoute(app: FastifyInstance, deps: IssuerDependencies): void {
  const handler = async (request: FastifyRequest) => {
    const caller = await authenticate(deps, request);
    const user = await findUserById(deps.db, caller.userId!);
    if (!user) throw bearerError('invalid_token', 'The user of this token no longer exists');
    return { sub: user.id, preferred_username: user.username };
  };
  for (const url of ['/userinfo', '/oauth2/userinfo']) {
    app.get(url, { schema: userinfoRouteSchema, config: { errorEnvelope: 'oauth2' } }, handler);
  }
}

async function authenticate(deps: IssuerDependencies, request: FastifyRequest): Promise<VerifiedAccessToken> {
  const token = readAccessToken(request);
  if (!token) throw bearerError('invalid_token', 'Missing access token: send Authorization: Bearer or x-auth-token');
  let caller: VerifiedAccessToken;
  try {
    caller = await deps.verifier.verify(token);
  } catch (error) {
    if (error instanceof InvalidAccessTokenError) throw bearerError('invalid_token', `Invalid access token: ${error.message}`);
    throw error;
  }
  const clientHeader = request.headers[HEADERS.clientId];
  if (typeof clientHeader === 'string' && clientHeader.length > 0 && clientHeader !== caller.clientId) {
    throw oauth2Error('access_denied', 'x-client-id does not match the access token');
  }
  if (caller.userId === null) throw bearerError('insufficient_scope', 'userinfo needs a user access token');
  if (!scopeGrants(caller.scopes, 'openid')) throw bearerError('insufficient_scope', 'userinfo needs the openid scope');
  return caller;
}
