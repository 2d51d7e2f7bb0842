/**
 * Content serving benchmark (issue #8, targets for the server's hot paths): request rates of our server beside
 * the floor for the same work, measured in the same run, at 1, 4 and 16 concurrent requests:
 *
 * - no-change incremental sync (`GET /api/v4/resources/sync` with a token at the head, `translations:*`)
 *   vs a bare Fastify route returning a small JSON body;
 * - cached snapshot of the largest seeded resource, gzip (the bytes a client downloads) vs the same gzip bytes
 *   returned by a bare Fastify route from memory;
 * - uncached snapshot (a second server with the snapshot cache off, so every request reads and encodes the
 *   rows) vs the raw PostgreSQL read of the same rows (`select data::text … order by`), same concurrency.
 *
 * Our server, the bare server and the load generator are separate processes; the server runs on PostgreSQL
 * with production defaults. Needs PostgreSQL: QS_BENCH_PG_URL (default postgres://postgres@127.0.0.1:5432);
 * database `qs_bench_content` is created and dropped. `QS_BENCH_SECONDS` sets each load phase (default 3).
 * Run: `npm run bench:content-sync`.
 */
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { loadOrCreateKeyRing, signAccessToken } from '@quran-sync/server';
import { rawGetBody } from '@quran-sync/server/testing';
import { profileFlags, startChild, type Child } from '../lib/processes.js';
import { environmentLine, fmt, printTables, ratio, writeResults, type ResultChart, type TargetCheck } from '../lib/results.js';

const here = path.dirname(new URL(import.meta.url).pathname);
const SECONDS = Number(process.env.QS_BENCH_SECONDS ?? 3);
const PG_URL = process.env.QS_BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432';
const DATABASE = 'qs_bench_content';
const ISSUER = 'http://quran-sync.bench';
const CONCURRENCY = [1, 4, 16] as const;
const WARMUP_SECONDS = Math.min(0.5, SECONDS / 4);

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

