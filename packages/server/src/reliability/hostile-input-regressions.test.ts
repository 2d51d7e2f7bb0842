import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HEADERS } from '@quran-sync/protocol';
import { startTestServer, type TestServer } from '../testing/index.js';
import { MAX_BODY_DEPTH } from '../http/request-input-guard.js';
import { databaseFingerprint, fingerprintDiff } from './testing/db-fingerprint.js';
import { errorEnvelopeProblem, routeFamilyOf } from './testing/error-envelope-check.js';
import { deeplyNested } from './testing/hostile-values.js';
import { rawRequest } from './testing/raw-http.js';

/**
 * The exact requests the OpenAPI fuzzer (openapi-fuzz.test.ts) found answered with a 500 or outside the
 * contract's envelopes, kept as fixed cases so they can never come back unnoticed. Each answer must be the
 * listed 4xx, in the route's envelope, with `X-Request-Id`, and leave stored data untouched.
 */
describe('hostile input found by fuzzing (regressions)', () => {
  let server: TestServer;
  let headers: Record<string, string>;
  let noteId: string;

  beforeAll(async () => {
    server = await startTestServer();
    headers = await server.authHeaders({ userId: 'regress', scopes: ['sync', 'bookmark', 'collection', 'note', 'preference', 'content', 'content.write'] });
    const res = await fetch(`${server.url}/v1/notes?lastMutationAt=-1`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body: JSON.stringify({ body: 'a note to keep', ranges: ['1:1'] }),
    });
    noteId = ((await res.json()) as { data: { id: string } }).data.id;
    await fetch(`${server.url}/admin/v1/resources/translations/19`, {
      method: 'PUT',
      headers: { ...headers, 'content-type': 'application/json' },
      body: JSON.stringify({ status: 'public' }),
    });
  });
  afterAll(async () => server?.close());

  const head = async (): Promise<number> => {
    const res = await fetch(`${server.url}/v1/sync?mutationsSince=0&metadataOnly=true`, { headers });
    return ((await res.json()) as { data: { lastMutationAt: number } }).data.lastMutationAt;
  };
  const deep = deeplyNested(50_000);

  // [what, method, path (HEAD → current head), body (JSON text), extra headers, expected status, path template for the envelope]
  const cases: Array<[string, string, string, string | undefined, Record<string, string>, number, string]> = [
    [
      'NUL in a path parameter (was 500: PostgreSQL refuses NUL in text)',
      'DELETE',
      '/v1/bookmarks/.%00.?lastMutationAt=HEAD',
      undefined,
      {},
      400,
      '/v1/bookmarks/{id}',
    ],
    [
      'NUL in a query parameter of the authorization endpoint (was 500)',
      'GET',
      '/oauth2/auth?response_type=code&client_id=a%00b&redirect_uri=x',
      undefined,
      {},
      400,
      '/oauth2/auth',
    ],
    ['bad percent-encoding in the path (was Fastify body, no request id)', 'GET', '/v1/collections/%FF%FE', undefined, {}, 400, '/v1/collections/{id}'],
    [
      'encoded lone surrogate in the path (was Fastify body)',
      'GET',
      '/api/v4/resources/snapshots/translations/%ED%A0%80',
      undefined,
      {},
      400,
      '/api/v4/resources/snapshots/{resource_group}/{id}',
    ],
    ['path parameter beyond the router limit (was Fastify 414 body)', 'GET', `/v1/notes/${'x'.repeat(600)}`, undefined, {}, 414, '/v1/notes/{id}'],
    ['NUL in a note body (was 500)', 'POST', '/v1/notes?lastMutationAt=HEAD', '{"body":"abc\\u0000defgh","ranges":["1:1"]}', {}, 400, '/v1/notes'],
    ['NUL in a collection name (was 500)', 'POST', '/v1/collections?lastMutationAt=HEAD', '{"name":"a\\u0000b"}', {}, 400, '/v1/collections'],
    [
      'lone surrogate in a note body (jsonb refuses it)',
      'POST',
      '/v1/notes?lastMutationAt=HEAD',
      '{"body":"abc\\ud800defgh","ranges":["1:1"]}',
      {},
      400,
      '/v1/notes',
    ],
    [
      'NUL in a pushed note (was 500)',
      'POST',
      '/v1/sync?lastMutationAt=HEAD',
      '{"mutations":[{"type":"CREATE","resource":"NOTE","data":{"body":"abc\\u0000defgh","ranges":["1:1"]}}]}',
      {},
      422,
      '/v1/sync',
    ],
    [
      'NUL in a pushed preference value (was 500)',
      'POST',
      '/v1/sync?lastMutationAt=HEAD',
      '{"mutations":[{"type":"UPDATE","resource":"PREFERENCE","resourceId":"reading","data":{"group":"reading","value":{"selectedReadingTranslation":"a\\u0000"}}}]}',
      {},
      422,
      '/v1/sync',
    ],
    [
      'deep nesting in an ignored key of a push with Idempotency-Key (was 500: stack overflow hashing it)',
      'POST',
      '/v1/sync?lastMutationAt=HEAD',
      `{"mutations":[{"type":"CREATE","resource":"BOOKMARK","data":{"type":"ayah","key":1,"verseNumber":2,"x":${deep}}}]}`,
      { 'idempotency-key': 'k1' },
      422,
      '/v1/sync',
    ],
    [
      'deep nesting in a direct write with Idempotency-Key (was 500)',
      'POST',
      '/v1/bookmarks?lastMutationAt=HEAD',
      `{"type":"ayah","key":1,"verseNumber":3,"x":${deep}}`,
      { 'idempotency-key': 'k2' },
      400,
      '/v1/bookmarks',
    ],
    [
      'deep editorial metadata (was 500)',
      'PUT',
      '/admin/v1/resources/translations/5',
      `{"status":"public","metadata":{"x":${deep}}}`,
      {},
      400,
      '/admin/v1/resources/{resource_group}/{id}',
    ],
    [
      'NUL in editorial metadata (was 500)',
      'PUT',
      '/admin/v1/resources/translations/6',
      '{"status":"public","metadata":{"x":"a\\u0000"}}',
      {},
      400,
      '/admin/v1/resources/{resource_group}/{id}',
    ],
    [
      'NUL in an editorial status reason (was 500)',
      'PUT',
      '/admin/v1/resources/translations/19',
      '{"status":"hidden","reason":"a\\u0000"}',
      {},
      400,
      '/admin/v1/resources/{resource_group}/{id}',
    ],
    [
      'NUL in an editorial row (was 500)',
      'POST',
      '/admin/v1/resources/translations/19/rows',
      '{"upsert":[{"id":1,"verse_key":"1:1","text":"a\\u0000"}]}',
      {},
      400,
      '/admin/v1/resources/{resource_group}/{id}/rows',
    ],
    [
      'client_id=%2500 on revocation: the Basic-style form-decoding made it a NUL (was 500 in CI, seed 771876622)',
      'POST',
      '/oauth2/revoke',
      'token=0&client_id=%2500',
      { 'content-type': 'application/x-www-form-urlencoded' },
      401,
      '/oauth2/revoke',
    ],
    [
      'unusable Idempotency-Key on a direct write (was the sync envelope)',
      'PATCH',
      `/v1/notes/{note}?lastMutationAt=HEAD`,
      '{"body":"changed body"}',
      { 'idempotency-key': 'has space' },
      422,
      '/v1/notes/{id}',
    ],
  ];

  for (const [what, method, path, body, extra, status, template] of cases) {
    it(what, async () => {
      const before = await databaseFingerprint(server.ctx.db);
      const res = await rawRequest(server.url, {
        method,
        path: path.replace('HEAD', String(await head())).replace('{note}', noteId),
        headers: { ...headers, ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...extra },
        ...(body !== undefined ? { body } : {}),
      });
      expect(res.status, res.text).toBe(status);
      expect(res.headers[HEADERS.requestId]).toBeTruthy();
      expect(errorEnvelopeProblem(routeFamilyOf(template), res.status, res.headers['content-type'], res.text)).toBeNull();
      expect(fingerprintDiff(before, await databaseFingerprint(server.ctx.db))).toEqual([]);
    });
  }

  it('refuses the same Idempotency-Key for another direct write in the standard envelope (was the sync envelope)', async () => {
    const send = async (name: string) =>
      rawRequest(server.url, {
        method: 'POST',
        path: `/v1/collections?lastMutationAt=${await head()}`,
        headers: { ...headers, 'content-type': 'application/json', 'idempotency-key': 'same-key' },
        body: JSON.stringify({ name }),
      });
    expect((await send('first')).status).toBe(200);
    const reused = await send('second');
    expect(reused.status).toBe(422);
    expect(JSON.parse(reused.text)).toEqual({
      message: 'Idempotency-Key was already used for a different request',
      type: 'unprocessable_entity',
      success: false,
    });
  });

  it(`accepts nesting up to ${MAX_BODY_DEPTH} levels (the limit is far above any contract shape)`, async () => {
    const nested = (depth: number) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
    const put = (depth: number) =>
      rawRequest(server.url, {
        method: 'PUT',
        path: '/admin/v1/resources/translations/19',
        headers: { ...headers, 'content-type': 'application/json' },
        body: `{"status":"public","metadata":${nested(depth)}}`,
      });
    // metadata sits at level 1, so its own nesting may use the remaining levels.
    expect((await put(MAX_BODY_DEPTH - 2)).status).toBe(200);
    expect((await put(MAX_BODY_DEPTH + 1)).status).toBe(400);
  });
});

