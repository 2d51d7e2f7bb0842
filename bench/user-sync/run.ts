/**
 * User sync benchmark (docs/user-sync.md, "Benchmark"). Prints one table:
 *
 * - push throughput: 100-mutation `POST /v1/sync` batches per second with 1, 4 and 16 users pushing
 *   concurrently (each user sequentially, with its own head), beside a raw baseline in the same run: the same
 *   rows (100 bookmarks + 100 change-index entries + the head update) inserted straight into PostgreSQL, one
 *   transaction per batch, at the same concurrency;
 * - pull latency of one probe user (101 entries) with 10 k and with 1 M stored mutations across 10 k users,
 *   beside the raw index range scan for the same page. The probe's cost must not grow with other users' data.
 *
 * Needs PostgreSQL: `QS_BENCH_DATABASE_URL` (default postgres://postgres@127.0.0.1:5432/qs_bench_user_sync,
 * created if missing). Other users' data is bulk-loaded with SQL, not through HTTP. `QS_BENCH_SECONDS` sets
 * each side's push time per concurrency (default 5), split into `QS_BENCH_ROUNDS` phases (default 4) that
 * alternate with the baseline's. Run: `npm run bench:user-sync`.
 */
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { MUSHAF_IDS, VERSE_COUNT, verseAt } from '@quran-sync/protocol';
import { loadOrCreateKeyRing, signAccessToken } from '@quran-sync/server';
import { leanRequest } from '../lib/http-client.js';
import { median } from '../lib/median.js';
import { profileFlags, startChild } from '../lib/processes.js';
import { environmentLine, printTables, times, writeResults, type TargetCheck } from '../lib/results.js';
import { ensureDatabase } from '../lib/ensure-database.js';

const SECONDS = Number(process.env.QS_BENCH_SECONDS ?? 5);
/** Adjacent pairs of push phases (ours, raw) per concurrency; SECONDS is split among each side's phases. */
const ROUNDS = Number(process.env.QS_BENCH_ROUNDS ?? 4);
const DATABASE_URL = process.env.QS_BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/qs_bench_user_sync';
const OTHER_USERS = 9_999;
const PULL_SAMPLES = Number(process.env.QS_BENCH_PULL_SAMPLES ?? 300);
/**
 * Server processes: one per CPU (`quran-sync serve --workers auto`), the deployment for a machine this size;
 * a Node process runs JavaScript on one core. QS_BENCH_WORKERS overrides it.
 */
const WORKERS = Number(process.env.QS_BENCH_WORKERS ?? os.availableParallelism());
/** Connections in all: the baseline's pool and the servers' pools together hold the same number. */
const CONNECTIONS = 10;
/** QS_BENCH_PUSH_ONLY=1: push phases only (e.g. to profile them with QS_BENCH_PROFILE_DIR). */
const PUSH_ONLY = process.env.QS_BENCH_PUSH_ONLY === '1';

