/**
 * Content serving benchmark (targets for the server's hot paths): request rates of our server beside
 * the floor for the same work, measured in the same run, at 1, 4 and 16 concurrent requests:
 *
 * - no-change incremental sync (`GET /api/v4/resources/sync` with a token at the head, `translations:*`)
 *   vs a bare Fastify route returning the same answer (body and headers, recorded from our server) from
 *   memory;
 * - cached snapshot of the largest seeded resource, gzip (the bytes a client downloads) vs the same answer,
 *   gzip body and headers, returned by a bare Fastify route from memory;
 * - uncached snapshot (a second server with the snapshot cache off, so every request reads and encodes the
 *   rows) vs the raw PostgreSQL read of the same rows (`select data::text … order by`), same concurrency.
 *
 * Our server, the bare server and the load generator are separate processes; the server runs on PostgreSQL
 * with production defaults. Needs PostgreSQL: QS_BENCH_PG_URL (default postgres://postgres@127.0.0.1:5432);
 * database `qs_bench_content` is created and dropped. `QS_BENCH_SECONDS` sets each side's measured time
 * per request kind and concurrency (default 3), split into `QS_BENCH_FAST_ROUNDS` phases (default 12;
 * `QS_BENCH_ROUNDS`, default 4, for uncached snapshots).
 * Run: `npm run bench:content-sync`.
 */
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { loadOrCreateKeyRing, signAccessToken } from '@quran-sync/server';
import { median } from '../lib/median.js';
import { profileFlags, startChild, type Child } from '../lib/processes.js';
import { environmentLine, fmt, printTables, times, writeResults, type ResultChart, type TargetCheck } from '../lib/results.js';

const here = path.dirname(new URL(import.meta.url).pathname);
const SECONDS = Number(process.env.QS_BENCH_SECONDS ?? 3);
const PG_URL = process.env.QS_BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432';
const DATABASE = 'qs_bench_content';
const ISSUER = 'http://quran-sync.bench';
const CONCURRENCY = [1, 4, 16] as const;
const WARMUP_SECONDS = Math.min(0.25, SECONDS / 8);

/** GET that drains the body and returns the status and the bytes received (as sent: compressed or not). */
function get(url: string, headers: Record<string, string>, agent: http.Agent): Promise<{ status: number; bytes: number }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { headers, agent }, (res) => {
        let bytes = 0;
        res.on('data', (d: Buffer) => (bytes += d.length));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, bytes }));
        res.on('error', reject);
      })
      .on('error', reject);
  });
}

async function loop(concurrency: number, seconds: number, fn: () => Promise<void>): Promise<number> {
  const end = performance.now() + seconds * 1000;
  let requests = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < end) {
        await fn();
        requests++;
      }
    }),
  );
  return requests;
}

/**
 * Phases per side for requests that take well under a millisecond (no-change sync, cached snapshot), and
 * for the uncached snapshot, whose requests take tens of milliseconds (a phase must hold enough of them).
 */
const FAST_ROUNDS = Number(process.env.QS_BENCH_FAST_ROUNDS ?? 12);
const ROUNDS = Number(process.env.QS_BENCH_ROUNDS ?? 4);

/** Rates of ours and its floor, and the ratio ours/floor. */
interface Paired {
  readonly ours: number;
  readonly floor: number;
  readonly ratio: number;
}

/** Something measured at a fixed concurrency, phase after phase (its connections kept open in between). */
interface LoadTarget {
  /** Requests per second over a phase of `seconds`. */
  run(seconds: number): Promise<number>;
  close(): void;
}

/**
 * Ours and its floor in `rounds` adjacent pairs of phases, the order flipping every round (A B, B A, …). The
 * ratio is the median of the pairs' ratios and each rate the median of its phases: on this shared virtual
 * machine the capacity moves by 2–3× within seconds (the bare route alone measured 570–1,980 requests/s at
 * concurrency 1 within a minute), so only phases adjacent in time see the same machine. Short phases and
 * many pairs keep a change of the machine's state to the one or two pairs it falls in, where four pairs
 * let one change decide the median. Both sides are warmed at the same concurrency first (connections open,
 * caches filled, the JIT done).
 */
