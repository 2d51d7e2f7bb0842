import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acceptsGzip } from '../http/compressed-json.js';
import { rawRequest, startTestServer, type TestServer } from '../testing/index.js';

describe('user sync: compressed answers', () => {
  let server: TestServer;
  let headers: Record<string, string>;
  beforeAll(async () => {
    server = await startTestServer();
    headers = await server.authHeaders({ userId: 'gzip-user', scopes: ['sync', 'bookmark'] });
  });
  afterAll(async () => {
    await server?.close();
  });

  it('gzips large push and pull answers for clients that accept gzip, with the same JSON as plain answers', async () => {
    const mutations = Array.from({ length: 60 }, (_, i) => ({ type: 'CREATE', resource: 'BOOKMARK', data: { type: 'page', key: i + 1, mushaf: 4 } }));
    const pushed = await rawRequest(`${server.url}/v1/sync?lastMutationAt=-1`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json', 'accept-encoding': 'gzip, deflate' },
      body: JSON.stringify({ mutations }),
    });
    expect(pushed.status).toBe(200);
    expect(pushed.headers['content-encoding']).toBe('gzip');
    expect(pushed.headers.vary).toMatch(/accept-encoding/i);
    expect(pushed.json.data.mutations).toHaveLength(60);
    expect(pushed.headers['x-mutation-at']).toBe(String(pushed.json.data.lastMutationAt));

    const gzipped = await rawRequest(`${server.url}/v1/sync?mutationsSince=0`, {
      method: 'GET',
      headers: { ...headers, 'accept-encoding': 'br;q=1, gzip;q=0.5' },
    });
    const plain = await rawRequest(`${server.url}/v1/sync?mutationsSince=0`, { method: 'GET', headers: { ...headers, 'accept-encoding': 'identity' } });
    expect(gzipped.headers['content-encoding']).toBe('gzip');
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(gzipped.json).toEqual(plain.json);
    expect(gzipped.json.data.mutations.length).toBeGreaterThanOrEqual(60);
    expect(gzipped.raw.length * 3).toBeLessThan(plain.raw.length);
  });

  it('compresses answers above 64 KB (on the thread pool) to the same JSON too', async () => {
    const big = await server.authHeaders({ userId: 'gzip-big', scopes: ['sync', 'bookmark'] });
    let head = -1;
    for (let batch = 0; batch < 4; batch++) {
      const mutations = Array.from({ length: 100 }, (_, i) => ({
        type: 'CREATE',
        resource: 'BOOKMARK',
        data: { type: 'page', key: batch * 100 + i + 1, mushaf: 4 },
      }));
      const pushed = await rawRequest(`${server.url}/v1/sync?lastMutationAt=${head}`, {
        method: 'POST',
        headers: { ...big, 'content-type': 'application/json' },
        body: JSON.stringify({ mutations }),
      });
      expect(pushed.status).toBe(200);
      head = pushed.json.data.lastMutationAt;
    }
    const gzipped = await rawRequest(`${server.url}/v1/sync?mutationsSince=0&limit=1000`, { method: 'GET', headers: { ...big, 'accept-encoding': 'gzip' } });
    const plain = await rawRequest(`${server.url}/v1/sync?mutationsSince=0&limit=1000`, { method: 'GET', headers: big });
    expect(plain.raw.length).toBeGreaterThan(64 * 1024);
    expect(gzipped.headers['content-encoding']).toBe('gzip');
    expect(gzipped.json).toEqual(plain.json);
    expect(gzipped.json.data.mutations).toHaveLength(400);
  });

  it('answers small bodies, metadata polls and clients without gzip in plain JSON', async () => {
    const poll = await rawRequest(`${server.url}/v1/sync?mutationsSince=0&metadataOnly=true`, {
      method: 'GET',
      headers: { ...headers, 'accept-encoding': 'gzip' },
    });
    expect(poll.headers['content-encoding']).toBeUndefined();
    const none = await rawRequest(`${server.url}/v1/sync?mutationsSince=0`, { method: 'GET', headers: { ...headers, 'accept-encoding': 'gzip;q=0' } });
    expect(none.headers['content-encoding']).toBeUndefined();
    expect(none.status).toBe(200);
  });

  it('reads Accept-Encoding with q-values and wildcards', () => {
    expect(acceptsGzip(undefined)).toBe(false);
    expect(acceptsGzip('identity')).toBe(false);
    expect(acceptsGzip('gzip')).toBe(true);
    expect(acceptsGzip('GZIP;q=0.1')).toBe(true);
    expect(acceptsGzip('gzip;q=0, *')).toBe(false);
    expect(acceptsGzip('*')).toBe(true);
    expect(acceptsGzip('br, *;q=0')).toBe(false);
  });
});
