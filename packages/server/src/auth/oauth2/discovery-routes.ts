import { ALL_SCOPES } from '@quran-sync/protocol';
import type { FastifyInstance } from 'fastify';
import { SIGNING_ALGORITHM } from '../signing-keys.js';
import type { IssuerDependencies } from './issuer-dependencies.js';
import { publicBaseUrl } from './issuer-urls.js';
import { discoveryRouteSchema, jwksRouteSchema } from './oauth2-route-schemas.js';

/**
 * `/.well-known/openid-configuration` (also served as RFC 8414 `oauth-authorization-server`) and
 * `/.well-known/jwks.json`. Clients cache both, so they carry a short public max-age: a rotated key reaches
 * verifiers within minutes (and jose refetches a JWKS by itself when it meets an unknown `kid`).
 */
export function registerDiscoveryRoutes(app: FastifyInstance, deps: IssuerDependencies): void {
  const discovery = async (request: Parameters<typeof publicBaseUrl>[1], reply: { header(name: string, value: string): unknown }) => {
    const base = publicBaseUrl(deps.publicUrl, request);
    reply.header('cache-control', 'public, max-age=300');
    return {
      issuer: deps.issuer,
      authorization_endpoint: `${base}/oauth2/auth`,
      token_endpoint: `${base}/oauth2/token`,
      introspection_endpoint: `${base}/oauth2/introspect`,
      revocation_endpoint: `${base}/oauth2/revoke`,
      userinfo_endpoint: `${base}/userinfo`,
      jwks_uri: `${base}/.well-known/jwks.json`,
      scopes_supported: [...ALL_SCOPES],
      response_types_supported: ['code'],
      response_modes_supported: ['query'],
      grant_types_supported: ['authorization_code', 'client_credentials', 'refresh_token'],
      code_challenge_methods_supported: ['S256'],
      token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'none'],
      introspection_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
      revocation_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'none'],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: [SIGNING_ALGORITHM],
      claims_supported: ['iss', 'sub', 'aud', 'exp', 'iat', 'auth_time', 'nonce', 'at_hash', 'preferred_username'],
    };
  };
  app.get('/.well-known/openid-configuration', { schema: discoveryRouteSchema }, discovery);
  app.get(
    '/.well-known/oauth-authorization-server',
    { schema: { ...discoveryRouteSchema, summary: 'RFC 8414 authorization server metadata (same document)' } },
    discovery,
  );

  app.get('/.well-known/jwks.json', { schema: jwksRouteSchema }, async (_request, reply) => {
    reply.header('cache-control', 'public, max-age=300');
    return deps.keys.jwks;
  });
}