async function alternate(a: LoadTarget, b: LoadTarget, rounds: number): Promise<Paired> {
  try {
    await a.run(WARMUP_SECONDS);
    await b.run(WARMUP_SECONDS);
    const ours: number[] = [];
    const floor: number[] = [];
    for (let round = 0; round < rounds; round++) {
      if (round % 2 === 0) {
        ours.push(await a.run(SECONDS / rounds));
        floor.push(await b.run(SECONDS / rounds));
      } else {
        floor.push(await b.run(SECONDS / rounds));
        ours.push(await a.run(SECONDS / rounds));
      }
    }
    return { ours: median(ours), floor: median(floor), ratio: median(ours.map((v, i) => v / floor[i]!)) };
  } finally {
    a.close();
    b.close();
  }
}

function loadTarget(concurrency: number, fn: () => Promise<void>, close: () => void = () => {}): LoadTarget {
  return {
    async run(seconds) {
      const start = performance.now();
      const requests = await loop(concurrency, seconds, fn);
      return requests / ((performance.now() - start) / 1000);
    },
    close,
  };
}

/** HTTP GETs that must answer 200, on `concurrency` keep-alive connections. */
function httpTarget(concurrency: number, url: string, headers: Record<string, string>): LoadTarget {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  return loadTarget(
    concurrency,
    async () => {
      const r = await get(url, headers, agent);
      if (r.status !== 200) throw new Error(`${url} answered ${r.status}`);
    },
    () => agent.destroy(),
  );
}

/**
 * Our server's answer to a GET, as sent (not decoded): the body goes to `file`, the headers to
 * `<file>.headers.json` for the bare server (bare-server.ts), less those Node sets itself on every answer.
 */
async function recordAnswer(url: string, headers: Record<string, string>, file: string): Promise<{ body: Buffer }> {
  const {
    status,
    headers: answered,
    body,
  } = await new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }>((resolve, reject) => {
    http
      .get(url, { headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (d: Buffer) => chunks.push(d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      })
      .on('error', reject);
  });
  if (status !== 200) throw new Error(`${url} answered ${status}`);
  const kept: Record<string, string> = {};
  for (const [name, value] of Object.entries(answered)) {
    if (typeof value === 'string' && !['date', 'connection', 'keep-alive', 'content-length', 'transfer-encoding'].includes(name)) kept[name] = value;
  }
  fs.writeFileSync(file, body);
  fs.writeFileSync(`${file}.headers.json`, JSON.stringify(kept));
  return { body };
}

