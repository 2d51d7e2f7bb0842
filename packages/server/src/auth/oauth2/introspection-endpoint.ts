import type { OAuth2IntrospectionResponse } from '@quran-sync/protocol';
import type { FastifyInstance } from 'fastify';
import { decodeJwt } from 'jose';
import { InvalidAccessTokenError } from '../access-token-claims.js';
import { requireClient } from './client-authentication.js';
import type { IssuerDependencies } from './issuer-dependencies.js';
import { introspectionRouteSchema } from './oauth2-route-schemas.js';
import { findRefreshToken } from './refresh-token-repository.js';
import { formParameters } from './token-endpoint.js';
import { oauth2Error } from '../../http/api-error.js';

const INACTIVE: OAuth2IntrospectionResponse = { active: false };

/** A compact JWS has three dot-separated parts; our refresh tokens are a single base64url string. */
export function looksLikeJwt(token: string): boolean {
  return token.split('.').length === 3;
}

/**
 * `POST /oauth2/introspect` (RFC 7662) for resource servers, including other Quran Sync nodes running in
 * introspection mode. Any confidential client may introspect access tokens (a resource server checks
 * tokens issued to apps, not to itself); refresh tokens are only described to the client that holds them.
 * Revoked, expired, malformed and foreign tokens are all just `{"active": false}`.
 */
export function registerIntrospectionEndpoint(app: FastifyInstance, deps: IssuerDependencies): void {
  app.post('/oauth2/introspect', { schema: introspectionRouteSchema, config: { errorEnvelope: 'oauth2' } }, async (request, reply) => {
    const body = formParameters(request.body);
    const caller = await requireClient(deps.clients, request.headers.authorization, body, {
      allowPublic: false,
      attempt: deps.clientAuthThrottle?.attempt(request),
    });
    const token = body.token;
    if (!token) throw oauth2Error('invalid_request', 'Missing parameter: token');
    reply.header('cache-control', 'no-store').header('pragma', 'no-cache');
    if (looksLikeJwt(token)) return introspectAccessToken(deps, token);
    return introspectRefreshToken(deps, token, caller.id);
  });
}

async function introspectAccessToken(deps: IssuerDependencies, token: string): Promise<OAuth2IntrospectionResponse> {
  try {
    const verified = await deps.verifier.verify(token);
    const claims = decodeJwt(token);
    return {
      active: true,
      sub: typeof claims.sub === 'string' ? claims.sub : verified.clientId,
      client_id: verified.clientId,
      scope: [...verified.scopes].join(' '),
      exp: Math.floor(verified.expiresAt / 1000),
      ...(typeof claims.iat === 'number' ? { iat: claims.iat } : {}),
      iss: deps.issuer,
      ...(verified.tokenId ? { jti: verified.tokenId } : {}),
      token_type: 'bearer',
      token_use: 'access_token',
      ...(verified.userId === null ? { gty: 'client_credentials' } : {}),
    };
  } catch (error) {
    if (error instanceof InvalidAccessTokenError) return INACTIVE;
    throw error;
  }
}

async function introspectRefreshToken(deps: IssuerDependencies, token: string, callerId: string): Promise<OAuth2IntrospectionResponse> {
  if (token.length > 512) return INACTIVE;
  const record = await findRefreshToken(deps.db, token);
  if (!record || record.revokedAt || record.grantRevokedAt || record.expiresAt.getTime() <= Date.now() || record.clientId !== callerId) return INACTIVE;
  return {
    active: true,
    sub: record.userId,
    client_id: record.clientId,
    scope: record.scopes.join(' '),
    exp: Math.floor(record.expiresAt.getTime() / 1000),
    iat: Math.floor(record.createdAt.getTime() / 1000),
    iss: deps.issuer,
    token_type: 'refresh_token',
    token_use: 'refresh_token',
  };
}
