import fc from 'fast-check';
import { sql } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CONTENT_SYNC_ERRORS, type ContentSyncMutation, type ContentSyncResponse } from '@quran-sync/protocol';
import { rawGet, startTestServer, type TestServer } from '../testing/index.js';
import { compactContentFeed } from './content-compaction.js';
import { contentTestClient, type ContentTestClient } from './testing/content-test-client.js';
import { SyncTokenCodec } from './sync-token-codec.js';

type SyncBody = ContentSyncResponse & { error?: { code: string; message: string } };

describe('GET /resources/sync and snapshots', () => {
  let server: TestServer;
  let c: ContentTestClient;

  beforeAll(async () => {
    server = await startTestServer();
    c = await contentTestClient(server);
  });
  afterAll(async () => server?.close());

  beforeEach(async () => {
    // Each test starts from empty content; the head keeps growing so tokens of earlier tests stay distinct.
    await sql`delete from content_feed`.execute(server.ctx.db);
    await sql`delete from content_resources`.execute(server.ctx.db);
    await sql`update content_feed_head set retention_floor = 0`.execute(server.ctx.db);
  });

  const put = async (group: string, id: number, body: Record<string, unknown> = {}) => {
    const r = await c.admin<{ sequences: number[] }>('PUT', `/resources/${group}/${id}`, body);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    return r.body;
  };
  const rows = async (group: string, id: number, body: Record<string, unknown>) => {
    const r = await c.admin<{ sequences: number[] }>('POST', `/resources/${group}/${id}/rows`, body);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    return r.body;
  };
  const translation = (id: number, text: string) => ({ id, verse_key: `1:${((id - 1) % 7) + 1}`, text });

  /** Follows a run to its end, checking the page invariants on the way. */
  async function runAll(first: Record<string, string | number | boolean>, between?: (page: number) => Promise<void>) {
    const pages: SyncBody[] = [];
    let r = await c.sync(first);
    for (;;) {
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      expect(r.headers.get('cache-control')).toBe('no-store');
      pages.push(r.body);
      const s = r.body.sync;
      expect(s.sync_until_sequence).toBe(pages[0]!.sync.sync_until_sequence);
      for (const m of s.mutations) expect(m.sequence).toBeLessThanOrEqual(s.sync_until_sequence);
      if (!s.has_more) {
        expect(s.next_page_url).toBeNull();
        expect(s.next_sync_token).toMatch(/^v1\./);
        break;
      }
      expect(s.next_sync_token).toBeNull();
      expect(s.next_page_url).toMatch(/^\/api\/v4\/resources\/sync\?cursor=[^&]+&per_page=\d+$/);
      await between?.(pages.length);
      r = await c.get<SyncBody>(s.next_page_url!);
    }
    const mutations = pages.flatMap((p) => p.sync.mutations);
    return { pages, mutations, token: pages.at(-1)!.sync.next_sync_token!, until: pages[0]!.sync.sync_until_sequence };
  }

  it('answers under both prefixes, no-store, JSON, and ignores unknown parameters', async () => {
    await put('translations', 19);
    for (const prefix of ['/api/v4', '/content/api/v4']) {
      const r = await c.get<SyncBody>(`${prefix}/resources/sync?resources=translations:19&bootstrap=true&language=en&foo=bar`);
      expect(r.status).toBe(200);
      expect(r.headers.get('cache-control')).toBe('no-store');
      expect(r.headers.get('content-type')).toMatch(/^application\/json/);
      expect(r.body.sync.mutations).toHaveLength(1);
      const m = r.body.sync.mutations[0]!;
      expect(m).toEqual({
        sequence: m.sequence,
        type: 'RESOURCE_CREATE',
        resource_group: 'translations',
        resource_id: 19,
        resource_content_id: 19,
        record_type: null,
        record_key: null,
        source_record_id: null,
        changed_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
        data: null,
        snapshot_url: '/api/v4/resources/snapshots/translations/19',
        unavailable_reason: null,
      });
    }
  });

  it('requires the content scope and a matching client id', async () => {
    const r = await fetch(`${server.url}/api/v4/resources/sync?resources=translations:1&bootstrap=true`);
    expect(r.status).toBe(401);
    expect(await r.json()).toMatchObject({ success: false, type: 'unauthorized' });
    const noScope = await server.authHeaders({ userId: null, clientId: 'x', scopes: ['bookmark'] });
    const r2 = await fetch(`${server.url}/api/v4/resources/sync?resources=translations:1&bootstrap=true`, { headers: noScope });
    expect(r2.status).toBe(403);
  });

  it.each([1, 7, 100])('bootstraps page by page at per_page=%i, ordered by (group, id), hidden resources left out', async (perPage) => {
    const expected: string[] = [];
    for (const id of [3, 1, 2, 10, 25, 7, 8, 9, 11, 12]) {
      await put('translations', id);
      expected.push(`translations:${id}`);
    }
    for (const id of [5, 4, 6]) {
      await put('tafsirs', id);
      expected.push(`tafsirs:${id}`);
    }
    await put('articles', 1);
    expected.push('articles:1');
    await put('translations', 99, { status: 'hidden' });
    await put('translations', 98);
    await put('translations', 98, { status: 'rejected' });
    await put('recitations', 1, { resource_content_id: 500 }); // not in the filter
    await rows('translations', 3, { upsert: [translation(1, 'x')] });

    const { pages, mutations, until } = await runAll({ resources: 'translations:*;tafsirs:*;articles:1,2', bootstrap: true, per_page: perPage });
    expect(pages).toHaveLength(Math.max(1, Math.ceil(expected.length / perPage)));
    for (const p of pages.slice(0, -1)) expect(p.sync.mutations).toHaveLength(perPage);
    const sortKey = (s: string) => [s.split(':')[0]!, Number(s.split(':')[1])] as const;
    const order = [...expected].sort((a, b) => {
      const [ga, ia] = sortKey(a);
      const [gb, ib] = sortKey(b);
      return ga < gb ? -1 : ga > gb ? 1 : ia - ib;
    });
    expect(mutations.map((m) => `${m.resource_group}:${m.resource_id}`)).toEqual(order);
    expect(mutations.every((m) => m.type === 'RESOURCE_CREATE' && m.sequence <= until)).toBe(true);
    const t3 = mutations.find((m) => m.resource_group === 'translations' && m.resource_id === 3)!;
    const head = await server.ctx.db
      .selectFrom('content_resources')
      .select('last_sequence')
      .where('resource_group', '=', 'translations')
      .where('resource_id', '=', 3)
      .executeTakeFirstOrThrow();
    expect(t3.sequence).toBe(head.last_sequence); // latest change of the resource, a row change here
    if (pages.length > 1) expect(pages[0]!.sync.next_page_url).toContain(`per_page=${perPage}`);
  });

  it('bootstrap pages stay pinned while resources are created, changed and hidden between pages', async () => {
    for (let id = 1; id <= 6; id++) await put('translations', id);
    const { mutations, until, token } = await runAll({ resources: 'translations:*', bootstrap: true, per_page: 2 }, async (page) => {
      if (page === 1) {
        await put('translations', 100); // after until: must not appear in this run
        await rows('translations', 5, { upsert: [translation(1, 'late')] }); // changed after until
        await put('translations', 1, { status: 'hidden' }); // already sent
        await put('translations', 6, { status: 'hidden' }); // not sent yet
      }
    });
    expect(mutations.map((m) => m.resource_id)).toEqual([1, 2, 3, 4, 5]);
    expect(mutations.every((m) => m.sequence <= until)).toBe(true);
    // The next run delivers what happened after until.
    const next = await runAll({ resources: 'translations:*', sync_token: token, per_page: 100 });
    expect(next.mutations.map((m) => [m.type, m.resource_id])).toEqual([
      ['RESOURCE_CREATE', 100],
      ['ROW_CREATE', 5],
      ['RESOURCE_DELETE', 1],
      ['RESOURCE_DELETE', 6],
    ]);
  });

  it('incremental pages stay pinned to sync_until_sequence while edits land mid-run', async () => {
    await put('translations', 19);
    const boot = await runAll({ resources: 'translations:19', bootstrap: true });
    for (let i = 1; i <= 9; i++) await rows('translations', 19, { upsert: [translation(i, `v${i}`)] });
    let extra = 0;
    const run = await runAll({ resources: 'translations:19', sync_token: boot.token, per_page: 2 }, async () => {
      extra++;
      await rows('translations', 19, { upsert: [translation(100 + extra, 'mid-run')] });
    });
    expect(run.mutations.map((m) => m.record_key)).toEqual(['1', '2', '3', '4', '5', '6', '7', '8', '9']);
    expect(run.mutations.every((m) => m.type === 'ROW_CREATE' && m.data !== null && m.source_record_id === Number(m.record_key))).toBe(true);
    const seqs = run.mutations.map((m) => m.sequence);
    expect([...seqs].sort((a, b) => a - b)).toEqual(seqs);
    expect(extra).toBe(4);
    const next = await runAll({ resources: 'translations:19', sync_token: run.token, per_page: 100 });
    expect(next.mutations.map((m) => m.record_key)).toEqual(['101', '102', '103', '104']);
    // No changes: one final page, empty, with a token.
    const idle = await runAll({ resources: 'translations:19', sync_token: next.token });
    expect(idle.pages).toHaveLength(1);
    expect(idle.mutations).toEqual([]);
  });

  it('row data on a page is the row as of its sequence, not as edited later', async () => {
    await put('translations', 19);
    const boot = await runAll({ resources: 'translations:19', bootstrap: true });
    await rows('translations', 19, { upsert: [translation(1, 'first'), translation(2, 'two')] });
    const page1 = await c.sync({ resources: 'translations:19', sync_token: boot.token, per_page: 1 });
    await rows('translations', 19, { upsert: [translation(2, 'edited later')] });
    const page2 = await c.get<SyncBody>(page1.body.sync.next_page_url!);
    expect(page2.body.sync.mutations.map((m) => m.data?.text)).toEqual(['two']);
  });

  it('visibility: hide → edit → restore emits exactly DELETE then CREATE, no hidden row changes', async () => {
    await put('tafsirs', 151);
    await rows('tafsirs', 151, { upsert: [{ id: 1, verse_key: '2:255', text: 'a' }] });
    const boot = await runAll({ resources: 'tafsirs:151', bootstrap: true });

    await put('tafsirs', 151, { status: 'hidden', reason: 'editorial review' });
    const hidden = await runAll({ resources: 'tafsirs:151', sync_token: boot.token });
    expect(hidden.mutations.map((m) => [m.type, m.unavailable_reason, m.snapshot_url])).toEqual([['RESOURCE_DELETE', 'hidden', null]]);
    expect((await c.get('resources/snapshots/tafsirs/151')).status).toBe(404);

    await rows('tafsirs', 151, {
      upsert: [
        { id: 1, verse_key: '2:255', text: 'b' },
        { id: 2, verse_key: '2:256', text: 'c' },
      ],
    });
    await put('tafsirs', 151, { metadata: { name: 'changed while hidden' } });
    const whileHidden = await runAll({ resources: 'tafsirs:151', sync_token: hidden.token });
    expect(whileHidden.mutations).toEqual([]);

    await put('tafsirs', 151, { status: 'public' });
    const restored = await runAll({ resources: 'tafsirs:151', sync_token: whileHidden.token });
    expect(restored.mutations.map((m) => m.type)).toEqual(['RESOURCE_CREATE']);
    expect(restored.mutations[0]!.snapshot_url).toBe('/api/v4/resources/snapshots/tafsirs/151');
    const snap = await c.get<{ records: unknown[] }>('resources/snapshots/tafsirs/151');
    expect(snap.body.records).toEqual([
      { id: 1, verse_key: '2:255', text: 'b', resource_content_id: 151 },
      { id: 2, verse_key: '2:256', text: 'c', resource_content_id: 151 },
    ]);

    // Across the whole cycle, a client syncing only at the end sees DELETE then CREATE compacted to CREATE.
    const whole = await runAll({ resources: 'tafsirs:151', sync_token: boot.token });
    expect(whole.mutations.map((m) => m.type)).toEqual(['RESOURCE_CREATE']);

    for (const status of ['rejected', 'unapproved', 'deleted'] as const) {
      await put('tafsirs', 151, { status: 'public' });
      const before = await runAll({ resources: 'tafsirs:151', bootstrap: true });
      await put('tafsirs', 151, { status });
      const after = await runAll({ resources: 'tafsirs:151', sync_token: before.token });
      expect(after.mutations.map((m) => [m.type, m.unavailable_reason])).toEqual([['RESOURCE_DELETE', status]]);
    }
  });

  it('metadata change → RESOURCE_UPDATE, invalidate → RESOURCE_INVALIDATE with snapshot_url', async () => {
    await put('translations', 20, { metadata: { name: 'A' } });
    const boot = await runAll({ resources: 'translations:20', bootstrap: true });
    await put('translations', 20, { metadata: { name: 'A' } }); // unchanged: nothing
    await put('translations', 20, { metadata: { name: 'B' } });
    const upd = await runAll({ resources: 'translations:20', sync_token: boot.token });
    expect(upd.mutations.map((m) => [m.type, m.snapshot_url, m.data])).toEqual([['RESOURCE_UPDATE', null, null]]);
    const inv = await c.admin<{ sequences: number[] }>('POST', '/resources/translations/20/invalidate');
    expect(inv.status).toBe(200);
    const after = await runAll({ resources: 'translations:20', sync_token: upd.token });
    expect(after.mutations.map((m) => [m.type, m.snapshot_url])).toEqual([['RESOURCE_INVALIDATE', '/api/v4/resources/snapshots/translations/20']]);
  });

  it('compacts inside the window: latest change per row, row changes before a resource-level change dropped', async () => {
    await put('translations', 19);
    await put('translations', 21);
    const boot = await runAll({ resources: 'translations:19,21', bootstrap: true });
    await rows('translations', 19, { upsert: [translation(1, 'a'), translation(2, 'b'), translation(3, 'c')] });
    await rows('translations', 19, { upsert: [translation(1, 'a2')], delete: [{ record_type: 'translation', id: 2 }] });
    await rows('translations', 21, { upsert: [translation(1, 'x')] });
    await c.admin('POST', '/resources/translations/21/invalidate');
    await rows('translations', 21, { upsert: [translation(2, 'after invalidate')] });
    const run = await runAll({ resources: 'translations:19,21', sync_token: boot.token, per_page: 1 });
    expect(run.mutations.map((m) => `${m.type} ${m.resource_id}/${m.record_key ?? '-'} ${m.data?.text ?? ''}`.trim())).toEqual([
      'ROW_CREATE 19/3 c',
      'ROW_UPDATE 19/1 a2',
      'ROW_DELETE 19/2',
      'RESOURCE_INVALIDATE 21/-',
      'ROW_CREATE 21/2 after invalidate',
    ]);
  });

  it('physical compaction keeps answers identical; retention refuses tokens beyond the horizon', async () => {
    await put('translations', 19);
    const boot = await runAll({ resources: 'translations:19', bootstrap: true });
    for (let i = 0; i < 5; i++) await rows('translations', 19, { upsert: [translation(1, `v${i}`)] });
    await rows('translations', 19, { upsert: [translation(2, 'two')] });
    const before = await runAll({ resources: 'translations:19', sync_token: boot.token });
    const countBefore = await server.ctx.db.selectFrom('content_feed').select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow();

    // Within the cursor lifetime nothing is removed (a run in flight may still need it).
    const early = await compactContentFeed(server.ctx.db, { retentionDays: 90 });
    expect(early.superseded_removed).toBe(0);
    const admin = await c.admin<{ superseded_removed: number; head: number }>('POST', '/compact');
    expect(admin.status).toBe(200);
    expect(admin.body).toMatchObject({ superseded_removed: 0, expired_removed: 0 });

    const later = new Date(Date.now() + 25 * 3600_000);
    const compacted = await compactContentFeed(server.ctx.db, { retentionDays: 90, now: later });
    expect(compacted.superseded_removed).toBe(4);
    const countAfter = await server.ctx.db.selectFrom('content_feed').select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow();
    expect(countAfter.n).toBe(countBefore.n - 4);
    const after = await runAll({ resources: 'translations:19', sync_token: boot.token });
    expect(after.mutations).toEqual(before.mutations);

    const expired = await compactContentFeed(server.ctx.db, { retentionDays: 90, now: new Date(Date.now() + 91 * 86_400_000) });
    expect(expired.expired_removed).toBe(Number(countAfter.n));
    expect(expired.retention_floor).toBeGreaterThan(0);
    const refused = await c.sync({ resources: 'translations:19', sync_token: boot.token });
    expect(refused.status).toBe(410);
    expect(refused.body).toEqual({ error: { code: 'resync_required', message: expect.any(String) } });
    // A token taken at the head is still fine, and bootstrap still lists the resource.
    const fresh = await runAll({ resources: 'translations:19', bootstrap: true });
    expect(fresh.mutations.map((m) => m.resource_id)).toEqual([19]);
    expect((await c.sync({ resources: 'translations:19', sync_token: fresh.token })).status).toBe(200);
  });

  it('answers every error code with its status in the content envelope', async () => {
    await put('translations', 19);
    for (let i = 1; i <= 3; i++) await put('translations', 100 + i);
    const boot = await runAll({ resources: 'translations:19', bootstrap: true });
    const paged = await c.sync({ resources: 'translations:*', bootstrap: true, per_page: 1 });
    const cursorUrl = paged.body.sync.next_page_url!;
    const cursor = new URL(cursorUrl, 'http://x').searchParams.get('cursor')!;

    const cases: Array<[string, Record<string, string>]> = [
      ['invalid_per_page', { resources: 'translations:19', bootstrap: 'true', per_page: '0' }],
      ['invalid_per_page', { resources: 'translations:19', bootstrap: 'true', per_page: '101' }],
      ['invalid_per_page', { resources: 'translations:19', bootstrap: 'true', per_page: 'ten' }],
      ['invalid_per_page', { resources: 'translations:19', bootstrap: 'true', per_page: '1.5' }],
      ['invalid_resources', { bootstrap: 'true' }],
      ['invalid_resources', { resources: 'translations:0', bootstrap: 'true' }],
      ['invalid_resources', { resources: 'translations: 19', bootstrap: 'true' }],
      ['unknown_resource_group', { resources: 'videos:1', bootstrap: 'true' }],
      ['invalid_request', { resources: 'translations:19', bootstrap: 'true', sync_token: boot.token }],
      ['invalid_request', { resources: 'translations:19' }],
      ['invalid_request', { resources: 'translations:19', bootstrap: 'maybe' }],
      ['token_filter_mismatch', { resources: 'translations:19,20', sync_token: boot.token }],
      ['cursor_filter_mismatch', { cursor, resources: 'translations:19' }],
      ['cursor_per_page_mismatch', { cursor, per_page: '2' }],
      ['resync_required', { resources: 'translations:19', sync_token: 'garbage' }],
      ['resync_required', { cursor: 'garbage' }],
    ];
    const seen = new Set<string>();
    for (const [code, query] of cases) {
      const r = await c.sync(query);
      expect(r.status, `${code} ${JSON.stringify(query)} → ${JSON.stringify(r.body)}`).toBe(CONTENT_SYNC_ERRORS[code as keyof typeof CONTENT_SYNC_ERRORS]);
      expect(r.body).toEqual({ error: { code, message: expect.any(String) } });
      seen.add(code);
    }
    // The cursor itself with the same filter and per_page still works.
    expect((await c.sync({ cursor, resources: 'translations:*', per_page: '1' })).status).toBe(200);

    const unknownGroup = await c.get<{ error: { code: string } }>('resources/snapshots/videos/1');
    expect([unknownGroup.status, unknownGroup.body]).toEqual([422, { error: { code: 'unknown_resource_group', message: expect.any(String) } }]);
    seen.add('unknown_resource_group');
    for (const path of ['resources/snapshots/translations/999', 'resources/snapshots/translations/abc', 'resources/snapshots/translations/0']) {
      const r = await c.get<{ error: { code: string } }>(path);
      expect([r.status, r.body]).toEqual([404, { error: { code: 'snapshot_not_found', message: expect.any(String) } }]);
    }
    seen.add('snapshot_not_found');
    expect([...seen].sort()).toEqual(Object.keys(CONTENT_SYNC_ERRORS).sort());

    // A token ahead of the head (e.g. a database restored from an older backup): 410.
    const codec = new SyncTokenCodec(server.ctx.keys.syncTokenSecret);
    const decoded = codec.decodeToken(boot.token)!;
    const ahead = codec.encodeToken({ ...decoded, sequence: decoded.sequence + 1000 });
    expect((await c.sync({ resources: 'translations:19', sync_token: ahead })).status).toBe(410);
    const old = codec.encodeToken({ ...decoded, issuedAt: Math.floor(Date.now() / 1000) - 91 * 86_400 });
    expect((await c.sync({ resources: 'translations:19', sync_token: old })).status).toBe(410);
    const expiredCursor = codec.encodeCursor({ ...codec.decodeCursor(cursor)!, issuedAt: Math.floor(Date.now() / 1000) - 25 * 3600 });
    expect((await c.sync({ cursor: expiredCursor })).status).toBe(410);
  });

  it('treats any tampered, re-purposed or foreign token or cursor as resync_required', async () => {
    await put('translations', 19);
    await put('translations', 20);
    const boot = await runAll({ resources: 'translations:19,20', bootstrap: true });
    const paged = await c.sync({ resources: 'translations:19,20', bootstrap: true, per_page: 1 });
    const cursor = new URL(paged.body.sync.next_page_url!, 'http://x').searchParams.get('cursor')!;
    const foreign = new SyncTokenCodec(Buffer.alloc(32, 7));
    const mine = new SyncTokenCodec(server.ctx.keys.syncTokenSecret);
    const flip = (s: string, i: number) => s.slice(0, i) + (s[i] === 'A' ? 'B' : 'A') + s.slice(i + 1);
    const [v, body, sig] = boot.token.split('.') as [string, string, string];
    const badTokens = [
      flip(boot.token, v.length + 3),
      flip(boot.token, boot.token.length - 2),
      `v2.${body}.${sig}`,
      `${v}.${body}`,
      `${v}.${body}.${sig}.x`,
      foreign.encodeToken(mine.decodeToken(boot.token)!),
      cursor, // a cursor is not a token
      '',
    ];
    for (const t of badTokens) {
      const r = await c.sync({ resources: 'translations:19,20', sync_token: t });
      if (t === '')
        expect(r.status).toBe(422); // empty = no token at all
      else expect([t, r.status, r.body.error?.code]).toEqual([t, 410, 'resync_required']);
    }
    const [cv, cbody, csig] = cursor.split('.') as [string, string, string];
    for (const bad of [flip(cursor, cv.length + 2), `${cv}.${cbody}.${flip(csig, 1)}`, boot.token, foreign.encodeCursor(mine.decodeCursor(cursor)!)]) {
      const r = await c.sync({ cursor: bad });
      expect([r.status, r.body.error?.code]).toEqual([410, 'resync_required']);
    }
  });

  it('property: every spelling of the same filter binds the same token', async () => {
    for (const id of [1, 2, 3]) await put('translations', id);
    await put('tafsirs', 7);
    const groups = ['translations', 'tafsirs', 'articles'] as const;
    const selection = fc.dictionary(
      fc.constantFrom(...groups),
      fc.oneof(fc.constant<'*'>('*'), fc.uniqueArray(fc.integer({ min: 1, max: 30 }), { minLength: 1, maxLength: 5 })),
      { minKeys: 1 },
    );
    const spelling = (sel: Record<string, '*' | number[]>) =>
      fc.tuple(fc.shuffledSubarray([0, 1, 2, 3, 4, 5, 6, 7, 8, 9], { minLength: 10, maxLength: 10 }), fc.integer({ min: 1, max: 3 })).map(([perm, copies]) => {
        const parts: string[] = [];
        for (const [g, ids] of Object.entries(sel)) {
          if (ids === '*') parts.push(`${g}:*`, ...(copies > 1 ? [`${g}:1`] : []));
          else for (let k = 0; k < copies; k++) parts.push(`${g}:${[...ids].reverse().join(',')}`);
        }
        return parts
          .map((p, i) => [perm[i % perm.length]! * 100 + i, p] as const)
          .sort((a, b) => a[0] - b[0])
          .map(([, p]) => p)
          .join(';');
      });
    await fc.assert(
      fc.asyncProperty(
        selection.chain((sel) => fc.tuple(fc.constant(sel), spelling(sel), spelling(sel))),
        async ([, a, b]) => {
          const first = await runAll({ resources: a, bootstrap: true });
          const again = await c.sync({ resources: b, sync_token: first.token });
          expect(again.status, `${a} vs ${b}: ${JSON.stringify(again.body)}`).toBe(200);
          const differs = await c.sync({ resources: `${b};word_by_word_translations:1`, sync_token: first.token });
          expect(differs.body.error?.code).toBe('token_filter_mismatch');
        },
      ),
      { numRuns: 25 },
    );
  });

  it('snapshots: streamed, ordered, gzip and brotli on request, weak ETag answered with 304', async () => {
    await put('word_by_word_translations', 60);
    await rows('word_by_word_translations', 60, {
      upsert: [
        { id: 3, word_id: 2, language_id: 38, priority: 1, text: 'c' },
        { id: 1, word_id: 2, language_id: 38, priority: 2, text: 'a' },
        { id: 2, word_id: 1, language_id: 38, priority: null, text: 'b' },
        { id: 4, word_id: 1, language_id: 38, priority: 1, text: 'd' },
      ],
    });
    const r = await c.get<{ records: Array<{ id: number }>; sync_sequence: number; schema_version: number; resource_content_id: number }>(
      'resources/snapshots/word_by_word_translations/60',
      { 'accept-encoding': 'identity' },
    );
    expect(r.status).toBe(200);
    expect(r.body.records.map((x) => x.id)).toEqual([4, 2, 3, 1]); // word_id, priority (null last), id
    expect(r.body).toMatchObject({ resource_group: 'word_by_word_translations', resource_id: 60, resource_content_id: 60, schema_version: 1 });
    expect(r.headers.get('content-encoding')).toBeNull();
    const etag = r.headers.get('etag')!;
    expect(etag).toMatch(/^W\/"/);

    for (const encoding of ['gzip', 'br']) {
      const raw = await rawGet(`${server.url}/api/v4/resources/snapshots/word_by_word_translations/60`, {
        ...(await server.authHeaders({ userId: null, clientId: 'reader', scopes: ['content'] })),
        'accept-encoding': encoding,
      });
      expect(raw.headers['content-encoding']).toBe(encoding);
      expect(raw.headers.vary).toMatch(/Accept-Encoding/i);
      expect(raw.json.records).toHaveLength(4);
    }
    const notModified = await c.get('resources/snapshots/word_by_word_translations/60', { 'if-none-match': etag });
    expect(notModified.status).toBe(304);
    expect(notModified.body).toBeNull();
    await rows('word_by_word_translations', 60, { upsert: [{ id: 5, word_id: 3, language_id: 38, text: 'e' }] });
    const changed = await c.get('resources/snapshots/word_by_word_translations/60', { 'if-none-match': etag });
    expect(changed.status).toBe(200);
    expect(changed.headers.get('etag')).not.toBe(etag);
  });
});

export type { ContentSyncMutation };

describe('repeated query parameters', () => {
  it('answer with the contract codes, not a generic 400', async () => {
    const server = await startTestServer();
    try {
      const headers = await server.authHeaders({ userId: null, clientId: 'reader', scopes: ['content'] });
      const get = async (qs: string) => {
        const r = await fetch(`${server.url}/api/v4/resources/sync?${qs}`, { headers });
        return [r.status, ((await r.json()) as { error?: { code: string } }).error?.code];
      };
      expect(await get('resources=translations:1&resources=tafsirs:1&bootstrap=true')).toEqual([422, 'invalid_resources']);
      expect(await get('resources=translations:1&bootstrap=true&per_page=1&per_page=2')).toEqual([422, 'invalid_per_page']);
      expect(await get('resources=translations:1&sync_token=a&sync_token=b')).toEqual([410, 'resync_required']);
      expect(await get('cursor=a&cursor=b')).toEqual([410, 'resync_required']);
    } finally {
      await server.close();
    }
  });
});
