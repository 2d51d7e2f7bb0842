import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import { documentCommonAnswers, jsonSerializerCompiler } from './response-docs.js';

/**
 * The OpenAPI 3.1 document is generated from the route schemas (so it cannot drift from what the server
 * validates) and served at `/openapi.json`; `/docs` is a browsable reference over it. Every documented route
 * has response schemas for its success and error answers (http/response-docs.ts); they document, the wire
 * stays what handlers send. Must be registered before any route so every route is collected.
 */
export async function installOpenApi(app: FastifyInstance, info: { version: string; publicUrl?: string | null }): Promise<void> {
  app.setSerializerCompiler(jsonSerializerCompiler);
  documentCommonAnswers(app);
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Quran Sync',
        version: info.version,
        description:
          'Self-hostable Quran.Foundation sync platform: Content Sync (`/api/v4/resources/...`), User Data Sync (`/v1/...`), ' +
          'OAuth2 (`/oauth2/...`), the editorial API (`/admin/v1/...`) and the operator probes (`/health`, `/ready`, `/metrics`). ' +
          'Every API is also served under its gateway prefix (`/content/api/v4`, `/auth/v1`). Errors come in four envelopes: ' +
          'standard `{message, type, success: false}`, user sync `{success: false, error: {code, message}}`, content sync ' +
          '`{error: {code, message}}` and OAuth2 `{error, error_description, status_code}`; each response names its own.',
        license: { name: 'MIT', identifier: 'MIT' },
      },
      components: {
        securitySchemes: {
          accessToken: { type: 'apiKey', in: 'header', name: 'x-auth-token', description: 'OAuth2 access token (or `Authorization: Bearer`)' },
          clientId: { type: 'apiKey', in: 'header', name: 'x-client-id', description: 'OAuth2 client id the token was issued to' },
          metricsToken: { type: 'http', scheme: 'bearer', description: "The operator's QS_METRICS_TOKEN" },
        },
      },
    },
  });
  // The browsable reference loads the one served document (behind a path prefix: the public URL's path).
  const publicPath = info.publicUrl ? new URL(info.publicUrl).pathname.replace(/\/+$/, '') : '';
  await app.register(swaggerUi, { routePrefix: '/docs', staticCSP: true, uiConfig: { urls: [{ name: 'Quran Sync', url: `${publicPath}/openapi.json` }] } });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
}