interface Row {
  readonly measure: string;
  readonly quranSync: string;
  readonly baseline: string;
  readonly note: string;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

const ms = (v: number): string => `${v.toFixed(2)} ms`;

async function main(): Promise<void> {
  const environment = environmentLine(`${SECONDS} s per push phase`);
  const pushes: Array<{ users: number; ours: number; raw: number; ratio: number }> = [];
  await ensureDatabase(DATABASE_URL);
  // The server runs in its own process (production defaults, its own CPU), on a fresh schema of this database.
  const server = await startServer();
  const schema = server.schema;
  // The raw baseline gets as many connections as the server processes' pools together.
  const raw = new pg.Pool({ connectionString: DATABASE_URL, max: CONNECTIONS, options: `-c search_path=${schema}` });
  const rows: Row[] = [];
  try {
    // ---------------------------------------------------------------- push throughput
    for (const users of PUSH_ONLY ? [Number(process.env.QS_BENCH_PUSH_USERS ?? 16)] : [1, 4, 16]) {
      // Ours and the baseline in ROUNDS adjacent pairs, the order flipping every round (A B, B A, …): the
      // machine's capacity moves within seconds, and only adjacent phases see the same machine. The ratio is
      // the median of the rounds' ratios, each rate the median of its phases.
      const ours: Array<{ latencies: number[] }> = [];
      const base: Array<{ latencies: number[] }> = [];
      for (let round = 0; round < ROUNDS; round++) {
        if (round % 2 === 0) {
          ours.push(await pushPhase(server, users, SECONDS / ROUNDS));
          base.push(await rawPushPhase(raw, users, SECONDS / ROUNDS));
        } else {
          base.push(await rawPushPhase(raw, users, SECONDS / ROUNDS));
          ours.push(await pushPhase(server, users, SECONDS / ROUNDS));
        }
      }
      const pushed = combine(ours);
      const baseline = combine(base);
      const ratio = median(ours.map((phase, i) => phase.latencies.length / base[i]!.latencies.length));
      pushes.push({ users, ours: pushed.perSecond, raw: baseline.perSecond, ratio });
      rows.push({
        measure: `push 100 mutations, ${users} concurrent user${users > 1 ? 's' : ''}`,
        quranSync: `${pushed.perSecond.toFixed(1)} pushes/s (${(pushed.perSecond * 100).toFixed(0)} mut/s), p50 ${ms(pushed.p50)}, p95 ${ms(pushed.p95)}`,
        baseline: `${baseline.perSecond.toFixed(1)} tx/s, p50 ${ms(baseline.p50)}`,
        note: `ours/raw ${times(ratio)}; ${pushed.count} pushes in ${SECONDS} s`,
      });
    }

    // ---------------------------------------------------------------- pull latency vs other users' data
    if (PUSH_ONLY) return void printPushes(rows);
    // Start from empty tables: the stored-mutation counts below are exactly 10 k and 1 M.
    await raw.query(
      'truncate user_heads, user_changes, user_change_gaps, user_bookmarks, user_collections, user_collection_bookmarks, user_notes, user_note_ranges, user_reading_sessions, user_preferences, user_idempotency_keys',
    );
    const probe = 'bench-probe';
    const probeHeaders = await server.authHeaders({ userId: probe, scopes: ['sync', 'bookmark', 'collection', 'note', 'reading_session', 'preference'] });
    const seeded = await fetch(`${server.url}/v1/sync?lastMutationAt=-1`, {
      method: 'POST',
      headers: { ...probeHeaders, 'content-type': 'application/json' },
      body: JSON.stringify({
        mutations: Array.from({ length: 100 }, (_, i) => ({ type: 'CREATE', resource: 'BOOKMARK', data: { type: 'page', key: i + 1, mushaf: 4 } })),
      }),
    });
    if (seeded.status !== 200) throw new Error(`probe push failed: ${seeded.status}`);
    const probeHead = ((await seeded.json()) as { data: { lastMutationAt: number } }).data.lastMutationAt;
    // The probe's incremental cursor: half way through its history.
    const middle = (
      await raw.query<{ timestamp: string }>('select timestamp from user_changes where user_id = $1 order by timestamp offset 50 limit 1', [probe])
    ).rows[0]!.timestamp;

    for (const [label, perUser, from] of [
      ['10 k', 1, 1],
      ['1 M', 100, 2],
    ] as const) {
      const t0 = performance.now();
      await bulkLoad(raw, from, perUser);
      const loadSeconds = (performance.now() - t0) / 1000;
      const total = Number((await raw.query<{ n: string }>('select count(*) as n from user_changes')).rows[0]!.n);
      await raw.query('analyze');
      for (const [kind, since, limit] of [
        ['full pull (101 entries)', 0, 1000],
        ['incremental pull (50 entries)', Number(middle), 100],
        ['metadataOnly', 0, 0],
      ] as const) {
        const query = limit === 0 ? `mutationsSince=0&metadataOnly=true` : `mutationsSince=${since}&limit=${limit}`;
        const latencies = await sample(PULL_SAMPLES, async () => {
          const res = await fetch(`${server.url}/v1/sync?${query}`, { headers: probeHeaders });
          if (res.status !== 200) throw new Error(`pull failed ${res.status}`);
          await res.arrayBuffer();
        });
        const baseline = await sample(PULL_SAMPLES, async () => {
          if (limit === 0) await raw.query('select head from user_heads where user_id = $1', [probe]);
          else
            await raw.query(
              `select c.timestamp, c.resource, c.resource_id, b.type, b.key, b.mushaf from user_changes c
               left join user_bookmarks b on b.id = c.resource_id and c.resource = 'BOOKMARK'
               where c.user_id = $1 and c.timestamp > $2 and c.timestamp <= $3 order by c.timestamp limit $4`,
              [probe, since, probeHead, limit],
            );
        });
        rows.push({
          measure: `${kind}, ${label} stored mutations`,
          quranSync: `p50 ${ms(percentile(latencies, 50))}, p95 ${ms(percentile(latencies, 95))}`,
          baseline: `p50 ${ms(percentile(baseline, 50))}, p95 ${ms(percentile(baseline, 95))}`,
          note: `${total.toLocaleString('en')} rows in user_changes${kind.startsWith('full') ? `, bulk load ${loadSeconds.toFixed(1)} s` : ''}`,
        });
      }
    }
  } finally {
    await raw.end();
    await server.close();
  }
  const at16 = pushes.find((p) => p.users === 16)!;
  const targets: TargetCheck[] = [
    {
      target: 'user push (100-mutation batches, 16 users) ≥ 50% of raw PostgreSQL insert throughput for the same rows',
      measured: pushes.map((p) => `${p.users} user${p.users > 1 ? 's' : ''}: ${times(p.ratio)}`).join(', '),
      met: at16.ratio >= 0.5,
    },
  ];
  const results = {
    suite: 'user-sync',
    title: 'User sync: push throughput and pull latency vs raw PostgreSQL',
    environment,
    tables: [
      {
        title: 'Push and pull, HTTP end to end (server in its own process, on PostgreSQL)',
        note: `Push: each user pushes 100 new bookmarks per POST /v1/sync, one after another; the raw baseline writes the same rows (100 bookmarks, 100 change-index entries, the head) in one transaction per batch at the same concurrency. ${ROUNDS} adjacent pairs of phases, the order flipping every round; rates are the median phase, ours/raw the median of the rounds' ratios. The server runs as ${WORKERS} process${WORKERS > 1 ? 'es' : ''} (\`--workers\`, one per CPU) with ${Math.ceil(CONNECTIONS / WORKERS)} database connections each; the baseline's pool has ${CONNECTIONS}. Pull: one probe user among 10 k others, beside the raw index range scan for the same page.`,
        columns: ['measure', 'Quran Sync (HTTP, end to end)', 'raw PostgreSQL baseline', 'note'],
        rows: rows.map((r) => [r.measure, r.quranSync, r.baseline, r.note]),
      },
    ],
    targets,
    charts: [
      {
        id: 'user-push',
        title: 'User push throughput vs concurrent users (mutations/s)',
        unit: 'mutations/s',
        categories: pushes.map((p) => `${p.users} user${p.users > 1 ? 's' : ''}`),
        series: [
          { name: 'Quran Sync, POST /v1/sync (100 per batch)', values: pushes.map((p) => p.ours * 100) },
          { name: 'raw PostgreSQL inserts, same rows', values: pushes.map((p) => p.raw * 100) },
        ],
      },
    ],
  };
  writeResults(results);
  printTables(results);
}

function printPushes(rows: readonly Row[]): void {
  for (const r of rows) process.stdout.write(`${r.measure}: ${r.quranSync} | raw ${r.baseline} | ${r.note}\n`);
}

interface BenchServer {
  readonly url: string;
  readonly schema: string;
  authHeaders(o: { userId: string; scopes: string[] }): Promise<Record<string, string>>;
  close(): Promise<void>;
}

/** `bench/lib/our-server.ts` as a child process on a fresh schema; `close` stops it and drops the schema. */
async function startServer(): Promise<BenchServer> {
  const schema = `bench_user_sync_${Date.now()}`;
  const admin = new pg.Client({ connectionString: DATABASE_URL });
  await admin.connect();
  await admin.query(`create schema ${schema}`);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'qs-bench-user-sync-'));
  const keysFile = path.join(tmp, 'keys.json');
  const keys = await loadOrCreateKeyRing(keysFile);
  const issuer = 'http://quran-sync.bench';
  const child = await startChild(
    path.join(path.dirname(fileURLToPath(import.meta.url)), '../lib/our-server.ts'),
    [],
    {
      QS_BENCH_DATABASE_URL: DATABASE_URL,
      QS_BENCH_SCHEMA: schema,
      QS_BENCH_KEYS_FILE: keysFile,
      QS_BENCH_ISSUER: issuer,
      QS_BENCH_WORKERS: String(WORKERS),
      QS_BENCH_DB_POOL_SIZE: process.env.QS_BENCH_DB_POOL_SIZE ?? String(Math.ceil(CONNECTIONS / WORKERS)),
    },
    profileFlags(),
  );
  return {
    url: String(child.ready.url),
    schema,
    authHeaders: async ({ userId, scopes }) => ({
      'x-auth-token': (await signAccessToken(keys, { issuer, clientId: 'bench', userId, scopes, ttlSeconds: 7200 })).token,
      'x-client-id': 'bench',
    }),
    close: async () => {
      await child.stop();
      await admin.query(`drop schema ${schema} cascade`).catch(() => {});
      await admin.end();
      fs.rmSync(tmp, { recursive: true, force: true });
    },
  };
}

