import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../testing/index.js';

/**
 * Concurrent writers of one namespace (PGlite by default, PostgreSQL with QS_TEST_DATABASE_URL): one winner
 * per ETag, and a change feed that a reader polling meanwhile follows without missing a write.
 */
describe('App State under concurrent writers', () => {
  let server: TestServer;
  let n = 0;

  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server?.close();
  });

  const headersFor = (userId: string) => server.authHeaders({ userId, clientId: 'app', scopes: ['app_state'] });
  const put = async (headers: Record<string, string>, key: string, value: unknown, precondition: Record<string, string>) => {
    const res = await fetch(`${server.url}/v1/app-state/settings/${key}`, {
      method: 'PUT',
      headers: { ...headers, 'content-type': 'application/json', 'idempotency-key': `concurrent-${String(++n).padStart(8, '0')}`, ...precondition },
      body: JSON.stringify({ value, schemaVersion: 1 }),
    });
    return { status: res.status, etag: res.headers.get('etag'), body: (await res.json()) as Record<string, any> };
  };

  it('16 writers with one If-Match: exactly one wins, the others get 412 with the winner’s ETag', async () => {
    const headers = await headersFor('race-user');
    const created = await put(headers, 'contended', 0, { 'if-none-match': '*' });
    expect(created.status).toBe(201);
    for (let round = 0; round < 3; round++) {
      const base = round === 0 ? created.etag! : ((await fetch(`${server.url}/v1/app-state/settings/contended`, { headers })).headers.get('etag') as string);
      const results = await Promise.all(Array.from({ length: 16 }, (_, i) => put(headers, 'contended', { round, writer: i }, { 'if-match': base })));
      const winners = results.filter((r) => r.status === 200);
      expect(winners).toHaveLength(1);
      expect(results.filter((r) => r.status === 412)).toHaveLength(15);
      for (const loser of results.filter((r) => r.status === 412)) expect(loser.body.details.currentETag).toBe(winners[0]!.etag);
      const stored = (await (await fetch(`${server.url}/v1/app-state/settings/contended`, { headers })).json()) as { data: unknown };
      expect(stored.data).toMatchObject({ version: round + 2, value: { round } });
    }
    // 16 creators of one new key: one 201, fifteen 412.
    const creators = await Promise.all(Array.from({ length: 16 }, (_, i) => put(headers, 'fresh', i, { 'if-none-match': '*' })));
    expect(creators.map((r) => r.status).sort()).toEqual([201, ...Array(15).fill(412)]);
  });

  it('a reader pulling changes while 16 writers write sees every write (no hole filled in later)', async () => {
    const headers = await headersFor('feed-user');
    const boot = (await (await fetch(`${server.url}/v1/app-state:bootstrap`, { headers })).json()) as { data: { nextSyncToken: string } };
    let token = boot.data.nextSyncToken as string;
    const seen = new Map<string, number>();
    let writing = true;
    const poll = async () => {
      const res = await fetch(`${server.url}/v1/app-state:changes?since=${encodeURIComponent(token)}&limit=7`, { headers });
      const page = ((await res.json()) as { data: unknown }).data as {
        changes: Array<{ key: string; version: number }>;
        nextSyncToken: string;
        hasMore: boolean;
      };
      for (const change of page.changes) seen.set(change.key, Math.max(seen.get(change.key) ?? 0, change.version));
      token = page.nextSyncToken;
      return page.hasMore;
    };
    const reader = (async () => {
      while (writing) await poll();
      while (await poll());
    })();
    await Promise.all(
      Array.from({ length: 16 }, async (_, writer) => {
        for (let i = 0; i < 6; i++) {
          const key = `w${writer}-k${i % 3}`;
          const current = await fetch(`${server.url}/v1/app-state/settings/${key}`, { headers });
          const precondition: Record<string, string> = current.status === 200 ? { 'if-match': current.headers.get('etag')! } : { 'if-none-match': '*' };
          await current.arrayBuffer();
          expect((await put(headers, key, i, precondition)).status).toBeLessThan(300);
        }
      }),
    );
    writing = false;
    await reader;
    const final = new Map<string, number>();
    let cursor: string | null = null;
    do {
      const page: any = await (
        await fetch(`${server.url}/v1/app-state:bootstrap?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, { headers })
      ).json();
      for (const item of page.data.items) final.set(item.key, item.version);
      cursor = page.data.nextCursor;
    } while (cursor);
    expect(final.size).toBe(48);
    expect(Object.fromEntries(seen)).toEqual(Object.fromEntries(final));
  });
});
