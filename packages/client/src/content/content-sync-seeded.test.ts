import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RESOURCE_GROUP_NAMES, type ContentSnapshot } from '@quran-sync/protocol';
import { startContentFixture, type ContentFixture } from '../testing/content-sync-fixture.js';
import { createStore } from '../testing/store-factories.js';
import { ContentSyncClient } from './content-sync-client.js';

/** Bootstrap of everything the server seeds (real Quran text, ten translations, every group), checked row for row. */
// Slow (every seeded resource through a real server into each store): runs with QS_SLOW_TESTS=1, as .ci/run's slow step does.
describe.skipIf(process.env.QS_SLOW_TESTS !== '1')('bootstrap of all seeded content (slow: needs QS_SLOW_TESTS=1)', () => {
  let fx: ContentFixture;
  beforeAll(async () => {
    fx = await startContentFixture({ seededContent: true });
  });
  afterAll(async () => fx?.close());

  const ALL = RESOURCE_GROUP_NAMES.map((g) => `${g}:*`).join(';');

  it.each(['sqlite', 'memory'] as const)('equals the server snapshots row for row, in snapshot order (%s store)', async (kind) => {
    const store = await createStore(kind);
    const summary = await new ContentSyncClient({ baseUrl: fx.server.url, resources: ALL, store, tokenProvider: fx.tokenProvider }).sync();
    const { accessToken, clientId } = await fx.tokenProvider.getToken();
    const headers = { 'x-auth-token': accessToken, 'x-client-id': clientId };

    const publicResources = await fx.server.ctx.db
      .selectFrom('content_resources')
      .select(['resource_group', 'resource_id'])
      .where('status', '=', 'public')
      .orderBy('resource_group')
      .orderBy('resource_id')
      .execute();
    expect(new Set(publicResources.map((r) => r.resource_group)).size).toBe(RESOURCE_GROUP_NAMES.length);
    expect((await store.listResources()).map((r) => `${r.group}:${r.id}`)).toEqual(publicResources.map((r) => `${r.resource_group}:${r.resource_id}`));

    let total = 0;
    for (const r of await store.listResources()) {
      const response = await fetch(`${fx.server.url}/api/v4/resources/snapshots/${r.group}/${r.id}`, { headers });
      const snapshot = (await response.json()) as ContentSnapshot;
      const stored = await store.listRows(r.group, r.id);
      expect(
        stored.map((row) => row.data),
        `${r.group}:${r.id}`,
      ).toEqual(snapshot.records);
      expect(r).toMatchObject({ status: 'available', resourceContentId: snapshot.resource_content_id, etag: response.headers.get('etag') });
      total += stored.length;
    }
    expect(total).toBe(summary.rowsWritten);
    expect(total).toBeGreaterThan(60_000);
    expect(summary).toMatchObject({ mode: 'bootstrap', snapshotsFetched: publicResources.length });
    // Query helpers over the real text: a verse range of Saheeh International, and one row by key.
    const range = await store.listRows('translations', 20, { verseKeyFrom: '2:255', verseKeyTo: '2:257' });
    expect(range.map((row) => row.data.verse_key)).toEqual(['2:255', '2:256', '2:257']);
    expect((await store.getRow('quran_core', 1, 'chapter', 1))?.data).toMatchObject({ record_type: 'chapter', chapter_number: 1 });
    await store.close();
  });
});
