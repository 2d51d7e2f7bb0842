import { JsonWebKeySet, OAuth2IntrospectionResponse, OAuth2ServerMetadata, OAuth2TokenResponse, OAuth2UserinfoResponse } from '@quran-sync/protocol';
import { Type, type TSchema } from '@sinclair/typebox';
import { emptyAnswer, errorAnswer, errorAnswers, jsonAnswer } from '../../http/response-docs.js';

/**
 * Route schemas of the issuer: they validate form bodies and document the endpoints in `/openapi.json`.
 * Shared TypeBox schemas are copied without their `$id`, so several routes can embed them without
 * registering one id twice.
 */
export function inline<T extends TSchema>(schema: T): T {
  const { $id: _id, ...rest } = schema;
  return rest as T;
}

const FORM = ['application/x-www-form-urlencoded'];

/**
 * Errors of the endpoints that authenticate a client: 400/401 in the OAuth2 envelope; 429 and 503 in it too
 * when the issuer answers them (client authentication throttle, database outage), in the standard one when
 * plumbing does (rate limiter, overload protection).
 */
const clientAuthErrors = () => ({
  ...errorAnswers('oauth2', [400, 401]),
  429: errorAnswer(429, ['oauth2', 'standard']),
  503: errorAnswer(503, ['oauth2', 'standard']),
});

const param = (description: string) => Type.Optional(Type.String({ description }));

export const tokenRouteSchema = {
  tags: ['oauth2'],
  summary: 'Token endpoint (client_credentials, authorization_code with PKCE, refresh_token with rotation)',
  consumes: FORM,
  body: Type.Object(
    {
      grant_type: Type.String({ description: 'client_credentials | authorization_code | refresh_token' }),
      scope: param('Space-separated scopes (client_credentials; optional narrowing on refresh_token)'),
      code: param('Authorization code (authorization_code)'),
      redirect_uri: param('The redirect_uri of the authorization request (authorization_code)'),
      code_verifier: param('PKCE verifier (authorization_code)'),
      refresh_token: param('Refresh token (refresh_token)'),
      client_id: param('Client id, for public clients and client_secret_post'),
      client_secret: param('Client secret, for client_secret_post (prefer HTTP Basic)'),
    },
    { additionalProperties: true },
  ),
  response: { 200: jsonAnswer(inline(OAuth2TokenResponse), 'Tokens issued'), ...clientAuthErrors() },
};

export const introspectionRouteSchema = {
  tags: ['oauth2'],
  summary: 'Token introspection (RFC 7662); client authentication required',
  consumes: FORM,
  body: Type.Object(
    {
      token: Type.String({ description: 'Access or refresh token' }),
      token_type_hint: param('access_token | refresh_token'),
      client_id: param('Client id (client_secret_post)'),
      client_secret: param('Client secret (client_secret_post)'),
    },
    { additionalProperties: true },
  ),
  response: {
    200: jsonAnswer(inline(OAuth2IntrospectionResponse), 'The token\'s state; `{"active": false}` alone when it is not active'),
    ...clientAuthErrors(),
  },
};

export const revocationRouteSchema = {
  tags: ['oauth2'],
  summary: 'Token revocation (RFC 7009): a refresh token ends its whole login, an access token only itself',
  consumes: FORM,
  body: Type.Object(
    {
      token: Type.String({ description: 'Access or refresh token' }),
      token_type_hint: param('access_token | refresh_token'),
      client_id: param('Client id (public clients, client_secret_post)'),
      client_secret: param('Client secret (client_secret_post)'),
    },
    { additionalProperties: true },
  ),
  response: { 200: emptyAnswer('Revoked (also when the token was unknown or already revoked, as RFC 7009 asks)'), ...clientAuthErrors() },
};

export const userinfoRouteSchema = {
  tags: ['oauth2'],
  summary: 'OpenID Connect userinfo (needs a user token with the openid scope)',
  security: [{ accessToken: [] }],
  response: { 200: jsonAnswer(OAuth2UserinfoResponse, 'The user'), ...errorAnswers('oauth2', [401, 403]) },
};

export const discoveryRouteSchema = {
  tags: ['oauth2'],
  summary: 'OpenID Connect / RFC 8414 discovery document',
  response: { 200: jsonAnswer(OAuth2ServerMetadata, "The issuer's metadata") },
};

export const jwksRouteSchema = {
  tags: ['oauth2'],
  summary: 'Public keys that verify access and ID tokens (JWKS)',
  response: { 200: jsonAnswer(JsonWebKeySet, "The issuer's public keys") },
};