/** Phases of equal length: the median phase's rate, and latency percentiles over all of them. */
function combine(phases: ReadonlyArray<{ latencies: number[] }>) {
  const latencies = phases.flatMap((p) => p.latencies).sort((x, y) => x - y);
  const perSecond = median(phases.map((p) => p.latencies.length / (SECONDS / ROUNDS)));
  return { count: latencies.length, perSecond, p50: percentile(latencies, 50), p95: percentile(latencies, 95) };
}

async function pushPhase(server: BenchServer, users: number, seconds: number) {
  const latencies: number[] = [];
  const end = performance.now() + seconds * 1000;
  const agent = new http.Agent({ keepAlive: true, maxSockets: users });
  await Promise.all(
    Array.from({ length: users }, async (_, u) => {
      const userId = `bench-push-${users}-${u}-${Date.now()}`;
      const headers = { ...(await server.authHeaders({ userId, scopes: ['sync', 'bookmark'] })), 'content-type': 'application/json' };
      let head = -1;
      let batch = 0;
      while (performance.now() < end) {
        const body = pushBody(batch++);
        const t = performance.now();
        // The answer stays compressed and unparsed: the status and X-Mutation-At (the new head) are all the
        // generator needs, and on 2 CPUs whatever it spends is taken from the server and PostgreSQL.
        const res = await leanRequest(`${server.url}/v1/sync?lastMutationAt=${head}`, { method: 'POST', headers, body, agent, decode: false });
        if (res.status !== 200) throw new Error(`push failed: ${res.status} ${res.body.toString('utf8').slice(0, 300)}`);
        latencies.push(performance.now() - t);
        head = Number(res.headers['x-mutation-at']);
      }
    }),
  );
  agent.destroy();
  return { latencies };
}

