import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawGet, startTestServer, type TestServer } from '../testing/index.js';
import { contentTestClient, type ContentTestClient } from './testing/content-test-client.js';

describe('snapshot cache', () => {
  let cached: TestServer;
  let streamed: TestServer;
  let c: ContentTestClient;
  let headers: Record<string, string>;
  const rows = Array.from({ length: 300 }, (_, i) => ({ id: i + 1, verse_key: `2:${i + 1}`, text: `verse ${i + 1} ${'x'.repeat(i % 50)}`, foot_notes: [] }));

  beforeAll(async () => {
    cached = await startTestServer();
    // A second server on the same database with the cache off: the streamed reference bodies.
    streamed = await startTestServer({ database: cached.database, content: { snapshotCacheBytes: 0 } });
    c = await contentTestClient(cached);
    headers = await cached.authHeaders({ userId: null, clientId: 'reader', scopes: ['content'] });
    expect((await c.admin('PUT', '/resources/translations/31', {})).status).toBe(200);
    expect((await c.admin('POST', '/resources/translations/31/rows', { upsert: rows })).status).toBe(200);
    expect((await c.admin('PUT', '/resources/translations/32', {})).status).toBe(200);
  });
  afterAll(async () => {
    await streamed?.close();
    await cached?.close();
  });

  const path = '/api/v4/resources/snapshots/translations/31';

  it('serves every encoding with the same content as the streamed path, sync_sequence last and current', async () => {
    for (let round = 0; round < 3; round++) {
      // Another resource's edit moves the head between rounds: the cached bodies must carry the new head.
      if (round > 0)
        expect(
          (await c.admin('POST', '/resources/translations/32/rows', { upsert: [{ id: round, verse_key: '1:1', text: `t${round}`, foot_notes: [] }] })).status,
        ).toBe(200);
      const reference = await rawGet(`${streamed.url}${path}`, {
        ...(await streamed.authHeaders({ userId: null, clientId: 'reader', scopes: ['content'] })),
        'accept-encoding': 'identity',
      });
      expect(reference.status).toBe(200);
      expect(Object.keys(reference.json).at(-1)).toBe('sync_sequence');
      for (const encoding of ['identity', 'gzip', 'br', 'gzip']) {
        const r = await rawGet(`${cached.url}${path}`, { ...headers, 'accept-encoding': encoding });
        expect(r.status).toBe(200);
        expect(r.headers['content-encoding']).toBe(encoding === 'identity' ? undefined : encoding);
        expect(Number(r.headers['content-length'])).toBe(r.raw.length);
        expect(r.headers.etag).toBe(reference.headers.etag);
        expect(r.json).toEqual(reference.json);
        expect(Object.keys(r.json).at(-1)).toBe('sync_sequence');
      }
    }
  });

  it('a row change gives a new body and ETag at once; concurrent requests agree', async () => {
    const before = await rawGet(`${cached.url}${path}`, { ...headers, 'accept-encoding': 'gzip' });
    expect((await c.admin('POST', '/resources/translations/31/rows', { upsert: [{ id: 7, verse_key: '2:7', text: 'edited', foot_notes: [] }] })).status).toBe(
      200,
    );
    const after = await Promise.all(
      Array.from({ length: 8 }, (_, i) => rawGet(`${cached.url}${path}`, { ...headers, 'accept-encoding': i % 2 ? 'gzip' : 'identity' })),
    );
    for (const r of after) {
      expect(r.headers.etag).not.toBe(before.headers.etag);
      expect(r.json.records.find((x: { id: unknown }) => x.id === 7)?.text).toBe('edited');
      expect(r.json.records).toHaveLength(rows.length);
    }
    const notModified = await rawGet(`${cached.url}${path}`, { ...headers, 'if-none-match': String(after[0]!.headers.etag) });
    expect(notModified.status).toBe(304);
  });

  it('a hidden resource is 404 even though its body is cached', async () => {
    expect((await rawGet(`${cached.url}/api/v4/resources/snapshots/translations/32`, { ...headers, 'accept-encoding': 'gzip' })).status).toBe(200);
    expect((await c.admin('PUT', '/resources/translations/32', { status: 'hidden' })).status).toBe(200);
    expect((await rawGet(`${cached.url}/api/v4/resources/snapshots/translations/32`, { ...headers, 'accept-encoding': 'gzip' })).status).toBe(404);
  });

  it('an edit made by another server on the same database reaches the snapshot once its head arrives', async () => {
    const before = await rawGet(`${cached.url}${path}`, { ...headers, 'accept-encoding': 'gzip' });
    // The resource's ETag is remembered per feed head (snapshot-head-memo.ts): the other server's commit
    // moves the head by NOTIFY, and the next request must re-read the resource.
    const other = await contentTestClient(streamed);
    expect(
      (await other.admin('POST', '/resources/translations/31/rows', { upsert: [{ id: 9, verse_key: '2:9', text: 'edited elsewhere', foot_notes: [] }] }))
        .status,
    ).toBe(200);
    let after = before;
    for (let attempt = 0; attempt < 200 && after.headers.etag === before.headers.etag; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 25));
      after = await rawGet(`${cached.url}${path}`, { ...headers, 'accept-encoding': 'gzip' });
    }
    expect(after.headers.etag).not.toBe(before.headers.etag);
    expect(after.json.records.find((x: { id: unknown }) => x.id === 9)?.text).toBe('edited elsewhere');
  });

  it('bodies larger than the cache allows are streamed', async () => {
    const small = await startTestServer({ database: cached.database, content: { snapshotCacheBytes: 1_000 } });
    try {
      const r = await rawGet(`${small.url}${path}`, {
        ...(await small.authHeaders({ userId: null, clientId: 'reader', scopes: ['content'] })),
        'accept-encoding': 'gzip',
      });
      expect(r.status).toBe(200);
      expect(r.headers['transfer-encoding']).toBe('chunked');
      expect(r.headers['content-length']).toBeUndefined();
      expect(r.json.records).toHaveLength(rows.length);
    } finally {
      await small.close();
    }
  });
});
