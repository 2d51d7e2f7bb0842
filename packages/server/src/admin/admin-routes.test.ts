import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../testing/index.js';
import { contentTestClient, type ContentTestClient } from '../content-sync/testing/content-test-client.js';

describe('editorial API /admin/v1', () => {
  let server: TestServer;
  let c: ContentTestClient;
  beforeAll(async () => {
    server = await startTestServer();
    c = await contentTestClient(server);
  });
  afterAll(async () => server?.close());

  const feedCount = async () => (await server.ctx.db.selectFrom('content_feed').select('sequence').execute()).length;

  it('needs content.write; content alone is not enough', async () => {
    const reader = await server.authHeaders({ userId: null, clientId: 'reader', scopes: ['content'] });
    const r = await fetch(`${server.url}/admin/v1/resources/translations/1`, {
      method: 'PUT',
      headers: { ...reader, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(r.status).toBe(403);
    expect(await r.json()).toMatchObject({ success: false, type: 'forbidden' });
    const anon = await fetch(`${server.url}/admin/v1/compact`, { method: 'POST' });
    expect(anon.status).toBe(401);
  });

  it('creates and updates resources, enforcing the group resource_content_id rule', async () => {
    const created = await c.admin<{ resource: Record<string, unknown>; sequences: number[]; head: number }>('PUT', '/resources/translations/131', {
      metadata: { name: 'Clear Quran' },
    });
    expect(created.status).toBe(200);
    expect(created.body.resource).toEqual({
      resource_group: 'translations',
      resource_id: 131,
      resource_content_id: 131,
      status: 'public',
      reason: null,
      metadata: { name: 'Clear Quran' },
      last_sequence: created.body.sequences[0],
      row_count: 0,
    });
    expect(created.body.head).toBe(created.body.sequences[0]);
    expect((await c.admin('PUT', '/resources/translations/131', { resource_content_id: 5 })).status).toBe(422);
    expect((await c.admin('PUT', '/resources/recitations/7', {})).status).toBe(422); // needs its own id
    const rec = await c.admin<{ resource: { resource_content_id: number } }>('PUT', '/resources/recitations/7', { resource_content_id: 70 });
    expect(rec.body.resource.resource_content_id).toBe(70);
    const art = await c.admin<{ resource: { resource_content_id: number | null } }>('PUT', '/resources/articles/3', {});
    expect(art.body.resource.resource_content_id).toBeNull();
    expect((await c.admin('PUT', '/resources/articles/3', { resource_content_id: 3 })).status).toBe(422);
    expect((await c.admin('PUT', '/resources/videos/3', {})).status).toBe(422);
    expect((await c.admin('PUT', '/resources/translations/0', {})).status).toBe(422);
    expect((await c.admin('PUT', '/resources/translations/1', { status: 'gone' })).status).toBe(400);
    expect((await c.admin('PUT', '/resources/translations/1', { extra: 1 })).status).toBe(400);
    const got = await c.admin<{ status: string }>('GET', '/resources/translations/131');
    expect(got.body.status).toBe('public');
    expect((await c.admin('GET', '/resources/translations/404')).status).toBe(404);
  });

  it('validates rows against the registry: a bad row rejects the whole call and changes nothing', async () => {
    await c.admin('PUT', '/resources/tafsirs/169', {});
    const before = await feedCount();
    const bad = await c.admin<{ message: string; type: string }>('POST', '/resources/tafsirs/169/rows', {
      upsert: [
        { id: 1, verse_key: '1:1', text: 'fine' },
        { id: 2, verse_key: 'one', text: 'bad key' },
        { id: 3, verse_key: '1:3', text: 'x', colour: 'unknown field' },
        { record_type: 'verse', id: 4, verse_key: '1:4', text: 'wrong record type' },
        { id: 5, verse_key: '1:5', text: 'x', resource_content_id: 1 },
        { id: 1, verse_key: '1:1', text: 'duplicate' },
      ],
    });
    expect(bad.status).toBe(422);
    expect(bad.body.type).toBe('unprocessable_entity');
    for (const fragment of ['upsert[1]', 'upsert[2]', 'upsert[3]', 'upsert[4]', 'upsert[5]']) expect(bad.body.message).toContain(fragment);
    expect(await feedCount()).toBe(before);
    const rows = await server.ctx.db.selectFrom('content_rows').select('record_key').where('resource_group', '=', 'tafsirs').execute();
    expect(rows).toEqual([]);

    expect((await c.admin('POST', '/resources/tafsirs/169/rows', { delete: [{ record_type: 'verse', id: 1 }] })).status).toBe(422);
    expect((await c.admin('POST', '/resources/tafsirs/170/rows', { upsert: [{ id: 1, verse_key: '1:1', text: 'x' }] })).status).toBe(404);

    const ok = await c.admin<{ sequences: number[]; resource: { row_count: number } }>('POST', '/resources/tafsirs/169/rows', {
      upsert: [{ id: 1, verse_key: '1:1', text: 'fine' }],
    });
    expect(ok.status).toBe(200);
    expect(ok.body.sequences).toHaveLength(1);
    expect(ok.body.resource.row_count).toBe(1);
    // Re-sending the same row changes nothing and emits nothing; deleting a missing row likewise.
    const same = await c.admin<{ sequences: number[] }>('POST', '/resources/tafsirs/169/rows', {
      upsert: [{ id: 1, verse_key: '1:1', text: 'fine' }],
      delete: [{ record_type: 'tafsir', id: 99 }],
    });
    expect(same.body.sequences).toEqual([]);
  });

  it('invalidates only public resources', async () => {
    await c.admin('PUT', '/resources/translations/55', { status: 'hidden' });
    expect((await c.admin('POST', '/resources/translations/55/invalidate')).status).toBe(409);
    expect((await c.admin('POST', '/resources/translations/56/invalidate')).status).toBe(404);
    await c.admin('PUT', '/resources/translations/55', { status: 'public' });
    const inv = await c.admin<{ sequences: number[] }>('POST', '/resources/translations/55/invalidate');
    expect(inv.status).toBe(200);
    expect(inv.body.sequences).toHaveLength(1);
  });

  it('compacts on request', async () => {
    const r = await c.admin<Record<string, number>>('POST', '/compact');
    expect(r.status).toBe(200);
    expect(Object.keys(r.body).sort()).toEqual(['expired_removed', 'head', 'retention_floor', 'superseded_removed']);
  });
});
