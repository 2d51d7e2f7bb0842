import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HEADERS, RESOURCE_DIGEST_HEADER } from '@quran-sync/protocol';
import { startTestServer, type TestServer } from '../testing/index.js';
import { operationsOf } from './testing/openapi-operations.js';
import { rawRequest } from './testing/raw-http.js';

/**
 * Security headers and hygiene: helmet-style headers on every kind of answer (success,
 * refusals raised in hooks, router-level errors, 404), CORS off by default and never on the admin API,
 * configurable origins for the public APIs, and the editorial API out of reach without `content.write`.
 * Log redaction is tested on the real `quran-sync serve` process (packages/cli/src/reliability/).
 */
const EXPECTED_HEADERS: Record<string, string | RegExp> = {
  'x-content-type-options': 'nosniff',
  // The login page sends the stricter DENY itself.
  'x-frame-options': /^(SAMEORIGIN|DENY)$/,
  'strict-transport-security': /max-age=\d+/,
  'referrer-policy': 'no-referrer',
  'x-dns-prefetch-control': 'off',
  'cross-origin-opener-policy': 'same-origin',
  'x-download-options': 'noopen',
  'x-permitted-cross-domain-policies': 'none',
};

describe('security headers and CORS (default configuration)', () => {
  let server: TestServer;
  let headers: Record<string, string>;
  beforeAll(async () => {
    server = await startTestServer();
    headers = await server.authHeaders({ userId: 'hygiene', scopes: ['sync', 'bookmark', 'content'] });
  });
  afterAll(async () => server?.close());

  it('sends helmet headers and no X-Powered-By on successes, refusals, router errors and 404s', async () => {
    const answers = {
      success: await rawRequest(server.url, { method: 'GET', path: '/v1/bookmarks', headers }),
      '401 (auth hook)': await rawRequest(server.url, { method: 'GET', path: '/v1/bookmarks' }),
      '404 (no route)': await rawRequest(server.url, { method: 'GET', path: '/nowhere' }),
      '414 (URL length hook)': await rawRequest(server.url, { method: 'GET', path: `/health?x=${'a'.repeat(13_000)}` }),
      '400 (NUL in URL)': await rawRequest(server.url, { method: 'GET', path: '/v1/bookmarks/%00', headers }),
      '400 (bad percent-encoding, router)': await rawRequest(server.url, { method: 'GET', path: '/v1/notes/%zz', headers }),
      '413 (body limit)': await rawRequest(server.url, {
        method: 'POST',
        path: '/v1/notes?lastMutationAt=-1',
        headers: { ...headers, 'content-type': 'application/json' },
        body: `{"body":"${'x'.repeat(1_100_000)}"}`,
      }),
      '422 (handler)': await rawRequest(server.url, { method: 'GET', path: '/api/v4/resources/sync?resources=nope:1&bootstrap=true', headers }),
      'OAuth2 error': await rawRequest(server.url, {
        method: 'POST',
        path: '/oauth2/token',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'grant_type=password',
      }),
      'login page': await rawRequest(server.url, { method: 'GET', path: '/oauth2/auth' }),
    };
    for (const [what, res] of Object.entries(answers)) {
      for (const [name, expected] of Object.entries(EXPECTED_HEADERS)) {
        const value = res.headers[name];
        if (expected instanceof RegExp) expect(value, `${what}: ${name}`).toMatch(expected);
        else expect(value, `${what}: ${name}`).toBe(expected);
      }
      expect(res.headers['x-powered-by'], what).toBeUndefined();
      expect(res.headers[HEADERS.requestId], what).toBeTruthy();
    }
    // The login page is the only HTML the server renders: it carries a strict CSP of its own.
    expect(answers['login page'].headers['content-security-policy']).toMatch(/default-src 'none'|default-src 'self'/);
  });

  it('answers no CORS headers at all unless origins are configured', async () => {
    for (const path of ['/api/v4/resources/sync', '/v1/bookmarks', '/admin/v1/compact', '/oauth2/token']) {
      const preflight = await rawRequest(server.url, {
        method: 'OPTIONS',
        path,
        headers: { origin: 'https://app.example', 'access-control-request-method': 'GET' },
      });
      expect(preflight.headers['access-control-allow-origin'], path).toBeUndefined();
      const simple = await rawRequest(server.url, { method: 'GET', path, headers: { ...headers, origin: 'https://app.example' } });
      expect(simple.headers['access-control-allow-origin'], path).toBeUndefined();
    }
  });
});

