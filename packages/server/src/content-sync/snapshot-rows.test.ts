import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../testing/index.js';
import { snapshotRowBatches } from './snapshot-rows.js';
import { contentTestClient } from './testing/content-test-client.js';

/**
 * The keyset batches behind snapshots: whatever the batch size, the batches joined are every row of the
 * resource exactly once, in snapshot order, and only that resource's rows.
 */
describe('snapshot row batches', () => {
  let server: TestServer;
  // Texts with multi-byte UTF-8 (Arabic, an emoji) and JSON escapes. Ids whose text order differs from their numeric order (2 < 10 but "10" < "2"): the batches must follow
  // the snapshot's sort key, not either of those by accident.
  const rows = Array.from({ length: 23 }, (_, i) => ({
    id: ((i * 7) % 23) + 1,
    verse_key: `3:${((i * 7) % 23) + 1}`,
    text: `row ${i} ${'y'.repeat(i)} ${i % 3 === 0 ? 'بِسْمِ ٱللَّهِ ٱلرَّحْمَـٰنِ 😀 "q" \\' : ''}`,
    foot_notes: [],
  }));

  beforeAll(async () => {
    server = await startTestServer();
    const c = await contentTestClient(server);
    expect((await c.admin('PUT', '/resources/translations/41', {})).status).toBe(200);
    expect((await c.admin('POST', '/resources/translations/41/rows', { upsert: rows })).status).toBe(200);
    // A neighbour whose rows must never leak into resource 41's batches.
    expect((await c.admin('PUT', '/resources/translations/42', {})).status).toBe(200);
    expect((await c.admin('POST', '/resources/translations/42/rows', { upsert: [{ id: 1, verse_key: '1:1', text: 'other', foot_notes: [] }] })).status).toBe(
      200,
    );
  });
  afterAll(async () => server?.close());

  it('covers every row once, in snapshot order, for any batch size', async () => {
    const expected = (
      await server.ctx.db
        .selectFrom('content_rows')
        .select((eb) => eb.cast<string>('data', 'text').as('json'))
        .where('resource_group', '=', 'translations')
        .where('resource_id', '=', 41)
        .orderBy('sort_key')
        .orderBy('record_type')
        .orderBy('record_key')
        .execute()
    ).map((r) => r.json);
    expect(expected).toHaveLength(rows.length);
    for (const size of [1, 2, 5, 22, 23, 24, 1000]) {
      const batches: unknown[][] = [];
      const bytes: Buffer[] = [];
      for await (const batch of snapshotRowBatches(server.ctx.db, 'translations', 41, size)) {
        // Every batch after the first is led by its comma, so the batches simply concatenate.
        const text = batch.toString('utf8');
        expect(text.startsWith(','), `batch size ${size}, batch ${bytes.length}`).toBe(bytes.length > 0);
        bytes.push(batch);
        batches.push(JSON.parse(`[${bytes.length > 1 ? text.slice(1) : text}]`) as unknown[]);
      }
      // Byte for byte the database's own text of the rows (multi-byte UTF-8 included), comma-joined.
      expect(Buffer.concat(bytes).toString('utf8'), `batch size ${size}`).toBe(expected.join(','));
      expect(
        batches.every((b) => b.length >= 1 && b.length <= size),
        `batch size ${size}`,
      ).toBe(true);
      expect(batches.length, `batch size ${size}`).toBe(Math.ceil(rows.length / size));
      const joined = batches.flat();
      expect(joined, `batch size ${size}`).toEqual(expected.map((j) => JSON.parse(j) as unknown));
      expect(batches.flat(), `batch size ${size}`).toHaveLength(rows.length);
    }
  });

  it('yields nothing for a resource without rows', async () => {
    const c = await contentTestClient(server);
    expect((await c.admin('PUT', '/resources/translations/43', {})).status).toBe(200);
    const batches: unknown[] = [];
    for await (const batch of snapshotRowBatches(server.ctx.db, 'translations', 43, 10)) batches.push(batch);
    expect(batches).toEqual([]);
  });
});
