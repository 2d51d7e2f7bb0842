/**
 * Scale: the per-request cost of the two incremental paths must not grow with the data.
 *
 * - content: an incremental sync whose window holds 10 new row changes (`translations:<one id>`, and the
 *   same under `translations:*`), with a feed of N changes over M rows;
 * - user data: a pull returning 10 new mutations of one user, with U users × 100 resources stored.
 *
 * Levels (each bulk-loaded with SQL — generate_series — into a fresh schema, then ANALYZE):
 *   small:   10 k feed changes / 1 k rows;   1 k users × 100 resources
 *   large:   1 M feed changes / 100 k rows;  10 k users × 100 resources   (default run: small vs large)
 *   full:    10 M feed changes / 1 M rows;   100 k users × 100 resources  (QS_BENCH_SCALE=full: small vs full)
 *
 * The 10 changes and 10 mutations are written through the real server (admin API, POST /v1/sync); the
 * measured requests go through HTTP to a server child process per level on PostgreSQL (production defaults),
 * both levels loaded and running at once and timed in alternation (rounds of 5 requests per level and kind),
 * so the shared machine's changing load weighs on both alike. Samples: QS_BENCH_SCALE_SAMPLES (default 300)
 * per level and kind, after 30 warm-up requests; p50 and p95 reported.
 * Needs PostgreSQL: QS_BENCH_PG_URL (default postgres://postgres@127.0.0.1:5432); database
 * `qs_bench_scale` is created and dropped. Run: `npm run bench:scale`.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { loadOrCreateKeyRing, signAccessToken } from '@quran-sync/server';
import { startChild } from '../lib/processes.js';
import { benchRoot, environmentLine, fmt, markdownTable, printTables, writeResults, type TargetCheck } from '../lib/results.js';

const here = path.dirname(new URL(import.meta.url).pathname);
const PG_URL = process.env.QS_BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432';
const DATABASE = 'qs_bench_scale';
const SAMPLES = Number(process.env.QS_BENCH_SCALE_SAMPLES ?? 300);
const ISSUER = 'http://quran-sync.bench';

interface Level {
  readonly name: string;
  readonly feedChanges: number;
  readonly rows: number;
  readonly users: number;
}

const SMALL: Level = { name: 'small', feedChanges: 10_000, rows: 1_000, users: 1_000 };
const BIG: Level =
  process.env.QS_BENCH_SCALE === 'full'
    ? { name: 'full', feedChanges: 10_000_000, rows: 1_000_000, users: 100_000 }
    : { name: 'large', feedChanges: 1_000_000, rows: 100_000, users: 10_000 };
const RESOURCES_PER_USER = 100;
/** Content rows are spread over this many translations. */
const CONTENT_RESOURCES = 100;

interface Measured {
  readonly level: Level;
  readonly loadSeconds: number;
  readonly content: Latency;
  readonly contentGroup: Latency;
  readonly user: Latency;
  readonly tableSizes: string;
}

interface Latency {
  readonly p50: number;
  readonly p95: number;
  readonly items: number;
}

