import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type DatabaseHandle } from '../db/database.js';
import { startTestServer, testPostgresUrl, type TestServer } from '../testing/index.js';
import { contentTestClient, type ContentTestClient } from './testing/content-test-client.js';

/**
 * Two server "processes" on one PostgreSQL schema, each with its own pool, LISTEN connection and in-memory
 * head (separate database handles, so nothing in memory is shared): a write through A reaches B by NOTIFY,
 * and B never refuses (410) a token A issued at a head B has not heard of yet.
 */
describe.skipIf(!testPostgresUrl())('feed head cache across processes (PostgreSQL: needs QS_TEST_DATABASE_URL)', () => {
  let a: TestServer;
  let b: TestServer;
  let second: DatabaseHandle;
  let editor: ContentTestClient;
  let readerB: Record<string, string>;
  let readerA: Record<string, string>;

  beforeAll(async () => {
    a = await startTestServer();
    const schema = (await sql<{ s: string }>`select current_schema() as s`.execute(a.ctx.db)).rows[0]!.s;
    second = await openDatabase({ kind: 'postgres', url: testPostgresUrl()!, poolSize: 4, searchPath: schema });
    // Same key file, as processes of one deployment share it (tokens of one verify at the other).
    b = await startTestServer({ database: second, signingKeysFile: a.ctx.config.signingKeysFile });
    editor = await contentTestClient(a);
    readerA = await a.authHeaders({ userId: null, clientId: 'reader', scopes: ['content'] });
    readerB = await b.authHeaders({ userId: null, clientId: 'reader', scopes: ['content'] });
  });
  afterAll(async () => {
    await b?.close();
    await second?.close();
    await a?.close();
  });

  const sync = async (server: TestServer, headers: Record<string, string>, query: string) => {
    const response = await fetch(`${server.url}/api/v4/resources/sync?${query}`, { headers });
    return {
      status: response.status,
      body: (await response.json()) as { sync: { sync_until_sequence: number; next_sync_token: string | null; mutations: unknown[] } },
    };
  };

  it("serves a token from a fresher process without 410, and follows the other process's writes by NOTIFY", async () => {
    expect((await editor.admin('PUT', '/resources/translations/41', {})).status).toBe(200);
    const boot = await sync(b, readerB, 'resources=translations:*&bootstrap=true');
    expect(boot.status).toBe(200);
    let token = boot.body.sync.next_sync_token!;
    for (let i = 1; i <= 20; i++) {
      // Written through A; A's token is at the new head at once (A's own write advanced A's cache).
      expect(
        (await editor.admin('POST', '/resources/translations/41/rows', { upsert: [{ id: i, verse_key: `1:${(i % 7) + 1}`, text: `r${i}`, foot_notes: [] }] }))
          .status,
      ).toBe(200);
      const fromA = await sync(a, readerA, `resources=translations:*&sync_token=${encodeURIComponent(token)}`);
      expect(fromA.status).toBe(200);
      expect(fromA.body.sync.mutations).toHaveLength(1);
      token = fromA.body.sync.next_sync_token!;
      // Immediately to B, which may not have had the notification yet: never a 410.
      const fromB = await sync(b, readerB, `resources=translations:*&sync_token=${encodeURIComponent(token)}`);
      expect(fromB.status, JSON.stringify(fromB.body)).toBe(200);
      expect(fromB.body.sync.sync_until_sequence).toBeGreaterThanOrEqual(fromA.body.sync.sync_until_sequence);
      expect(fromB.body.sync.mutations).toEqual([]);
    }
    // B's in-memory head catches up by itself (bootstrap pins `until` to the cached head).
    const head = Number((await sql<{ sequence: string }>`select sequence from content_feed_head`.execute(a.ctx.db)).rows[0]!.sequence);
    const deadline = Date.now() + 5_000;
    let seen = 0;
    while (Date.now() < deadline && seen < head) {
      seen = (await sync(b, readerB, 'resources=translations:*&bootstrap=true')).body.sync.sync_until_sequence;
      if (seen < head) await new Promise((r) => setTimeout(r, 20));
    }
    expect(seen).toBe(head);
  });
});