async function main(): Promise<void> {
  const environment = environmentLine(`${SECONDS} s per load phase`);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'qs-bench-content-'));
  const admin = new pg.Client({ connectionString: `${PG_URL}/postgres` });
  await admin.connect();
  await admin.query(`drop database if exists ${DATABASE} with (force)`);
  await admin.query(`create database ${DATABASE}`);
  const databaseUrl = `${PG_URL}/${DATABASE}`;
  const setup = new pg.Client({ connectionString: databaseUrl });
  await setup.connect();
  await setup.query('create schema bench');
  await setup.end();
  const keysFile = path.join(tmp, 'keys.json');
  const keys = await loadOrCreateKeyRing(keysFile);
  const contentToken = (await signAccessToken(keys, { issuer: ISSUER, clientId: 'bench', userId: null, scopes: ['content'], ttlSeconds: 7200 })).token;
  const headers = { 'x-auth-token': contentToken, 'x-client-id': 'bench' };
  const serverEnv = { QS_BENCH_DATABASE_URL: databaseUrl, QS_BENCH_SCHEMA: 'bench', QS_BENCH_KEYS_FILE: keysFile, QS_BENCH_ISSUER: ISSUER };
  const children: Child[] = [];
  // Raw reads use as many connections as our server's pool may (its default), no more.
  const raw = new pg.Pool({ connectionString: databaseUrl, max: 10, options: '-c search_path=bench' });
  try {
    const t0 = performance.now();
    const ours = await startChild(path.join(here, '../lib/our-server.ts'), [], { ...serverEnv, QS_BENCH_SEED: '1' }, profileFlags());
    children.push(ours);
    const seedSeconds = (performance.now() - t0) / 1000;
    const uncached = await startChild(path.join(here, '../lib/our-server.ts'), [], { ...serverEnv, QS_BENCH_SNAPSHOT_CACHE_MB: '0' });
    children.push(uncached);
    const oursUrl = String(ours.ready.url);

    const largest = (
      await raw.query<{ resource_group: string; resource_id: number; rows: number; bytes: string }>(
        `select resource_group, resource_id, count(*)::int as rows, sum(octet_length(data::text))::bigint as bytes
         from content_rows group by resource_group, resource_id order by 4 desc limit 1`,
      )
    ).rows[0]!;
    const snapshotPath = `/api/v4/resources/snapshots/${largest.resource_group}/${largest.resource_id}`;

    const filter = 'translations:*';
    const boot = (await (await fetch(`${oursUrl}/api/v4/resources/sync?resources=${filter}&bootstrap=true&per_page=100`, { headers })).json()) as {
      sync: { next_sync_token: string };
    };
    const syncUrl = `${oursUrl}/api/v4/resources/sync?resources=${encodeURIComponent(filter)}&sync_token=${encodeURIComponent(boot.sync.next_sync_token)}`;

    // The bare server answers with the exact bytes our server sends: the body and the headers (a recorded
    // request id of the same length; Node adds Date and Connection to both). Headers matter beyond their
    // share of the bytes: on this machine's loopback a ~459 KB answer with 500 more header bytes crossed a
    // cliff that halved the rate at concurrency 1 whenever client and server shared a CPU (docs/benchmarks.md).
    const bareDir = path.join(tmp, 'bare');
    fs.mkdirSync(bareDir);
    const snapshot = await recordAnswer(`${oursUrl}${snapshotPath}`, { ...headers, 'accept-encoding': 'gzip' }, path.join(bareDir, 'snapshot'));
    await recordAnswer(syncUrl, { ...headers, 'accept-encoding': 'gzip' }, path.join(bareDir, 'sync'));
    const gz = snapshot.body;
    const bare = await startChild(path.join(here, '../lib/bare-server.ts'), [bareDir]);
    children.push(bare);
    const bareUrl = String(bare.ready.url);

    // Warm-up of every measured path before the first phase (the JIT optimises a server's hot code over the
    // first thousands of requests; without this the first, single-connection phase measures a cold server).
    for (const url of [syncUrl, `${oursUrl}${snapshotPath}`, `${bareUrl}/f/sync`, `${bareUrl}/f/snapshot`]) {
      const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
      await loop(4, 1.5, async () => void (await get(url, { ...headers, 'accept-encoding': 'gzip' }, agent)));
      agent.destroy();
    }

    const measured = { sync: [] as Paired[], cached: [] as Paired[], uncached: [] as Paired[] };
    const rawRead = async () => {
      const result = await raw.query<{ json: string }>(
        'select data::text as json from content_rows where resource_group = $1 and resource_id = $2 order by sort_key, record_type, record_key',
        [largest.resource_group, largest.resource_id],
      );
      // The rows as one JSON array: what a snapshot body is at the least.
      if (`[${result.rows.map((r) => r.json).join(',')}]`.length === 0) throw new Error('empty');
    };
    for (const c of CONCURRENCY) {
      process.stderr.write(`content-sync: concurrency ${c}\n`);
      measured.sync.push(await alternate(httpTarget(c, syncUrl, headers), httpTarget(c, `${bareUrl}/f/sync`, {}), FAST_ROUNDS));
      measured.cached.push(
        await alternate(
          httpTarget(c, `${oursUrl}${snapshotPath}`, { ...headers, 'accept-encoding': 'gzip' }),
          httpTarget(c, `${bareUrl}/f/snapshot`, { 'accept-encoding': 'gzip' }),
          FAST_ROUNDS,
        ),
      );
      measured.uncached.push(
        await alternate(
          httpTarget(c, `${String(uncached.ready.url)}${snapshotPath}`, { ...headers, 'accept-encoding': 'identity' }),
          loadTarget(c, rawRead),
          ROUNDS,
        ),
      );
    }

    const r = (v: number) => `${fmt(v, v < 100 ? 1 : 0)}/s`;
    const rows = CONCURRENCY.flatMap((c, i) => [
      [
        `no-change incremental sync (\`${filter}\`)`,
        c,
        r(measured.sync[i]!.ours),
        `bare Fastify, same answer: ${r(measured.sync[i]!.floor)}`,
        times(measured.sync[i]!.ratio),
      ],
      [
        `snapshot, cached, gzip (${fmt(gz.length / 1_048_576, 2)} MB)`,
        c,
        r(measured.cached[i]!.ours),
        `bare Fastify, same answer: ${r(measured.cached[i]!.floor)}`,
        times(measured.cached[i]!.ratio),
      ],
      [
        'snapshot, uncached (cache off), identity',
        c,
        r(measured.uncached[i]!.ours),
        `raw PostgreSQL read of the rows: ${r(measured.uncached[i]!.floor)}`,
        times(measured.uncached[i]!.ratio),
      ],
    ]);
    const at = (series: readonly Paired[]) => CONCURRENCY.map((c, i) => `${c}: ${times(series[i]!.ratio)}`).join(', ');
    const worst = (series: readonly Paired[]) => Math.min(...series.map((p) => p.ratio));
    const targets: TargetCheck[] = [
      {
        target: 'no-change incremental sync ≥ 50% of the bare-Fastify request rate (every concurrency)',
        measured: at(measured.sync),
        met: worst(measured.sync) >= 0.5,
      },
      {
        target: 'cached snapshot ≥ 80% of the bare-Fastify rate for the same bytes (every concurrency)',
        measured: at(measured.cached),
        met: worst(measured.cached) >= 0.8,
      },
      {
        target: 'uncached snapshot ≥ 50% of the raw PostgreSQL read rate (every concurrency)',
        measured: at(measured.uncached),
        met: worst(measured.uncached) >= 0.5,
      },
    ];
    const chart = (id: string, title: string, ourName: string, our: number[], floorName: string, floor: number[]): ResultChart => ({
      id,
      title,
      unit: 'requests/s',
      categories: CONCURRENCY.map((c) => `${c} concurrent`),
      series: [
        { name: ourName, values: our },
        { name: floorName, values: floor },
      ],
    });
    const results = {
      suite: 'content-sync',
      title: 'Content serving: request rates vs the floor, by concurrency',
      environment,
      tables: [
        {
          title: 'Request rates (ours/floor: 1× = as fast as the floor)',
          note: `Seeded bundled content on PostgreSQL in ${fmt(seedSeconds, 1)} s. Snapshot: ${largest.resource_group}:${largest.resource_id}, ${fmt(largest.rows)} rows, ${fmt(Number(largest.bytes) / 1_048_576, 2)} MB of row JSON, ${fmt(gz.length / 1_048_576, 2)} MB gzip. Each pair: ${FAST_ROUNDS} rounds of ${fmt(SECONDS / FAST_ROUNDS, 2)} s phases (uncached snapshots: ${ROUNDS} of ${fmt(SECONDS / ROUNDS, 2)} s), ours and its floor adjacent, the order flipping every round, after ${WARMUP_SECONDS} s of warm-up of each at the same concurrency; rates are the median phase, ours/floor the median of the rounds' ratios; keep-alive connections, kept open from phase to phase.`,
          columns: ['request', 'concurrency', 'Quran Sync', 'floor', 'ours/floor'],
          rows,
        },
      ],
      targets,
      charts: [
        chart(
          'content-nochange',
          'No-change incremental sync vs bare Fastify (requests/s)',
          'Quran Sync, no-change sync',
          measured.sync.map((p) => p.ours),
          'bare Fastify, same answer',
          measured.sync.map((p) => p.floor),
        ),
        chart(
          'content-snapshot-cached',
          'Cached gzip snapshot vs bare Fastify, same bytes (requests/s)',
          'Quran Sync, cached snapshot',
          measured.cached.map((p) => p.ours),
          'bare Fastify, same bytes',
          measured.cached.map((p) => p.floor),
        ),
        chart(
          'content-snapshot-uncached',
          'Uncached snapshot vs raw PostgreSQL read (requests/s)',
          'Quran Sync, snapshot cache off',
          measured.uncached.map((p) => p.ours),
          'raw PostgreSQL read',
          measured.uncached.map((p) => p.floor),
        ),
      ],
    };
    writeResults(results);
    printTables(results);
  } finally {
    await raw.end();
    for (const c of children.reverse()) await c.stop();
    await admin.query(`drop database if exists ${DATABASE} with (force)`).catch(() => {});
    await admin.end();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

await main();