const pushBodies: Buffer[] = [];

/**
 * The body of a user's `batch`th push: 100 new bookmarks, (ayah, mushaf) not repeating within a user's first
 * 561 batches (6,236 ayahs × 9 mushafs). The same for every user (the user is in the token), so each body is
 * built once, not per request.
 */
function pushBody(batch: number): Buffer {
  let body = pushBodies[batch];
  if (!body) {
    const mutations = Array.from({ length: 100 }, (_, i) => {
      const n = batch * 100 + i;
      const verse = verseAt((n % VERSE_COUNT) + 1);
      return {
        type: 'CREATE',
        resource: 'BOOKMARK',
        data: { type: 'ayah', key: verse.surah, verseNumber: verse.ayah, mushaf: MUSHAF_IDS[Math.floor(n / VERSE_COUNT) % MUSHAF_IDS.length] },
      };
    });
    pushBodies[batch] = body = Buffer.from(JSON.stringify({ mutations }));
  }
  return body;
}

/** The same rows a 100-bookmark push writes, inserted directly: lock the head, 2 multi-row inserts, update. */
async function rawPushPhase(pool: pg.Pool, users: number, seconds: number) {
  const latencies: number[] = [];
  const end = performance.now() + seconds * 1000;
  await Promise.all(
    Array.from({ length: users }, async (_, u) => {
      const userId = `raw-push-${users}-${u}-${Date.now()}`;
      let batch = 0;
      await pool.query('insert into user_heads (user_id, head) values ($1, -1)', [userId]);
      while (performance.now() < end) {
        const t = performance.now();
        const client = await pool.connect();
        try {
          await client.query('begin');
          const head = Number((await client.query<{ head: string }>('select head from user_heads where user_id = $1 for update', [userId])).rows[0]!.head);
          const ids = Array.from({ length: 100 }, (_, i) => `raw${u}b${batch}i${i}${Date.now()}`);
          const base = Math.max(Date.now(), head + 1);
          await client.query(
            `insert into user_bookmarks (id, user_id, type, key, verse_number, mushaf, created_at, updated_at)
             select id, $2, 'ayah', 2, $3::int + n, 4, now(), now() from unnest($1::text[]) with ordinality as t(id, n)`,
            [ids, userId, batch * 100],
          );
          await client.query(
            `insert into user_changes (user_id, resource, resource_id, timestamp, created_ts, deleted)
             select $2, 'BOOKMARK', id, $3 + n, $3 + n, false from unnest($1::text[]) with ordinality as t(id, n)`,
            [ids, userId, base],
          );
          await client.query('update user_heads set head = $2 where user_id = $1', [userId, base + 100]);
          await client.query('commit');
        } finally {
          client.release();
        }
        latencies.push(performance.now() - t);
        batch++;
      }
    }),
  );
  return { latencies };
}