async function main(): Promise<void> {
  const environment = environmentLine();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'qs-bench-scale-'));
  const admin = new pg.Client({ connectionString: `${PG_URL}/postgres` });
  await admin.connect();
  await admin.query(`drop database if exists ${DATABASE} with (force)`);
  await admin.query(`create database ${DATABASE}`);
  const keysFile = path.join(tmp, 'keys.json');
  const keys = await loadOrCreateKeyRing(keysFile);
  const token = async (userId: string | null, scopes: string[]) =>
    (await signAccessToken(keys, { issuer: ISSUER, clientId: 'bench', userId, scopes, ttlSeconds: 7200 })).token;
  const results: Measured[] = [];
  const prepared: Prepared[] = [];
  try {
    for (const level of [SMALL, BIG]) {
      process.stderr.write(`scale: loading ${level.name}…\n`);
      prepared.push(await prepareLevel(level, `${PG_URL}/${DATABASE}`, keysFile, token));
    }
    process.stderr.write('scale: measuring…\n');
    results.push(...(await measureInterleaved(prepared)));
  } finally {
    for (const p of prepared) await p.close();
    await admin.query(`drop database if exists ${DATABASE} with (force)`).catch(() => {});
    await admin.end();
    fs.rmSync(tmp, { recursive: true, force: true });
  }

  const [small, big] = results as [Measured, Measured];
  const ms = (v: number) => `${fmt(v, 2)} ms`;
  const change = (a: number, b: number) => `${b >= a ? '+' : ''}${fmt(((b - a) / a) * 100, 0)}%`;
  const flat = (a: Latency, b: Latency) => Math.abs(b.p50 - a.p50) / a.p50 <= 0.2;
  const row = (label: string, pick: (m: Measured) => Latency) => [
    label,
    `p50 ${ms(pick(small).p50)}, p95 ${ms(pick(small).p95)}`,
    `p50 ${ms(pick(big).p50)}, p95 ${ms(pick(big).p95)}`,
    change(pick(small).p50, pick(big).p50),
  ];
  const targets: TargetCheck[] = [
    {
      target: `incremental content sync, 10 new changes: flat (±20%) from ${small.level.name} to ${big.level.name}`,
      measured: `p50 ${change(small.content.p50, big.content.p50)} (one id), ${change(small.contentGroup.p50, big.contentGroup.p50)} (group:*)`,
      met: flat(small.content, big.content) && flat(small.contentGroup, big.contentGroup),
    },
    {
      target: `user pull, 10 new mutations: flat (±20%) from ${small.level.name} to ${big.level.name}`,
      measured: `p50 ${change(small.user.p50, big.user.p50)}`,
      met: flat(small.user, big.user),
    },
  ];
  const describe = (m: Measured) =>
    `${fmt(m.level.feedChanges)} feed changes / ${fmt(m.level.rows)} rows; ${fmt(m.level.users)} users × ${RESOURCES_PER_USER} = ${fmt(m.level.users * RESOURCES_PER_USER)} resources (bulk load ${fmt(m.loadSeconds, 0)} s; ${m.tableSizes})`;
  const out = {
    suite: 'scale',
    title: `Scale: per-request cost at ${small.level.name} and ${big.level.name} scale`,
    environment,
    tables: [
      {
        title: 'Incremental requests, HTTP end to end (server child process on PostgreSQL)',
        note: `${small.level.name}: ${describe(small)}. ${big.level.name}: ${describe(big)}. ${SAMPLES} sequential requests per level and kind, after 30 warm-up requests, the levels timed in alternation (rounds of 5).`,
        columns: ['request', small.level.name, big.level.name, 'p50 change'],
        rows: [
          row('content sync, token + 10 new row changes, `translations:<id>`', (m) => m.content),
          row('content sync, same window, `translations:*`', (m) => m.contentGroup),
          row('user pull, `mutationsSince` + 10 new mutations', (m) => m.user),
        ],
      },
    ],
    targets,
    charts: [
      {
        id: 'scale-p50',
        title: `Per-request p50 latency at ${small.level.name} vs ${big.level.name} scale (ms)`,
        unit: 'ms',
        categories: ['content, one id', 'content, group:*', 'user pull'],
        series: [small, big].map((m) => ({
          name: `${m.level.name} (${fmt(m.level.feedChanges)} changes, ${fmt(m.level.users * RESOURCES_PER_USER)} user resources)`,
          values: [m.content.p50, m.contentGroup.p50, m.user.p50],
        })),
      },
    ],
  };
  writeResults(out);
  printTables(out);
  if (BIG.name === 'full') writeFullScaleDoc(out, environment);
}

/**
 * The full-scale run takes far longer than `npm run bench` may, so it is run on its own and keeps its own
 * generated page, which docs/benchmarks.md links.
 */
function writeFullScaleDoc(
  out: {
    title: string;
    tables: ReadonlyArray<{ title: string; note?: string; columns: readonly string[]; rows: ReadonlyArray<ReadonlyArray<string | number>> }>;
    targets: readonly TargetCheck[];
  },
  environment: string,
): void {
  const lines = [
    '# Benchmarks: full scale',
    '',
    `Generated by \`QS_BENCH_SCALE=full npm run bench:scale\` on ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC. ${environment}. Do not edit by hand: run it again.`,
    '',
    `## ${out.title}`,
    '',
  ];
  for (const table of out.tables) {
    lines.push(`### ${table.title}`, '');
    if (table.note) lines.push(table.note, '');
    lines.push(markdownTable(table), '');
  }
  lines.push(
    '## Targets',
    '',
    markdownTable({ title: '', columns: ['target', 'measured', 'met'], rows: out.targets.map((t) => [t.target, t.measured, t.met ? 'yes' : '**no**']) }),
    '',
  );
  fs.writeFileSync(path.join(benchRoot, '..', 'docs', 'benchmarks-scale-full.md'), `${lines.join('\n')}\n`);
}

