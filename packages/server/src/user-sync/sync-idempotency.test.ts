import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../testing/index.js';
import { SyncTestClient } from './testing/sync-test-client.js';

const ayah = (key: number, verseNumber: number) => ({ type: 'CREATE', resource: 'BOOKMARK', data: { type: 'ayah', key, verseNumber, mushaf: 4 } });

describe('user sync: Idempotency-Key', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server?.close();
  });

  it('replays the identical response without applying the write again, even after the head moved', async () => {
    const phone = new SyncTestClient(server, { userId: 'idem-user' });
    const tablet = new SyncTestClient(server, { userId: 'idem-user' });
    const batch = [{ type: 'CREATE', resource: 'NOTE', data: { body: 'no duplicate please', ranges: ['1:1-1:7'] } }];
    const original = await phone.push(-1, batch, { 'idempotency-key': 'push-1' });
    expect(original.status).toBe(200);
    // The response was "lost"; meanwhile another device wrote.
    const moved = await tablet.push(original.body.data.lastMutationAt, [ayah(9, 9)]);
    expect(moved.status).toBe(200);

    const retry = await phone.push(-1, batch, { 'idempotency-key': 'push-1' });
    expect(retry.status).toBe(200);
    expect(retry.body).toEqual(original.body);
    expect(retry.headers.get('x-mutation-at')).toBe(original.headers.get('x-mutation-at'));
    // Retrying after a pull (with the newer head) is still the same request.
    const afterPull = await phone.push(moved.body.data.lastMutationAt, batch, { 'idempotency-key': 'push-1' });
    expect(afterPull.body).toEqual(original.body);

    const notes = (await phone.pullAll(0)).mutations.filter((m) => m.resource === 'NOTE');
    expect(notes).toHaveLength(1);
    expect(await phone.head()).toBe(moved.body.data.lastMutationAt);
  });

  it('stores the outcome compressed, and still replays an outcome stored as jsonb before migration 0005', async () => {
    const client = new SyncTestClient(server, { userId: 'idem-stored' });
    const batch = [ayah(3, 3)];
    const original = await client.push(-1, batch, { 'idempotency-key': 'stored-1' });
    expect(original.status).toBe(200);
    const row = await server.ctx.db
      .selectFrom('user_idempotency_keys')
      .select(['body', 'body_gzip'])
      .where('user_id', '=', 'idem-stored')
      .executeTakeFirstOrThrow();
    expect(row.body).toBeNull();
    expect(row.body_gzip!.length).toBeGreaterThan(0);

    // A record written by an older server: the body in the jsonb column, no gzip.
    await server.ctx.db
      .updateTable('user_idempotency_keys')
      .set({ body: JSON.stringify(original.body), body_gzip: null })
      .where('user_id', '=', 'idem-stored')
      .execute();
    const retry = await client.push(-1, batch, { 'idempotency-key': 'stored-1' });
    expect(retry.status).toBe(200);
    expect(retry.body).toEqual(original.body);
    expect((await client.pullAll(0)).mutations.filter((m) => m.resource === 'BOOKMARK')).toHaveLength(1);
  });

  it('refuses the same key with a different request, and an unusable key', async () => {
    const client = new SyncTestClient(server, { userId: 'idem-other' });
    expect((await client.push(-1, [ayah(1, 1)], { 'idempotency-key': 'k' })).status).toBe(200);
    const head = await client.head();
    const reused = await client.push(head, [ayah(1, 2)], { 'idempotency-key': 'k' });
    expect(reused.status).toBe(422);
    expect(reused.body).toEqual({ success: false, error: { code: 'ValidationError', message: 'Idempotency-Key was already used for a different request' } });
    const tooLong = await client.push(head, [ayah(1, 2)], { 'idempotency-key': 'x'.repeat(256) });
    expect(tooLong.status).toBe(422);
    // Keys are per user: another user may use the same one.
    const other = new SyncTestClient(server, { userId: 'idem-third' });
    expect((await other.push(-1, [ayah(1, 2)], { 'idempotency-key': 'k' })).status).toBe(200);
  });

  it('stores only successful outcomes: a refused write can be retried under the same key', async () => {
    const client = new SyncTestClient(server, { userId: 'idem-refused' });
    await client.push(-1, [ayah(2, 2)]);
    const stale = await client.push(-1, [ayah(2, 3)], { 'idempotency-key': 'after-409' });
    expect(stale.status).toBe(409);
    const retried = await client.push(await client.head(), [ayah(2, 3)], { 'idempotency-key': 'after-409' });
    expect(retried.status).toBe(200);
  });

  it('forgets a key after its time to live', async () => {
    const client = new SyncTestClient(server, { userId: 'idem-expired' });
    const first = await client.push(-1, [ayah(3, 3)], { 'idempotency-key': 'old' });
    await server.database.db
      .updateTable('user_idempotency_keys')
      .set({ created_at: Date.now() - 25 * 3600 * 1000 })
      .where('user_id', '=', 'idem-expired')
      .execute();
    const again = await client.push(first.body.data.lastMutationAt, [{ type: 'CREATE', resource: 'COLLECTION', data: { name: 'new request' } }], {
      'idempotency-key': 'old',
    });
    expect(again.status).toBe(200);
    expect(again.body.data.mutations[0].resource).toBe('COLLECTION');
  });

  it('works on direct writes too', async () => {
    const client = new SyncTestClient(server, { userId: 'idem-direct' });
    const body = { body: 'a direct note, sent twice', ranges: ['2:255'] };
    const first = await client.request('POST', '/notes', { query: { lastMutationAt: -1 }, body, headers: { 'idempotency-key': 'note-1' } });
    expect(first.status).toBe(200);
    const second = await client.request('POST', '/notes', { query: { lastMutationAt: -1 }, body, headers: { 'idempotency-key': 'note-1' } });
    expect(second.body).toEqual(first.body);
    const list = await client.request('GET', '/notes');
    expect(list.body.data).toHaveLength(1);
  });
});
