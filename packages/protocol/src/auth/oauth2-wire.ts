import { Type, type Static } from '@sinclair/typebox';

/**
 * Bodies of the OAuth2 endpoints (auth-and-errors.md, "OAuth2"). `token_type` is lower-case `bearer` as
 * QF answers; `expires_in` is always present; `expires_at` is the access token's `exp` (epoch seconds,
 * the form simple-oauth2 and Auth.js read).
 */
export const OAuth2TokenResponse = Type.Object({
  access_token: Type.String({ description: 'JWT access token (send as x-auth-token or Authorization: Bearer)' }),
  token_type: Type.Literal('bearer'),
  expires_in: Type.Integer({ description: 'Lifetime of the access token in seconds' }),
  scope: Type.String({ description: 'Granted scopes, space-separated' }),
  expires_at: Type.Integer({ description: 'Expiry of the access token, seconds since the epoch' }),
  refresh_token: Type.Optional(Type.String({ description: 'Present when offline_access was granted; single use (rotated on refresh)' })),
  id_token: Type.Optional(Type.String({ description: 'OpenID Connect ID token, present when openid was granted' })),
});
export type OAuth2TokenResponse = Static<typeof OAuth2TokenResponse>;

/** RFC 7662 answer. Inactive tokens get `{"active": false}` and nothing else. */
export const OAuth2IntrospectionResponse = Type.Object({
  active: Type.Boolean(),
  sub: Type.Optional(Type.String()),
  client_id: Type.Optional(Type.String()),
  scope: Type.Optional(Type.String()),
  exp: Type.Optional(Type.Integer()),
  iat: Type.Optional(Type.Integer()),
  iss: Type.Optional(Type.String()),
  jti: Type.Optional(Type.String()),
  /** `bearer` for access tokens, `refresh_token` for refresh tokens. */
  token_type: Type.Optional(Type.String()),
  /** Ory Hydra's spelling of the token kind: `access_token` or `refresh_token`. */
  token_use: Type.Optional(Type.Union([Type.Literal('access_token'), Type.Literal('refresh_token')])),
  /** `client_credentials` on tokens a client obtained for itself (no user). */
  gty: Type.Optional(Type.String()),
  username: Type.Optional(Type.String()),
});
export type OAuth2IntrospectionResponse = Static<typeof OAuth2IntrospectionResponse>;
