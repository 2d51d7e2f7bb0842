import type { FastifyInstance } from 'fastify';
import type { CapabilityPlugin } from '../../capability-plugin.js';
import { oauth2Error } from '../../http/api-error.js';
import { registerAuthorizationEndpoint } from './authorization-endpoint.js';
import { ClientAuthThrottle } from './client-auth-throttle.js';
import { registerDiscoveryRoutes } from './discovery-routes.js';
import { registerIntrospectionEndpoint } from './introspection-endpoint.js';
import { issuerDependencies } from './issuer-dependencies.js';
import { registerRevocationEndpoint } from './revocation-endpoint.js';
import { registerTokenEndpoint } from './token-endpoint.js';
import { registerUserinfoRoute } from './userinfo-route.js';

/**
 * `/oauth2/*`, `/userinfo` and `/.well-known/*` of the built-in issuer. When the server trusts an external
 * issuer (jwks or introspection mode) it must not mint tokens of its own: every issuer path then answers
 * 404 in the OAuth2 envelope, saying where tokens come from instead.
 */
export const oauth2Routes: CapabilityPlugin = async (app, { ctx }) => {
  const deps = ctx.config.auth.mode === 'builtin' ? issuerDependencies(ctx, ClientAuthThrottle.install(app, ctx.config.rateLimit)) : null;
  if (!deps) {
    registerExternalIssuerNotice(app, ctx.config.auth.mode);
    return;
  }
  registerTokenEndpoint(app, deps);
  registerAuthorizationEndpoint(app, deps);
  registerIntrospectionEndpoint(app, deps);
  registerRevocationEndpoint(app, deps);
  registerUserinfoRoute(app, deps);
  registerDiscoveryRoutes(app, deps);
};

function registerExternalIssuerNotice(app: FastifyInstance, mode: string): void {
  const notFound = async (): Promise<never> => {
    throw oauth2Error(
      'invalid_request',
      `This server does not issue tokens: it trusts an external issuer (QS_AUTH_MODE=${mode}). Obtain tokens from that issuer.`,
      404,
    );
  };
  const hidden = { schema: { hide: true }, config: { errorEnvelope: 'oauth2' as const } };
  app.all('/oauth2/*', hidden, notFound);
  for (const url of ['/userinfo', '/.well-known/openid-configuration', '/.well-known/oauth-authorization-server', '/.well-known/jwks.json']) {
    app.get(url, hidden, notFound);
  }
}
