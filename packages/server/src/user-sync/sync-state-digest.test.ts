import { MultisetDigest, userRecordHash, USER_RESOURCES, type UserStateDigest } from '@quran-sync/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../testing/index.js';
import { SyncTestClient } from './testing/sync-test-client.js';

/** The opt-in user state digest on metadataOnly pulls (docs/integrity.md). */
describe('user sync: state digest', () => {
  let server: TestServer;
  let users = 0;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => server?.close());

  /** What a client computes from a full pull: `[resource, id, data]` of every live record. */
  function digestOfFullPull(
    mutations: Array<{ resource: string; resourceId: string | null; data: Record<string, unknown> }>,
  ): Record<string, { count: number; digest: string }> {
    const sets = new Map(USER_RESOURCES.map((r) => [r as string, new MultisetDigest()]));
    for (const m of mutations) {
      const id =
        m.resource === 'COLLECTION_BOOKMARK'
          ? `${m.data.collectionId}-${m.data.bookmarkId}`
          : m.resource === 'PREFERENCE'
            ? (m.data.group as string)
            : m.resourceId!;
      sets.get(m.resource)!.add(userRecordHash(m.resource, id, m.data));
    }
    return Object.fromEntries([...sets].map(([r, d]) => [r, d.toJSON()]));
  }

  it('is only sent when asked for; then it equals the digest of a full pull at the same head', async () => {
    const client = new SyncTestClient(server, { userId: `digest-${++users}` });
    const pushed = await client.push(-1, [
      { type: 'CREATE', resource: 'BOOKMARK', data: { type: 'ayah', key: 2, verseNumber: 255, mushaf: 4 } },
      { type: 'CREATE', resource: 'COLLECTION', data: { name: 'Favourites' } },
      { type: 'CREATE', resource: 'NOTE', data: { body: 'a note', ranges: ['2:255'] } },
      { type: 'UPDATE', resource: 'PREFERENCE', data: { group: 'theme', value: { type: 'dark' } } },
    ]);
    expect(pushed.status, JSON.stringify(pushed.body)).toBe(200);

    const plain = await client.pull({ mutationsSince: 0, metadataOnly: true });
    expect(plain.body).toEqual({ success: true, data: { lastMutationAt: expect.any(Number) } });

    const opted = await client.pull<{ data: { lastMutationAt: number; stateDigest: UserStateDigest } }>({
      mutationsSince: 0,
      metadataOnly: true,
      stateDigest: true,
    });
    expect(opted.status).toBe(200);
    const { lastMutationAt, stateDigest } = opted.body.data;
    expect(stateDigest).toMatchObject({ algorithm: 'qs-sha256-sum-v1', head: lastMutationAt });
    expect(opted.headers.get('x-mutation-at')).toBe(String(lastMutationAt));
    const full = await client.pullAll(0);
    expect(full.lastMutationAt).toBe(lastMutationAt);
    expect(stateDigest.resources).toEqual(digestOfFullPull(full.mutations));
    expect(stateDigest.resources.NOTE?.count).toBe(1);

    // A full pull without metadataOnly ignores the parameter: the documented answer, unchanged.
    const page = await client.pull({ mutationsSince: 0, stateDigest: true });
    expect(page.body.data.stateDigest).toBeUndefined();
    expect(page.body.data.mutations.length).toBe(full.mutations.length);
  });

  it('covers only the resource types the token can read, and refuses a malformed value', async () => {
    const userId = `digest-${++users}`;
    const notesOnly = new SyncTestClient(server, { userId, scopes: ['sync', 'note'] });
    const opted = await notesOnly.pull({ mutationsSince: 0, metadataOnly: true, stateDigest: '1' });
    expect(Object.keys(opted.body.data.stateDigest.resources)).toEqual(['NOTE']);
    expect(opted.body.data.stateDigest.resources.NOTE).toEqual({ count: 0, digest: '0'.repeat(64) });
    const bad = await notesOnly.pull({ mutationsSince: 0, metadataOnly: true, stateDigest: 'yes' });
    expect(bad.status).toBe(422);
    expect(bad.body).toMatchObject({ success: false });
  });
});
