import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawGet, startTestServer, type TestServer } from '../testing/index.js';
import { contentTestClient } from './testing/content-test-client.js';

describe('content sync pages: compression', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
    const c = await contentTestClient(server);
    expect((await c.admin('PUT', '/resources/translations/41', {})).status).toBe(200);
  });
  afterAll(async () => {
    await server?.close();
  });

  it('gzips a page of row changes when asked, same JSON as the plain page; a no-change answer stays plain', async () => {
    const headers = await server.authHeaders({ userId: null, clientId: 'reader', scopes: ['content'] });
    const boot = await rawGet(`${server.url}/api/v4/resources/sync?resources=translations:41&bootstrap=true`, headers);
    const token = boot.json.sync.next_sync_token as string;
    const c = await contentTestClient(server);
    const upsert = Array.from({ length: 40 }, (_, i) => ({
      id: i + 1,
      verse_key: `2:${i + 1}`,
      text: `verse ${i + 1} of a translation, long enough to be worth compressing`,
      foot_notes: [],
    }));
    expect((await c.admin('POST', '/resources/translations/41/rows', { upsert })).status).toBe(200);

    const url = `${server.url}/api/v4/resources/sync?resources=translations:41&sync_token=${encodeURIComponent(token)}`;
    const gzipped = await rawGet(url, { ...headers, 'accept-encoding': 'gzip' });
    const plain = await rawGet(url, headers);
    expect(gzipped.headers['content-encoding']).toBe('gzip');
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(gzipped.json.sync.mutations).toHaveLength(40);
    expect({ ...gzipped.json.sync, next_sync_token: null }).toEqual({ ...plain.json.sync, next_sync_token: null });
    expect(gzipped.raw.length * 2).toBeLessThan(plain.raw.length);

    const noChange = await rawGet(
      `${server.url}/api/v4/resources/sync?resources=translations:41&sync_token=${encodeURIComponent(gzipped.json.sync.next_sync_token)}`,
      { ...headers, 'accept-encoding': 'gzip' },
    );
    expect(noChange.headers['content-encoding']).toBeUndefined();
    expect(noChange.json.sync.mutations).toEqual([]);
  });
});
