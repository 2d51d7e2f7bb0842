import { createServerClient } from '@quranjs/api/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from '../auth/oauth2/client-repository.js';
import { startTestServer, type TestServer } from '../testing/index.js';
import { contentTestClient, type ContentTestClient } from './testing/content-test-client.js';

/**
 * The official `@quranjs/api` 3.10 SDK, unmodified, against a real server: client-credentials token from
 * our `/oauth2/token`, bootstrap → every page → snapshots → incremental, through `client.content.v4`.
 */
describe('official @quranjs/api SDK against the server', () => {
  let server: TestServer;
  let editor: ContentTestClient;

  beforeAll(async () => {
    server = await startTestServer({ seededContent: true });
    editor = await contentTestClient(server);
    await createClient(server.ctx.db, {
      id: 'sdk-app',
      name: 'SDK test app',
      secret: 'sdk-app-secret-1',
      scopes: ['content'],
      grantTypes: ['client_credentials'],
    });
  });
  afterAll(async () => server?.close());

  it('bootstraps, pages, fetches snapshots and syncs incrementally', async () => {
    const client = createServerClient({
      clientId: 'sdk-app',
      clientSecret: 'sdk-app-secret-1',
      services: { gatewayUrl: server.url, tokenHost: server.url },
      defaults: { language: undefined },
    } as Parameters<typeof createServerClient>[0]);
    const resources = 'translations:20,9001,9004;quran_core:1;tafsirs:*;mushafs:9801';

    const created: Array<{ resourceGroup: string; resourceId: number; snapshotUrl: string | null }> = [];
    let page = await client.content.v4.resources.sync({ resources, bootstrap: true, perPage: 2 });
    const until = page.sync.syncUntilSequence;
    let pages = 1;
    for (;;) {
      created.push(...page.sync.mutations);
      expect(page.sync.syncUntilSequence).toBe(until);
      if (!page.sync.hasMore) break;
      const cursor = new URL(page.sync.nextPageUrl!, server.url).searchParams.get('cursor')!;
      page = await client.content.v4.resources.sync({ cursor, perPage: 2 });
      pages++;
    }
    const token = page.sync.nextSyncToken!;
    expect(token).toBeTruthy();
    expect(pages).toBe(3);
    expect(created.map((m) => `${m.resourceGroup}:${m.resourceId}`)).toEqual([
      'mushafs:9801',
      'quran_core:1',
      'tafsirs:9201',
      'translations:20',
      'translations:9001',
      'translations:9004',
    ]);

    const snapshots = new Map<string, Array<Record<string, unknown>>>();
    for (const m of created) {
      const snap = await client.content.v4.resources.findSnapshot(m.resourceGroup as 'translations', m.resourceId);
      expect(snap.resourceGroup).toBe(m.resourceGroup);
      expect(snap.resourceId).toBe(m.resourceId);
      expect(snap.syncSequence).toBeGreaterThanOrEqual(until);
      snapshots.set(`${m.resourceGroup}:${m.resourceId}`, snap.records);
    }
    expect(snapshots.get('translations:20')![0]).toMatchObject({ id: 1, verseKey: '1:1', resourceContentId: 20 });
    expect(snapshots.get('quran_core:1')!.find((r) => r.verseKey === '2:255')).toMatchObject({ recordType: 'verse', chapterId: 2, juzNumber: 3 });
    // The legacy facade reaches the same endpoints.
    const viaResources = await client.resources.findSnapshot('tafsirs', 9201);
    expect(viaResources.records).toHaveLength(snapshots.get('tafsirs:9201')!.length);

    const edit = await editor.admin('POST', '/resources/translations/20/rows', { upsert: [{ id: 1, verse_key: '1:1', text: 'edited by the SDK test' }] });
    expect(edit.status).toBe(200);
    const hide = await editor.admin('PUT', '/resources/translations/9004', { status: 'hidden' });
    expect(hide.status).toBe(200);
    const inc = await client.content.v4.resources.sync({ resources, syncToken: token });
    expect(inc.sync.hasMore).toBe(false);
    expect(inc.sync.mutations.map((m) => [m.type, m.resourceId, m.recordKey, m.unavailableReason])).toEqual([
      ['ROW_UPDATE', 20, '1', null],
      ['RESOURCE_DELETE', 9004, null, 'hidden'],
    ]);
    expect(inc.sync.mutations[0]!.data).toMatchObject({ text: 'edited by the SDK test', verseKey: '1:1' });
    const idle = await client.content.v4.resources.sync({ resources, syncToken: inc.sync.nextSyncToken! });
    expect(idle.sync.mutations).toEqual([]);

    // Errors surface as the SDK's HTTP error carrying our content envelope.
    await expect(client.content.v4.resources.sync({ resources, syncToken: 'v1.bad.token' })).rejects.toMatchObject({ status: 410 });
  });
});