/** Gives each of the other users mutations `from..perUser` (a page bookmark each), with SQL. */
async function bulkLoad(pool: pg.Pool, from: number, perUser: number): Promise<void> {
  const base = Date.now() - 86_400_000;
  await pool.query(
    `insert into user_bookmarks (id, user_id, type, key, verse_number, mushaf, created_at, updated_at)
     select 'b' || u || 'x' || i, 'other-' || u, 'page', i, null, 4, now(), now()
     from generate_series(1, $1::int) u, generate_series($2::int, $3::int) i`,
    [OTHER_USERS, from, perUser],
  );
  await pool.query(
    `insert into user_changes (user_id, resource, resource_id, timestamp, created_ts, deleted)
     select 'other-' || u, 'BOOKMARK', 'b' || u || 'x' || i, $4::bigint + i, $4::bigint + i, false
     from generate_series(1, $1::int) u, generate_series($2::int, $3::int) i`,
    [OTHER_USERS, from, perUser, base],
  );
  await pool.query(
    `insert into user_heads (user_id, head) select 'other-' || u, $2::bigint + $3::int from generate_series(1, $1::int) u
     on conflict (user_id) do update set head = excluded.head`,
    [OTHER_USERS, base, perUser],
  );
}

async function sample(n: number, fn: () => Promise<void>): Promise<number[]> {
  for (let i = 0; i < 20; i++) await fn(); // warm-up
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await fn();
    out.push(performance.now() - t);
  }
  return out.sort((a, b) => a - b);
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