/** A loaded level with its server running and the three measured requests ready (each checked to return 10 items). */
interface Prepared {
  readonly level: Level;
  readonly loadSeconds: number;
  readonly tableSizes: string;
  readonly probes: Record<'content' | 'contentGroup' | 'user', { readonly url: string; readonly headers: Record<string, string> }>;
  close(): Promise<void>;
}

async function prepareLevel(
  level: Level,
  databaseUrl: string,
  keysFile: string,
  token: (userId: string | null, scopes: string[]) => Promise<string>,
): Promise<Prepared> {
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  const schema = `scale_${level.name}`;
  await db.query(`create schema ${schema}`);
  await db.query(`set search_path = ${schema}`);
  // The server migrates the empty schema on start; then the data goes in with SQL, behind its back.
  const server = await startChild(path.join(here, '../lib/our-server.ts'), [], {
    QS_BENCH_DATABASE_URL: databaseUrl,
    QS_BENCH_SCHEMA: schema,
    QS_BENCH_KEYS_FILE: keysFile,
    QS_BENCH_ISSUER: ISSUER,
  });
  const cleanup = async () => {
    await server.stop();
    const admin = new pg.Client({ connectionString: databaseUrl });
    await admin.connect();
    await admin.query(`drop schema ${schema} cascade`).catch(() => {});
    await admin.end();
  };
  try {
    const t0 = performance.now();
    await bulkLoadContent(db, level);
    await bulkLoadUsers(db, level);
    await db.query('analyze');
    const loadSeconds = (performance.now() - t0) / 1000;
    // The server's in-memory head follows the bulk load's head update by NOTIFY; wait for it to be served.
    const url = String(server.ready.url);
    const contentHeaders = { 'x-auth-token': await token(null, ['content']), 'x-client-id': 'bench' };
    const editor = { 'x-auth-token': await token(null, ['content.write']), 'x-client-id': 'bench', 'content-type': 'application/json' };

    // Content: a token at the current head, then 10 row changes through the editorial API.
    const resourceId = 100_001;
    const boot = await getJson(`${url}/api/v4/resources/sync?resources=translations:${resourceId}&bootstrap=true`, contentHeaders);
    const groupBoot = await followToToken(url, `/api/v4/resources/sync?resources=translations:*&bootstrap=true&per_page=100`, contentHeaders);
    const edited = await fetch(`${url}/admin/v1/resources/translations/${resourceId}/rows`, {
      method: 'POST',
      headers: editor,
      body: JSON.stringify({
        upsert: Array.from({ length: 10 }, (_, i) => ({ id: i + 1, verse_key: `1:${i + 1}`, text: `edited ${i + 1} at ${level.name}`, foot_notes: [] })),
      }),
    });
    if (!edited.ok) throw new Error(`edit failed: ${edited.status} ${await edited.text()}`);
    const contentUrl = `${url}/api/v4/resources/sync?resources=translations:${resourceId}&sync_token=${encodeURIComponent(String((boot as { sync: { next_sync_token: string } }).sync.next_sync_token))}`;
    const groupUrl = `${url}/api/v4/resources/sync?resources=translations:*&sync_token=${encodeURIComponent(groupBoot)}`;
    await expectTen(contentUrl, contentHeaders, (b) => (b as { sync: { mutations: unknown[] } }).sync.mutations.length);
    await expectTen(groupUrl, contentHeaders, (b) => (b as { sync: { mutations: unknown[] } }).sync.mutations.length);

    // User: the probe (user 1, with its 100 stored resources) pushes 10 new bookmarks; pull since the old head.
    const probe = 'u1';
    const userHeaders = {
      'x-auth-token': await token(probe, ['sync', 'bookmark', 'collection', 'note', 'reading_session', 'preference']),
      'x-client-id': 'bench',
    };
    const push = async (keys: number[]) => {
      const head = Number(
        ((await getJson(`${url}/v1/sync?mutationsSince=0&metadataOnly=true`, userHeaders)) as { data: { lastMutationAt: number } }).data.lastMutationAt,
      );
      const pushed = await fetch(`${url}/v1/sync?lastMutationAt=${head}`, {
        method: 'POST',
        headers: { ...userHeaders, 'content-type': 'application/json' },
        body: JSON.stringify({ mutations: keys.map((key) => ({ type: 'CREATE', resource: 'BOOKMARK', data: { type: 'juz', key, mushaf: 4 } })) }),
      });
      if (!pushed.ok) throw new Error(`push failed: ${pushed.status} ${await pushed.text()}`);
      return head;
    };
    // The probe's first write also creates its default collection; the measured window holds exactly 10.
    await push([30]);
    const head = await push([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    const userUrl = `${url}/v1/sync?mutationsSince=${head}`;
    await expectTen(userUrl, userHeaders, (b) => (b as { data: { mutations: unknown[] } }).data.mutations.length);
    const sizes = (
      await db.query<{ t: string; s: string }>(
        `select relname as t, pg_size_pretty(pg_total_relation_size(c.oid)) as s from pg_class c join pg_namespace n on n.oid = c.relnamespace
       where n.nspname = $1 and relname in ('content_feed', 'user_changes') order by relname`,
        [schema],
      )
    ).rows
      .map((r) => `${r.t} ${r.s}`)
      .join(', ');
    await db.end();
    return {
      level,
      loadSeconds,
      tableSizes: sizes,
      probes: {
        content: { url: contentUrl, headers: contentHeaders },
        contentGroup: { url: groupUrl, headers: contentHeaders },
        user: { url: userUrl, headers: userHeaders },
      },
      close: cleanup,
    };
  } catch (error) {
    await db.end();
    await cleanup();
    throw error;
  }
}

/**
 * `rows` translation rows over 100 resources (translations:100001…), then `feedChanges` feed entries: one
 * RESOURCE_CREATE per resource, the rest ROW_UPDATEs cycling over the rows (full row data, as the writer
 * stores them). Resources' `last_sequence` and the head are set to match, as the feed writer would.
 */
async function bulkLoadContent(db: pg.Client, level: Level): Promise<void> {
  const perResource = level.rows / CONTENT_RESOURCES;
  await db.query(
    `insert into content_resources (resource_group, resource_id, resource_content_id, status, metadata, last_sequence, public_since_sequence)
     select 'translations', 100000 + r, 100000 + r, 'public', '{}'::jsonb, 0, r from generate_series(1, ${CONTENT_RESOURCES}) r`,
  );
  await db.query(
    `insert into content_rows (resource_group, resource_id, record_type, record_key, sort_key, data)
     select 'translations', 100000 + r, 'translation', k::text, lpad(k::text, 12, '0'),
            jsonb_build_object('id', k, 'resource_content_id', 100000 + r, 'verse_key', '1:1', 'text', 'row ' || k, 'foot_notes', '[]'::jsonb)
     from generate_series(1, ${CONTENT_RESOURCES}) r, generate_series(1, ${perResource}) k`,
  );
  await db.query(
    `insert into content_feed (sequence, type, resource_group, resource_id, resource_content_id, changed_at)
     select r, 'RESOURCE_CREATE', 'translations', 100000 + r, 100000 + r, now() from generate_series(1, ${CONTENT_RESOURCES}) r`,
  );
  // Row updates: sequence s touches resource (s mod 100) and row ((s / 100) mod perResource) + 1.
  const chunk = 1_000_000;
  for (let from = CONTENT_RESOURCES + 1; from <= level.feedChanges; from += chunk) {
    const to = Math.min(level.feedChanges, from + chunk - 1);
    await db.query(
      `insert into content_feed (sequence, type, resource_group, resource_id, resource_content_id, record_type, record_key, data, changed_at)
       select s, 'ROW_UPDATE', 'translations', 100001 + (s % ${CONTENT_RESOURCES}), 100001 + (s % ${CONTENT_RESOURCES}), 'translation',
              (((s / ${CONTENT_RESOURCES}) % ${perResource}) + 1)::text,
              jsonb_build_object('id', ((s / ${CONTENT_RESOURCES}) % ${perResource}) + 1, 'resource_content_id', 100001 + (s % ${CONTENT_RESOURCES}), 'verse_key', '1:1', 'text', 'v' || s, 'foot_notes', '[]'::jsonb),
              now()
       from generate_series(${from}, ${to}) s`,
    );
  }
  await db.query(
    `update content_resources r set last_sequence = coalesce((select max(sequence) from content_feed f where f.resource_group = r.resource_group and f.resource_id = r.resource_id), 0)`,
  );
  await db.query(`update content_feed_head set sequence = ${level.feedChanges} where id = 1`);
}

/** `users` users × 100 page/ayah bookmarks each, their change-index entries and heads. */
async function bulkLoadUsers(db: pg.Client, level: Level): Promise<void> {
  const base = Date.now() - 86_400_000;
  const chunk = 10_000;
  for (let from = 1; from <= level.users; from += chunk) {
    const to = Math.min(level.users, from + chunk - 1);
    await db.query(
      `insert into user_bookmarks (id, user_id, type, key, verse_number, mushaf, created_at, updated_at)
       select 'b' || u || 'x' || i, 'u' || u, 'page', i, null, 4, now(), now()
       from generate_series(${from}, ${to}) u, generate_series(1, ${RESOURCES_PER_USER}) i`,
    );
    await db.query(
      `insert into user_changes (user_id, resource, resource_id, timestamp, created_ts, deleted)
       select 'u' || u, 'BOOKMARK', 'b' || u || 'x' || i, ${base} + i, ${base} + i, false
       from generate_series(${from}, ${to}) u, generate_series(1, ${RESOURCES_PER_USER}) i`,
    );
  }
  // Heads without a default collection: the probe's first push creates it, as for any user.
  await db.query(`insert into user_heads (user_id, head) select 'u' || u, ${base} + ${RESOURCES_PER_USER} from generate_series(1, ${level.users}) u`);
}

async function getJson(url: string, headers: Record<string, string>): Promise<unknown> {
  const response = await fetch(url, { headers });
  if (!response.ok) throw new Error(`${url}: ${response.status} ${await response.text()}`);
  return response.json();
}

/** Follows a sync run to its final page and returns the token. */
async function followToToken(base: string, first: string, headers: Record<string, string>): Promise<string> {
  let next: string | null = first;
  for (;;) {
    const body = (await getJson(`${base}${next}`, headers)) as { sync: { next_page_url: string | null; next_sync_token: string | null } };
    if (body.sync.next_sync_token) return body.sync.next_sync_token;
    next = body.sync.next_page_url;
  }
}

/** Warms the request up and checks it returns exactly the 10 new items. */
async function expectTen(url: string, headers: Record<string, string>, count: (body: unknown) => number): Promise<void> {
  let items = 0;
  for (let i = 0; i < 30; i++) items = count(await getJson(url, headers));
  if (items !== 10) throw new Error(`expected 10 items from ${url.replace(/token=[^&]+/, 'token=…')}, got ${items}`);
}

/**
 * The levels' requests timed in alternation — rounds of a few requests per level and kind — so that the
 * shared machine's load, which comes and goes over seconds, weighs on every level alike.
 */
async function measureInterleaved(levels: readonly Prepared[]): Promise<Measured[]> {
  const kinds = ['content', 'contentGroup', 'user'] as const;
  const times = levels.map(() => ({ content: [] as number[], contentGroup: [] as number[], user: [] as number[] }));
  const perRound = 5;
  for (let round = 0; round * perRound < SAMPLES; round++) {
    for (const kind of kinds) {
      for (let i = 0; i < levels.length; i++) {
        const probe = levels[i]!.probes[kind];
        for (let k = 0; k < perRound; k++) {
          const t = performance.now();
          await getJson(probe.url, probe.headers);
          times[i]![kind].push(performance.now() - t);
        }
      }
    }
  }
  const latency = (values: number[]): Latency => {
    const sorted = [...values].sort((a, b) => a - b);
    return { p50: sorted[Math.floor(sorted.length * 0.5)]!, p95: sorted[Math.floor(sorted.length * 0.95)]!, items: 10 };
  };
  return levels.map((level, i) => ({
    level: level.level,
    loadSeconds: level.loadSeconds,
    tableSizes: level.tableSizes,
    content: latency(times[i]!.content),
    contentGroup: latency(times[i]!.contentGroup),
    user: latency(times[i]!.user),
  }));
}

await main();