/** `concurrency` loops calling `fn` for SECONDS; requests per second. */
async function load(concurrency: number, fn: () => Promise<void>): Promise<number> {
  // Warm-up at the same concurrency (connections open, caches filled, the server's code optimised by the
  // JIT), then the measured phase.
  await loop(concurrency, WARMUP_SECONDS, fn);
  const start = performance.now();
  const requests = await loop(concurrency, SECONDS / 2, fn);
  return requests / ((performance.now() - start) / 1000);
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
 * Ours and its floor measured in alternating halves (A B A B), each figure the mean of its two halves: load
 * from other work on the shared machine comes and goes over seconds and should weigh on both alike.
 */
async function alternate(a: () => Promise<number>, b: () => Promise<number>): Promise<[number, number]> {
  const a1 = await a();
  const b1 = await b();
  const a2 = await a();
  const b2 = await b();
  return [(a1 + a2) / 2, (b1 + b2) / 2];
}

/** A load phase of HTTP GETs that must answer 200. */
async function httpLoad(concurrency: number, url: string, headers: Record<string, string>): Promise<number> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  try {
    return await load(concurrency, async () => {
      const r = await get(url, headers, agent);
      if (r.status !== 200) throw new Error(`${url} answered ${r.status}`);
    });
  } finally {
    agent.destroy();
  }
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

    // The bare server gets the exact gzip bytes our server sends for that snapshot.
    const bareDir = path.join(tmp, 'bare');
    fs.mkdirSync(bareDir);
    const gz = await rawGetBody(`${oursUrl}${snapshotPath}`, { ...headers, 'accept-encoding': 'gzip' });
    fs.writeFileSync(path.join(bareDir, 'snapshot.json.gz'), gz);
    const bare = await startChild(path.join(here, '../lib/bare-server.ts'), [bareDir]);
    children.push(bare);
    const bareUrl = String(bare.ready.url);

    const filter = 'translations:*';
    const boot = (await (await fetch(`${oursUrl}/api/v4/resources/sync?resources=${filter}&bootstrap=true&per_page=100`, { headers })).json()) as { sync: { next_sync_token: string } };
    const syncUrl = `${oursUrl}/api/v4/resources/sync?resources=${encodeURIComponent(filter)}&sync_token=${encodeURIComponent(boot.sync.next_sync_token)}`;

    // Warm-up of every measured path before the first phase (the JIT optimises a server's hot code over the
    // first thousands of requests; without this the first, single-connection phase measures a cold server).
    for (const url of [syncUrl, `${oursUrl}${snapshotPath}`, `${bareUrl}/ping`, `${bareUrl}/f/snapshot.json.gz`]) {
      const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
      await loop(4, 1.5, async () => void (await get(url, { ...headers, 'accept-encoding': 'gzip' }, agent)));
      agent.destroy();
    }

    const rates = { sync: [] as number[], ping: [] as number[], cached: [] as number[], bareSnapshot: [] as number[], uncached: [] as number[], rawRead: [] as number[] };
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
      const [sync, ping] = await alternate(
        () => httpLoad(c, syncUrl, headers),
        () => httpLoad(c, `${bareUrl}/ping`, {}),
      );
      const [cached, bareSnapshot] = await alternate(
        () => httpLoad(c, `${oursUrl}${snapshotPath}`, { ...headers, 'accept-encoding': 'gzip' }),
        () => httpLoad(c, `${bareUrl}/f/snapshot.json.gz`, { 'accept-encoding': 'gzip' }),
      );
      const [uncachedRate, rawRate] = await alternate(
        () => httpLoad(c, `${String(uncached.ready.url)}${snapshotPath}`, { ...headers, 'accept-encoding': 'identity' }),
        () => load(c, rawRead),
      );
      rates.sync.push(sync);
      rates.ping.push(ping);
      rates.cached.push(cached);
      rates.bareSnapshot.push(bareSnapshot);
      rates.uncached.push(uncachedRate);
      rates.rawRead.push(rawRate);
    }

    const r = (v: number) => `${fmt(v, v < 100 ? 1 : 0)}/s`;
    const rows = CONCURRENCY.flatMap((c, i) => [
      [`no-change incremental sync (\`${filter}\`)`, c, r(rates.sync[i]!), `bare Fastify JSON route: ${r(rates.ping[i]!)}`, ratio(rates.sync[i]!, rates.ping[i]!)],
      [`snapshot, cached, gzip (${fmt(gz.length / 1_048_576, 2)} MB)`, c, r(rates.cached[i]!), `bare Fastify, same gzip bytes: ${r(rates.bareSnapshot[i]!)}`, ratio(rates.cached[i]!, rates.bareSnapshot[i]!)],
      ['snapshot, uncached (cache off), identity', c, r(rates.uncached[i]!), `raw PostgreSQL read of the rows: ${r(rates.rawRead[i]!)}`, ratio(rates.uncached[i]!, rates.rawRead[i]!)],
    ]);
    const at = (series: number[], other: number[]) => CONCURRENCY.map((c, i) => `${c}: ${ratio(series[i]!, other[i]!)}`).join(', ');
    const best = (series: number[], other: number[]) => Math.min(...series.map((v, i) => v / other[i]!));
    const targets: TargetCheck[] = [
      { target: 'no-change incremental sync ≥ 50% of the bare-Fastify request rate (every concurrency)', measured: at(rates.sync, rates.ping), met: best(rates.sync, rates.ping) >= 0.5 },
      { target: 'cached snapshot ≥ 80% of the bare-Fastify rate for the same bytes', measured: at(rates.cached, rates.bareSnapshot), met: best(rates.cached, rates.bareSnapshot) >= 0.8 },
      { target: 'uncached snapshot ≥ 50% of the raw PostgreSQL read rate', measured: at(rates.uncached, rates.rawRead), met: best(rates.uncached, rates.rawRead) >= 0.5 },
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
          note: `Seeded bundled content on PostgreSQL in ${fmt(seedSeconds, 1)} s. Snapshot: ${largest.resource_group}:${largest.resource_id}, ${fmt(largest.rows)} rows, ${fmt(Number(largest.bytes) / 1_048_576, 2)} MB of row JSON, ${fmt(gz.length / 1_048_576, 2)} MB gzip. Each figure: two ${SECONDS / 2} s halves alternating with its floor's (A B A B), each after ${WARMUP_SECONDS} s of warm-up at the same concurrency; keep-alive connections.`,
          columns: ['request', 'concurrency', 'Quran Sync', 'floor', 'ours/floor'],
          rows,
        },
      ],
      targets,
      charts: [
        chart('content-nochange', 'No-change incremental sync vs bare Fastify (requests/s)', 'Quran Sync, no-change sync', rates.sync, 'bare Fastify JSON route', rates.ping),
        chart('content-snapshot-cached', 'Cached gzip snapshot vs bare Fastify, same bytes (requests/s)', 'Quran Sync, cached snapshot', rates.cached, 'bare Fastify, same bytes', rates.bareSnapshot),
        chart('content-snapshot-uncached', 'Uncached snapshot vs raw PostgreSQL read (requests/s)', 'Quran Sync, snapshot cache off', rates.uncached, 'raw PostgreSQL read', rates.rawRead),
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