describe('explicitly configured body and URL limits', () => {
  let server: TestServer;
  let headers: Record<string, string>;
  beforeAll(async () => {
    server = await startTestServer({ http: { bodyLimitBytes: 4096, maxUrlLength: 1024 } });
    headers = await server.authHeaders({ userId: 'limits', scopes: ['sync', 'note', 'content', 'content.write'] });
  });
  afterAll(async () => server?.close());

  it('QS_BODY_LIMIT: a body above it is 413 in the route envelope; below it is processed', async () => {
    const note = (size: number) => JSON.stringify({ body: 'x'.repeat(size), ranges: ['1:1'] });
    const big = await rawRequest(server.url, {
      method: 'POST',
      path: '/v1/notes?lastMutationAt=-1',
      headers: { ...headers, 'content-type': 'application/json' },
      body: note(5000),
    });
    expect(big.status).toBe(413);
    expect(JSON.parse(big.text)).toMatchObject({ type: 'payload_too_large', success: false });
    const admin = await rawRequest(server.url, {
      method: 'PUT',
      path: '/admin/v1/resources/translations/1',
      headers: { ...headers, 'content-type': 'application/json' },
      body: JSON.stringify({ metadata: { x: 'y'.repeat(5000) } }),
    });
    expect(admin.status).toBe(413);
    const token = await rawRequest(server.url, {
      method: 'POST',
      path: '/oauth2/token',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `grant_type=client_credentials&x=${'y'.repeat(5000)}`,
    });
    expect(token.status).toBe(413);
    expect(JSON.parse(token.text)).toMatchObject({ error: 'invalid_request', status_code: 413 });
    const small = await rawRequest(server.url, {
      method: 'POST',
      path: '/v1/notes?lastMutationAt=-1',
      headers: { ...headers, 'content-type': 'application/json' },
      body: note(3000),
    });
    expect(small.status).toBe(200);
  });

  it('a push may carry its documented maximum (100 mutations) whatever the general limit', async () => {
    const mutations = Array.from({ length: 100 }, (_, i) => ({
      type: 'CREATE',
      resource: 'NOTE',
      data: { body: `note ${i} ${'z'.repeat(200)}`, ranges: ['1:1'] },
    }));
    const res = await rawRequest(server.url, {
      method: 'POST',
      path: `/v1/sync?lastMutationAt=${await currentHead(server, headers)}`,
      headers: { ...headers, 'content-type': 'application/json' },
      body: JSON.stringify({ mutations }),
    });
    expect(res.status, res.text.slice(0, 200)).toBe(200);
  });

  it('QS_MAX_URL_LENGTH: a longer URL is 414 in the standard envelope', async () => {
    const res = await rawRequest(server.url, {
      method: 'GET',
      path: `/api/v4/resources/sync?resources=translations:${'1,'.repeat(600)}1&bootstrap=true`,
      headers,
    });
    expect(res.status).toBe(414);
    expect(JSON.parse(res.text)).toMatchObject({ type: 'invalid_request', success: false });
  });
});

async function currentHead(server: TestServer, headers: Record<string, string>): Promise<number> {
  const res = await fetch(`${server.url}/v1/sync?mutationsSince=0&metadataOnly=true`, { headers });
  return ((await res.json()) as { data: { lastMutationAt: number } }).data.lastMutationAt;
}
