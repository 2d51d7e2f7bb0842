import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../testing/index.js';

/**
 * The App State routes over raw HTTP: the wire details the SDK does not exercise, and hostile input on every
 * route — each answered with a 4xx in the App State envelope (never a 500), leaving stored data as it was.
 */
describe('App State HTTP API', () => {
  let server: TestServer;
  let headers: Record<string, string>;
  let n = 0;

  beforeAll(async () => {
    server = await startTestServer({
      appState: {
        collections: [
          { name: 'settings', maxDocumentsPerUser: 3, requiresPrecondition: true },
          { name: 'free', maxDocumentsPerUser: 50, requiresPrecondition: false },
        ],
        limits: { maxDocumentBytes: 200, quotaBytesPerUser: 500, maxDocumentsPerUser: 5, changeRetentionDays: 30 },
      },
    });
    headers = await server.authHeaders({ userId: 'hostile-user', clientId: 'app', scopes: ['app_state'] });
  });
  afterAll(async () => {
    await server?.close();
  });

  const key = () => `idem-key-${String(++n).padStart(10, '0')}`;
  const call = async (method: string, path: string, extra: { body?: string; headers?: Record<string, string> } = {}) => {
    const res = await fetch(`${server.url}${path}`, {
      method,
      headers: { ...headers, ...(extra.body !== undefined ? { 'content-type': 'application/json' } : {}), ...extra.headers },
      ...(extra.body !== undefined ? { body: extra.body } : {}),
    });
    const text = await res.text();
    return { status: res.status, etag: res.headers.get('etag'), body: text ? (JSON.parse(text) as Record<string, any>) : null };
  };
  const put = (path: string, value: unknown, h: Record<string, string> = {}) =>
    call('PUT', path, { body: JSON.stringify({ value, schemaVersion: 1 }), headers: { 'idempotency-key': key(), ...h } });
  const code = (r: { body: Record<string, any> | null }) => r.body?.details?.error?.code as string | undefined;

  it('creates with 201, replaces with 200, answers the document with its ETag, deletes with 204 and no body, under both prefixes', async () => {
    const created = await put('/auth/v1/app-state/free/a%3Ab%20c', { x: 1 });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({ success: true, data: { collection: 'free', key: 'a:b c', schemaVersion: 1, version: 1, updatedAt: expect.any(String) } });
    const read = await call('GET', '/v1/app-state/free/a%3Ab%20c');
    expect(read.status).toBe(200);
    expect(read.etag).toBe(created.etag);
    expect(read.body?.data).toMatchObject({ key: 'a:b c', value: { x: 1 }, version: 1 });
    const replaced = await put('/v1/app-state/free/a%3Ab%20c', [1, 'two'], { 'if-match': `W/${created.etag!}` });
    expect(replaced.status).toBe(200);
    expect(replaced.body?.data.version).toBe(2);
    const removed = await call('DELETE', '/v1/app-state/free/a%3Ab%20c', { headers: { 'idempotency-key': key(), 'if-match': replaced.etag! } });
    expect(removed).toEqual({ status: 204, etag: null, body: null });
    expect(code(await call('GET', '/v1/app-state/free/a%3Ab%20c'))).toBe('document_not_found');
    expect((await call('DELETE', '/v1/app-state/free/a%3Ab%20c', { headers: { 'idempotency-key': key() } })).status).toBe(204);
  });

  it('enforces preconditions: 428 without one on a strict collection, 412 with the current ETag, 400 for both or a malformed one', async () => {
    expect(code(await put('/v1/app-state/settings/p', 1))).toBe('precondition_required');
    const created = await put('/v1/app-state/settings/p', 1, { 'if-none-match': '*' });
    expect(created.status).toBe(201);
    const again = await put('/v1/app-state/settings/p', 2, { 'if-none-match': '*' });
    expect(again.status).toBe(412);
    expect(again.body).toMatchObject({
      type: 'precondition_failed',
      success: false,
      details: { currentETag: created.etag, error: { code: 'precondition_failed', details: { currentETag: created.etag } } },
    });
    const stale = await put('/v1/app-state/settings/p', 2, { 'if-match': '"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"' });
    expect(stale.status).toBe(412);
    expect(code(await put('/v1/app-state/settings/p', 2, { 'if-match': created.etag!, 'if-none-match': '*' }))).toBe('invalid_precondition');
    for (const bad of ['abc', '"short"', `${created.etag!}, ${created.etag!}`, 'W/*'])
      expect(code(await put('/v1/app-state/settings/p', 2, { 'if-match': bad }))).toBe('invalid_etag');
    expect((await call('GET', '/v1/app-state/settings/p')).body?.data).toMatchObject({ value: 1, version: 1 });
  });

  it('refuses hostile paths, keys and collections without a 500', async () => {
    const longKey = '😀'.repeat(512);
    expect((await put(`/v1/app-state/free/${encodeURIComponent(longKey)}`, 'ok')).status).toBe(201);
    const cases: Array<[string, string]> = [
      [`/v1/app-state/free/${encodeURIComponent(`${longKey}x`)}`, 'invalid_key'],
      ['/v1/app-state/free/a%2Fb', 'invalid_key'],
      ['/v1/app-state/free/a/b', 'invalid_key'],
      ['/v1/app-state/free/a%5Cb', 'invalid_key'],
      ['/v1/app-state/free/a%01b', 'invalid_key'],
      ['/v1/app-state/free/a%7Fb', 'invalid_key'],
      ['/v1/app-state/Free/a', 'invalid_collection'],
      ['/v1/app-state/..%2F..%2Fetc/a', 'invalid_collection'],
      ['/v1/app-state/unknown/a', 'collection_not_allowed'],
    ];
    for (const [path, expected] of cases) {
      for (const method of ['GET', 'PUT', 'DELETE']) {
        const res = method === 'PUT' ? await put(path, 1) : await call(method, path, { headers: { 'idempotency-key': key() } });
        expect([path, method, res.status < 500 && res.status >= 400, code(res)]).toEqual([path, method, true, expected]);
      }
    }
    // Not percent-encoded UTF-8 (the last one a lone surrogate): refused by the router, in the standard envelope.
    for (const path of [
      '/v1/app-state/free/%ED%A0%80',
      '/v1/app-state/free/%',
      '/v1/app-state/free/%E0%A4%A',
      '/v1/app-state/free/%00',
      '/v1/app-state/',
      '/v1/app-state//x',
    ]) {
      for (const method of ['GET', 'PUT', 'DELETE']) {
        const res = await call(method, path, method === 'GET' ? {} : { headers: { 'idempotency-key': key() }, body: '{"value":1,"schemaVersion":1}' });
        expect([path, method, res.status >= 400 && res.status < 500]).toEqual([path, method, true]);
      }
    }
  });

  it('refuses hostile bodies and headers with clear codes, storing nothing', async () => {
    const path = '/v1/app-state/free/body';
    const withKey = (body: string, h: Record<string, string> = {}) => call('PUT', path, { body, headers: { 'idempotency-key': key(), ...h } });
    const deep = `{"schemaVersion":1,"value":${'['.repeat(65)}${']'.repeat(65)}}`;
    const cases: Array<[string, string]> = [
      ['not json', 'invalid_json'],
      ['[]', 'invalid_json'],
      ['"x"', 'invalid_json'],
      ['{"schemaVersion":1}', 'invalid_json'],
      ['{"value":1}', 'invalid_json'],
      ['{"value":1,"schemaVersion":0}', 'invalid_json'],
      ['{"value":1,"schemaVersion":1.5}', 'invalid_json'],
      ['{"value":1,"schemaVersion":"1"}', 'invalid_json'],
      ['{"value":1,"schemaVersion":2147483648}', 'invalid_json'],
      ['{"value":1e999,"schemaVersion":1}', 'invalid_json'],
      ['{"value":"\\ud800","schemaVersion":1}', 'invalid_json'],
      [deep, 'invalid_json'],
      ['{"value":1,"schemaVersion":1,"__proto__":{"x":1}}', 'invalid_json'],
      [JSON.stringify({ value: 'x'.repeat(300), schemaVersion: 1 }), 'document_too_large'],
    ];
    for (const [body, expected] of cases) {
      const res = await withKey(body);
      expect([body.slice(0, 40), res.status >= 400 && res.status < 500, code(res)]).toEqual([body.slice(0, 40), true, expected]);
    }
    expect((await withKey(`{"schemaVersion":1,"value":${'['.repeat(64)}${']'.repeat(64)}}`)).status).toBe(201);
    expect((await withKey('{"value":"nul \\u0000 inside","schemaVersion":1}')).status).toBe(200);
    expect((await call('GET', path)).body?.data.value).toBe('nul \u0000 inside');
    for (const idem of ['', 'short', 'x'.repeat(257), 'has space inside 123']) {
      expect(code(await withKey('{"value":1,"schemaVersion":1}', { 'idempotency-key': idem }))).toBe('invalid_idempotency_key');
    }
    expect(code(await call('DELETE', path))).toBe('invalid_idempotency_key');
    const form = await fetch(`${server.url}${path}`, {
      method: 'PUT',
      headers: { ...headers, 'idempotency-key': key(), 'content-type': 'text/plain' },
      body: 'value=1',
    });
    expect(form.status).toBe(415);
    expect((await call('GET', path)).body?.data).toMatchObject({ version: 2, value: 'nul \u0000 inside' });
  });

  it('enforces quotas per collection, per user and in bytes (422 quota_exceeded), counting replacements and deletes right', async () => {
    const other = await server.authHeaders({ userId: 'quota-user', clientId: 'app', scopes: ['app_state'] });
    const q = (method: string, k: string, value?: unknown, h: Record<string, string> = {}) =>
      fetch(`${server.url}/v1/app-state/settings/${k}`, {
        method,
        headers: { ...other, 'idempotency-key': key(), 'content-type': 'application/json', ...h },
        ...(value !== undefined ? { body: JSON.stringify({ value, schemaVersion: 1 }) } : {}),
      }).then(async (r) => ({ status: r.status, etag: r.headers.get('etag'), body: r.status === 204 ? null : ((await r.json()) as Record<string, any>) }));
    const etags: string[] = [];
    for (const k of ['a', 'b', 'c']) etags.push((await q('PUT', k, 'x'.repeat(158), { 'if-none-match': '*' })).etag!);
    const fourth = await q('PUT', 'd', 1, { 'if-none-match': '*' });
    expect(fourth.status).toBe(422);
    expect(fourth.body?.details.error).toMatchObject({ code: 'quota_exceeded', details: { collection: 'settings', maxDocumentsPerUser: 3 } });
    // 3 × 160 bytes used; growing one document to 200 bytes would make 520, above 500.
    const grow = await q('PUT', 'a', 'y'.repeat(198), { 'if-match': etags[0]! });
    expect(grow.status).toBe(422);
    expect(grow.body?.details.error.details).toEqual({ bytesUsed: 520, quotaBytesPerUser: 500 });
    expect((await q('DELETE', 'b', undefined, { 'if-match': etags[1]! })).status).toBe(204);
    expect((await q('PUT', 'a', 'y'.repeat(198), { 'if-match': etags[0]! })).status).toBe(200);
    expect((await q('PUT', 'd', 1, { 'if-none-match': '*' })).status).toBe(201);
  });

  it('validates sync tokens and cursors: garbage 400, another user’s 400, lenient limits', async () => {
    expect(code(await call('GET', '/v1/app-state:changes'))).toBe('invalid_sync_token');
    for (const since of ['x', 's1.0.AAAAAAAAAAAAAAAAAAAAAA', 's1.999999999999999999.x', '%00']) {
      expect(code(await call('GET', `/v1/app-state:changes?since=${encodeURIComponent(since)}`))).toBe('invalid_sync_token');
    }
    const boot = await call('GET', '/v1/app-state:bootstrap?limit=-5');
    expect(boot.status).toBe(200);
    const token = boot.body?.data.nextSyncToken as string;
    expect((await call('GET', `/v1/app-state:changes?since=${encodeURIComponent(token)}&limit=abc`)).status).toBe(200);
    const stranger = await server.authHeaders({ userId: 'someone-else', clientId: 'app', scopes: ['app_state'] });
    const theirs = await fetch(`${server.url}/v1/app-state:changes?since=${encodeURIComponent(token)}`, { headers: stranger });
    expect(theirs.status).toBe(400);
    const otherApp = await server.authHeaders({ userId: 'hostile-user', clientId: 'other-app', scopes: ['app_state'] });
    expect((await fetch(`${server.url}/v1/app-state:changes?since=${encodeURIComponent(token)}`, { headers: otherApp })).status).toBe(400);
    expect(code(await call('GET', '/v1/app-state:bootstrap?cursor=nope'))).toBe('invalid_cursor');
    expect(code(await call('GET', '/v1/app-state/free?cursor=nope'))).toBe('invalid_cursor');
    expect(code(await call('GET', `/v1/app-state:changes?since=${encodeURIComponent(token)}&since=${encodeURIComponent(token)}`))).toBe('invalid_sync_token');
  });

  it('refuses missing tokens (401), client tokens and tokens without the scope (403)', async () => {
    expect((await fetch(`${server.url}/v1/app-state:config`)).status).toBe(401);
    const client = await server.authHeaders({ userId: null, clientId: 'app', scopes: ['app_state'] });
    expect((await fetch(`${server.url}/v1/app-state:config`, { headers: client })).status).toBe(403);
    const writeOnly = await server.authHeaders({ userId: 'w', clientId: 'app', scopes: ['app_state.write'] });
    expect((await fetch(`${server.url}/v1/app-state:config`, { headers: writeOnly })).status).toBe(200);
    expect((await fetch(`${server.url}/v1/app-state:bootstrap`, { headers: writeOnly })).status).toBe(403);
  });

  it('lists every route with its response schemas in the OpenAPI document', async () => {
    const doc = (await (await fetch(`${server.url}/openapi.json`)).json()) as { paths: Record<string, Record<string, { responses: Record<string, unknown> }>> };
    for (const prefix of ['/v1', '/auth/v1']) {
      expect(Object.keys(doc.paths[`${prefix}/app-state:config`] ?? {})).toContain('get');
      expect(Object.keys(doc.paths[`${prefix}/app-state:bootstrap`] ?? {})).toContain('get');
      expect(Object.keys(doc.paths[`${prefix}/app-state:changes`]?.get?.responses ?? {})).toEqual(expect.arrayContaining(['200', '400', '410']));
      expect(Object.keys(doc.paths[`${prefix}/app-state/{collection}`] ?? {})).toContain('get');
      const document = doc.paths[`${prefix}/app-state/{collection}/{key}`] ?? {};
      expect(Object.keys(document).sort()).toEqual(['delete', 'get', 'put']);
      expect(Object.keys(document.put!.responses)).toEqual(expect.arrayContaining(['200', '201', '412', '428']));
    }
    expect(Object.keys(doc.paths).filter((p) => p.includes('app-state/*'))).toEqual([]);
  });
});
