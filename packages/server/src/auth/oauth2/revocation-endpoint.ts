import type { FastifyInstance } from 'fastify';
import { oauth2Error } from '../../http/api-error.js';
import { InvalidAccessTokenError } from '../access-token-claims.js';
import { requireClient } from './client-authentication.js';
import { revokeGrant } from './grant-repository.js';
import { looksLikeJwt } from './introspection-endpoint.js';
import type { IssuerDependencies } from './issuer-dependencies.js';
import { revocationRouteSchema } from './oauth2-route-schemas.js';
import { findRefreshToken } from './refresh-token-repository.js';
import { formParameters } from './token-endpoint.js';

/**
 * `POST /oauth2/revoke` (RFC 7009). Revoking a refresh token ends its whole grant: every refresh token of
 * the login and, through the revocation list (`gid`), every access token minted from it. Revoking an
 * access token revokes that token alone (`jti`). The answer is 200 with an empty body whether or not
 * anything was revoked (unknown, expired or another client's token): RFC 7009 §2.2 asks for 200 on invalid
 * tokens, and answering the same for foreign ones does not let a client probe which tokens exist.
 */
export function registerRevocationEndpoint(app: FastifyInstance, deps: IssuerDependencies): void {
  app.post('/oauth2/revoke', { schema: revocationRouteSchema, config: { errorEnvelope: 'oauth2' } }, async (request, reply) => {
    const body = formParameters(request.body);
    const caller = await requireClient(deps.clients, request.headers.authorization, body, {
      allowPublic: true,
      attempt: deps.clientAuthThrottle?.attempt(request),
    });
    const token = body.token;
    if (!token) throw oauth2Error('invalid_request', 'Missing parameter: token');
    if (looksLikeJwt(token)) await revokeAccessToken(deps, token, caller.id);
    else await revokeRefreshToken(deps, token, caller.id);
    return reply.header('cache-control', 'no-store').send();
  });
}

async function revokeAccessToken(deps: IssuerDependencies, token: string, callerId: string): Promise<void> {
  try {
    const verified = await deps.verifier.verify(token);
    if (verified.clientId !== callerId || !verified.tokenId) return;
    await deps.revocations.revoke('token', verified.tokenId, new Date(verified.expiresAt + 60_000));
  } catch (error) {
    if (error instanceof InvalidAccessTokenError) return; // expired, already revoked, or not ours
    throw error;
  }
}

async function revokeRefreshToken(deps: IssuerDependencies, token: string, callerId: string): Promise<void> {
  if (token.length > 512) return;
  const record = await findRefreshToken(deps.db, token);
  if (!record || record.clientId !== callerId || record.grantRevokedAt) return;
  await revokeGrant(deps.db, deps.revocations, record.grantId, deps.accessTokenTtlSeconds);
}
