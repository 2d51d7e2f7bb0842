import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';

/**
 * The OpenAPI 3.1 document is generated from the route schemas (so it cannot drift from what the server
 * validates) and served at `/openapi.json`; `/docs` is a browsable reference over it. Must be registered
 * before any route so every route is collected.
 */
export async function installOpenApi(app: FastifyInstance, info: { version: string }): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Quran Sync',
        version: info.version,
        description:
          'Self-hostable Quran.Foundation sync platform: Content Sync (`/api/v4/resources/...`), User Data Sync (`/v1/...`), ' +
          'OAuth2 (`/oauth2/...`) and the editorial API (`/admin/v1/...`). Every API is also served under its gateway prefix ' +
          '(`/content/api/v4`, `/auth/v1`).',
        license: { name: 'MIT', identifier: 'MIT' },
      },
      components: {
        securitySchemes: {
          accessToken: { type: 'apiKey', in: 'header', name: 'x-auth-token', description: 'OAuth2 access token (or `Authorization: Bearer`)' },
          clientId: { type: 'apiKey', in: 'header', name: 'x-client-id', description: 'OAuth2 client id the token was issued to' },
        },
      },
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs', staticCSP: true });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
}
