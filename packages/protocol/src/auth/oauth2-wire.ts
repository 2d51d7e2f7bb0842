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

/** OpenID Connect userinfo answer. */
export const OAuth2UserinfoResponse = Type.Object({ sub: Type.String(), preferred_username: Type.String() });
export type OAuth2UserinfoResponse = Static<typeof OAuth2UserinfoResponse>;

const strings = Type.Array(Type.String());

/** OpenID Connect discovery document, also served as RFC 8414 authorization server metadata. */
export const OAuth2ServerMetadata = Type.Object({
  issuer: Type.String(),
  authorization_endpoint: Type.String(),
  token_endpoint: Type.String(),
  introspection_endpoint: Type.String(),
  revocation_endpoint: Type.String(),
  userinfo_endpoint: Type.String(),
  jwks_uri: Type.String(),
  scopes_supported: strings,
  response_types_supported: strings,
  response_modes_supported: strings,
  grant_types_supported: strings,
  code_challenge_methods_supported: strings,
  token_endpoint_auth_methods_supported: strings,
  introspection_endpoint_auth_methods_supported: strings,
  revocation_endpoint_auth_methods_supported: strings,
  subject_types_supported: strings,
  id_token_signing_alg_values_supported: strings,
  claims_supported: strings,
});
export type OAuth2ServerMetadata = Static<typeof OAuth2ServerMetadata>;

/** The issuer's public keys (RFC 7517 JWK Set); members beyond `kid`, `kty`, `alg`, `use` follow the key type. */
export const JsonWebKeySet = Type.Object({
  keys: Type.Array(
    Type.Object(
      { kid: Type.String(), kty: Type.String(), alg: Type.Optional(Type.String()), use: Type.Optional(Type.String()) },
      { additionalProperties: true },
    ),
  ),
});
export type JsonWebKeySet = Static<typeof JsonWebKeySet>;
