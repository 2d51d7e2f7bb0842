import OAuth2Server from '@node-oauth/oauth2-server';
import { parseScopeString, type OAuth2TokenResponse } from '@quran-sync/protocol';
import { AsyncLocalStorage } from 'node:async_hooks';
import type { IncomingHttpHeaders } from 'node:http';
import type { FastifyInstance } from 'fastify';
import { oauth2Error } from '../../http/api-error.js';
import type { ClientAuthAttempt } from './client-auth-throttle.js';
import type { ClientAuthMethod } from './client-authentication.js';
import type { IssuerDependencies } from './issuer-dependencies.js';
import { toOAuth2ApiError } from './library-errors.js';
import { createOAuth2Model, type IssuedTokens } from './oauth2-model.js';
import { tokenRouteSchema } from './oauth2-route-schemas.js';
import { findRefreshToken } from './refresh-token-repository.js';

/**
 * `POST /oauth2/token`. The grant flows run in @node-oauth/oauth2-server over our model; this route only
 * adapts the library to the contract: lower-case `token_type`, `expires_at`, `id_token`, and errors in the
 * `{error, error_description, status_code}` envelope.
 */
export function registerTokenEndpoint(app: FastifyInstance, deps: IssuerDependencies): void {
  // The library calls the model's getClient without the request; the request's throttle travels this way.
  const attempts = new AsyncLocalStorage<ClientAuthAttempt | undefined>();
  const server = new OAuth2Server({
    model: createOAuth2Model(deps, () => attempts.getStore()) satisfies OAuth2Server.RefreshTokenModel,
    accessTokenLifetime: deps.accessTokenTtlSeconds,
    refreshTokenLifetime: deps.refreshTokenTtlSeconds,
    // Public clients refresh with their client_id alone (they have no secret); confidential clients still
    // must authenticate, because the model refuses a client that has a secret and did not present it.
    requireClientAuthentication: { refresh_token: false },
    alwaysIssueNewRefreshToken: true,
  });

  app.post('/oauth2/token', { schema: tokenRouteSchema, config: { errorEnvelope: 'oauth2' } }, async (request, reply) => {
    const body = formParameters(request.body);
    const method = clientAuthMethodOf(request.headers.authorization, body);
    let issued: IssuedTokens;
    try {
      await checkRefreshScopeBeforeRotation(deps, body);
      const libraryRequest = new OAuth2Server.Request({ method: request.method, query: {}, headers: stringHeaders(request.headers), body });
      const attempt = deps.clientAuthThrottle?.attempt(request);
      issued = (await attempts.run(attempt, () => server.token(libraryRequest, new OAuth2Server.Response()))) as IssuedTokens;
    } catch (error) {
      throw toOAuth2ApiError(error, method, request.log);
    }
    reply.header('cache-control', 'no-store').header('pragma', 'no-cache');
    const response: OAuth2TokenResponse = {
      access_token: issued.accessToken,
      token_type: 'bearer',
      expires_in: deps.accessTokenTtlSeconds,
      scope: issued.scope.join(' '),
      expires_at: issued.accessTokenExp,
      ...(issued.refreshToken ? { refresh_token: issued.refreshToken } : {}),
      ...(issued.idToken ? { id_token: issued.idToken } : {}),
    };
    return response;
  });
}

/**
 * The form body as a plain object of strings. RFC 6749 §3.1/§3.2: a parameter sent twice is an error, not
 * something to pick from (the form parser turns repeats into arrays).
 */
export function formParameters(body: unknown): Record<string, string> {
  if (body === null || typeof body !== 'object') throw oauth2Error('invalid_request', 'Send the parameters as an application/x-www-form-urlencoded body');
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(body)) {
    if (Array.isArray(value)) throw oauth2Error('invalid_request', `Parameter ${name} is repeated`);
    if (typeof value === 'string') out[name] = value;
  }
  return out;
}

/**
 * The library rotates (spends) a refresh token before it checks a narrowing `scope`, so a refresh asking
 * for more than the grant would lose the client its refresh token, and the retry would look like reuse
 * and revoke the login. The same check (requested scopes literally among the granted ones, as the library
 * applies it) is therefore made first, leaving the token untouched on `invalid_scope`.
 */
async function checkRefreshScopeBeforeRotation(deps: IssuerDependencies, body: Record<string, string>): Promise<void> {
  if (body.grant_type !== 'refresh_token' || body.scope === undefined || !body.refresh_token || body.refresh_token.length > 512) return;
  const record = await findRefreshToken(deps.db, body.refresh_token);
  if (!record) return;
  const extra = parseScopeString(body.scope).filter((s) => !record.scopes.includes(s));
  if (extra.length > 0) throw oauth2Error('invalid_scope', `Invalid scope: a refresh cannot add scopes the login did not grant (${extra.join(' ')})`);
}

function clientAuthMethodOf(authorization: string | undefined, body: Record<string, string>): ClientAuthMethod | null {
  if (authorization !== undefined && /^basic\s/i.test(authorization)) return 'client_secret_basic';
  if (body.client_secret !== undefined) return 'client_secret_post';
  return body.client_id !== undefined ? 'none' : null;
}

function stringHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) if (value !== undefined) out[name] = Array.isArray(value) ? value.join(', ') : value;
  return out;
}