describe('CORS with configured origins', () => {
  let server: TestServer;
  let editor: Record<string, string>;
  beforeAll(async () => {
    server = await startTestServer({ corsOrigins: 'https://app.example,https://reader.example' });
    editor = await server.authHeaders({ userId: null, scopes: ['content.write', 'content'] });
  });
  afterAll(async () => server?.close());

  it('allows the configured origins on the public APIs, exposing the contract headers', async () => {
    for (const path of ['/api/v4/resources/sync', '/content/api/v4/resources/snapshots/translations/1', '/v1/sync', '/auth/v1/bookmarks', '/oauth2/token']) {
      const preflight = await rawRequest(server.url, {
        method: 'OPTIONS',
        path,
        headers: {
          origin: 'https://reader.example',
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'x-auth-token,x-client-id,content-type',
        },
      });
      expect(preflight.status, path).toBeLessThan(300);
      expect(preflight.headers['access-control-allow-origin'], path).toBe('https://reader.example');
      const simple = await rawRequest(server.url, { method: 'GET', path, headers: { origin: 'https://app.example' } });
      expect(simple.headers['access-control-allow-origin'], path).toBe('https://app.example');
      const exposed = String(simple.headers['access-control-expose-headers']).toLowerCase();
      for (const h of [HEADERS.mutationAt, HEADERS.requestId, HEADERS.etag, HEADERS.retryAfter, RESOURCE_DIGEST_HEADER]) expect(exposed, path).toContain(h);
    }
  });

  it('never allows an origin that is not configured', async () => {
    const res = await rawRequest(server.url, {
      method: 'OPTIONS',
      path: '/v1/sync',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
    });
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
    const simple = await rawRequest(server.url, { method: 'GET', path: '/v1/sync', headers: { origin: 'https://evil.example' } });
    expect(simple.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('never answers CORS on the admin API, even for a configured origin and a valid editor token', async () => {
    for (const path of ['/admin/v1/compact', '/admin/v1/resources/translations/1']) {
      const preflight = await rawRequest(server.url, {
        method: 'OPTIONS',
        path,
        headers: { origin: 'https://app.example', 'access-control-request-method': 'PUT' },
      });
      expect(preflight.headers['access-control-allow-origin'], path).toBeUndefined();
      const simple = await rawRequest(server.url, { method: 'POST', path: '/admin/v1/compact', headers: { ...editor, origin: 'https://app.example' } });
      expect(simple.status).toBe(200);
      expect(simple.headers['access-control-allow-origin'], path).toBeUndefined();
    }
  });
});

describe('the editorial API needs content.write', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => server?.close());

  it('every admin operation of the OpenAPI document: 401 without a token, 403 with every other scope', async () => {
    const admin = operationsOf(await (await fetch(`${server.url}/openapi.json`)).json()).filter((o) => o.family === 'admin');
    expect(admin.length).toBeGreaterThanOrEqual(5);
    const everyOtherScope = await server.authHeaders({
      userId: 'someone',
      scopes: [
        'content',
        'sync',
        'bookmark',
        'collection',
        'note',
        'reading_session',
        'preference',
        'openid',
        'offline_access',
        'content.read',
        'write',
        'admin',
      ],
    });
    const clientWithContent = await server.authHeaders({ userId: null, scopes: ['content'] });
    for (const op of admin) {
      const path = op.path.replace('{resource_group}', 'translations').replace('{id}', '1');
      const body: Record<string, string> = op.body ? { 'content-type': 'application/json' } : {};
      const send = (h: Record<string, string>) =>
        rawRequest(server.url, { method: op.method, path, headers: { ...h, ...body }, ...(op.body ? { body: '{"status":"public"}' } : {}) });
      expect((await send({})).status, `${op.method} ${path}`).toBe(401);
      expect((await send(everyOtherScope)).status, `${op.method} ${path}`).toBe(403);
      expect((await send(clientWithContent)).status, `${op.method} ${path}`).toBe(403);
    }
    const rows = await server.ctx.db.selectFrom('content_resources').select('resource_id').execute();
    expect(rows).toEqual([]);
  });
});
