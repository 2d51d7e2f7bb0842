import fs from 'node:fs';
import { sql } from 'kysely';
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RESOURCE_GROUP_NAMES, VERSE_COUNT } from '@quran-sync/protocol';
import { rawGet, startTestServer, type TestServer } from '../testing/index.js';
import { seedContent } from './content-seed.js';
import { SEED_TRANSLATIONS } from './content-seed-data.js';
import { contentTestClient, type ContentTestClient } from './testing/content-test-client.js';

describe('seeded content', () => {
  let server: TestServer;
  let c: ContentTestClient;
  beforeAll(async () => {
    server = await startTestServer({ seededContent: true });
    c = await contentTestClient(server);
  });
  afterAll(async () => server?.close());

  it('seeds every group once, one RESOURCE_CREATE per resource, and never twice', async () => {
    const resources = await server.ctx.db.selectFrom('content_resources').select(['resource_group', 'resource_id', 'status', 'last_sequence']).execute();
    expect(resources).toHaveLength(1 + SEED_TRANSLATIONS.length + 7);
    expect(new Set(resources.map((r) => r.resource_group))).toEqual(new Set(RESOURCE_GROUP_NAMES));
    expect(resources.every((r) => r.status === 'public')).toBe(true);
    const feed = await server.ctx.db.selectFrom('content_feed').select(['type']).execute();
    expect(feed).toHaveLength(resources.length);
    expect(feed.every((f) => f.type === 'RESOURCE_CREATE')).toBe(true);
    const again = await seedContent(server.ctx.db);
    expect(again.seeded).toBe(false);
    expect(await server.ctx.db.selectFrom('content_feed').select('sequence').execute()).toHaveLength(resources.length);
  });

  it('serves the real Quran text and structure in quran_core:1', async () => {
    const snap = await c.get<{ records: Array<Record<string, unknown>> }>('resources/snapshots/quran_core/1');
    expect(snap.status).toBe(200);
    const byType = (t: string) => snap.body.records.filter((r) => r.record_type === t);
    expect(byType('chapter')).toHaveLength(114);
    expect(byType('verse')).toHaveLength(VERSE_COUNT);
    expect(byType('juz')).toHaveLength(30);
    expect(byType('hizb')).toHaveLength(60);
    expect(byType('rub_el_hizb')).toHaveLength(240);
    const ayatAlKursi = byType('verse').find((v) => v.verse_key === '2:255')!;
    // The text is the package's, byte for byte.
    const quranJson = JSON.parse(fs.readFileSync(createRequire(import.meta.url).resolve('quran-json/dist/quran.json'), 'utf8')) as Array<{
      verses: Array<{ text: string }>;
    }>;
    expect(ayatAlKursi.text_uthmani).toBe(quranJson[1]!.verses[254]!.text);
    expect(String(ayatAlKursi.text_uthmani).length).toBeGreaterThan(200);
    expect(ayatAlKursi).toMatchObject({ juz_number: 3, chapter_id: 2, verse_number: 255, verse_index: 262 });
    expect(byType('juz')[1]).toMatchObject({ juz_number: 2, first_verse_id: 149, last_verse_id: 259, verse_mapping: { '2': '142-252' } });
    // Snapshot order: record types in registry order, then id.
    expect(snap.body.records[0]).toMatchObject({ record_type: 'chapter', id: 1 });
    expect(snap.body.records.at(-1)).toMatchObject({ record_type: 'rub_el_hizb', id: 240 });
  });

  it('keeps each translator attributed and labels placeholders as synthetic', async () => {
    const en = await c.admin<{ metadata: Record<string, unknown>; row_count: number }>('GET', '/resources/translations/20');
    expect(en.body.row_count).toBe(VERSE_COUNT);
    expect(en.body.metadata).toMatchObject({ author_name: 'Saheeh International (Umm Muhammad)', license: 'CC BY-SA 4.0', language_code: 'en' });
    const snap = await c.get<{ records: Array<Record<string, unknown>> }>('resources/snapshots/translations/20');
    expect(snap.body.records.find((r) => r.verse_key === '1:1')).toMatchObject({
      text: 'In the name of Allah, the Entirely Merciful, the Especially Merciful',
      resource_content_id: 20,
    });
    const tafsir = await c.get<{ records: Array<{ text: string }> }>('resources/snapshots/tafsirs/9201');
    expect(tafsir.body.records.every((r) => /synthetic test data/.test(r.text))).toBe(true);
    const wbw = await c.get<{ records: Array<Record<string, unknown>> }>('resources/snapshots/word_by_word_translations/9501');
    expect(wbw.body.records[0]).toMatchObject({ word_id: 1, resource_id: 9501, resource_content_id: 9501, text: 'placeholder translation 1:1:1' });
  });

  it('serves the largest seeded resource gzip-compressed (from the snapshot cache), and answers If-None-Match with 304', async () => {
    const largest = await sql<{ resource_group: string; resource_id: number; n: number }>`
      select resource_group, resource_id, count(*)::int as n from content_rows group by 1, 2 order by sum(octet_length(data::text)) desc limit 1`.execute(
      server.ctx.db,
    );
    const { resource_group: group, resource_id: id, n } = largest.rows[0]!;
    expect(`${group}:${id}`).toBe('quran_core:1');
    const headers = await server.authHeaders({ userId: null, clientId: 'reader', scopes: ['content'] });
    const res = await rawGet(`${server.url}/content/api/v4/resources/snapshots/${group}/${id}`, { ...headers, 'accept-encoding': 'gzip' });
    expect(res.status).toBe(200);
    expect(res.headers['content-encoding']).toBe('gzip');
    // Cached bodies carry their length; the streamed path (uncacheable sizes) is covered in snapshot-cache.test.ts.
    expect(Number(res.headers['content-length'])).toBe(res.raw.length);
    const body = res.json as { records: unknown[]; sync_sequence: number };
    expect(body.records).toHaveLength(n);
    expect(res.raw.length).toBeLessThan(Buffer.byteLength(JSON.stringify(body)) / 4);
    const etag = res.headers.etag!;
    const again = await fetch(`${server.url}/api/v4/resources/snapshots/${group}/${id}`, { headers: { ...headers, 'if-none-match': etag } });
    expect(again.status).toBe(304);
    expect(await again.text()).toBe('');
  });
});
