/**
 * Content sync benchmark: prints a table of snapshot throughput and no-change incremental sync rate, each
 * beside a raw baseline measured in the same run on the same machine:
 *
 * - snapshot of the largest seeded resource over HTTP (identity and gzip), vs. the same rows read straight
 *   from the database (`select data::text … order by sort_key`, joined into one string);
 * - `GET /resources/sync` with a token at the head (no changes) under concurrent load, vs. a bare Fastify
 *   route returning a small JSON object under the same load.
 *
 * Run: `npm run bench:content-sync` (embedded PGlite), or with `QS_TEST_DATABASE_URL=postgres://…` for a
 * fresh schema in that PostgreSQL database. `QS_BENCH_SECONDS` sets each load phase (default 3).
 */
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { createGunzip } from 'node:zlib';
import Fastify from 'fastify';
import { sql } from 'kysely';
import { seedContent } from '@quran-sync/server';
import { startTestServer, testPostgresUrl } from '@quran-sync/server/testing';

const SECONDS = Number(process.env.QS_BENCH_SECONDS ?? 3);
const CONCURRENCY = 8;
const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });

interface Fetched {
  readonly status: number;
  readonly wireBytes: number;
  readonly bodyBytes: number;
}

/** GET that counts wire bytes and decoded bytes without keeping the body. */
function get(url: string, headers: Record<string, string>): Promise<Fetched> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { headers, agent }, (res) => {
        let wire = 0;
        let body = 0;
        res.on('data', (d: Buffer) => (wire += d.length));
        const decoded = res.headers['content-encoding'] === 'gzip' ? res.pipe(createGunzip()) : res;
        if (decoded !== res) decoded.on('data', (d: Buffer) => (body += d.length));
        decoded.on('end', () => resolve({ status: res.statusCode ?? 0, wireBytes: wire, bodyBytes: decoded === res ? wire : body }));
        decoded.on('error', reject);
      })
      .on('error', reject);
  });
}

async function load(seconds: number, fn: () => Promise<void>): Promise<{ requests: number; perSecond: number }> {
  const end = performance.now() + seconds * 1000;
  let requests = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (performance.now() < end) {
        await fn();
        requests++;
      }
    }),
  );
  return { requests, perSecond: requests / seconds };
}

async function main(): Promise<void> {
  const backend = testPostgresUrl() ? 'PostgreSQL' : 'PGlite';
  const server = await startTestServer({ logLevel: 'silent' });
  const bare = Fastify({ logger: false });
  bare.get('/ping', async () => ({ ok: true, sync: { has_more: false } }));
  const bareUrl = await bare.listen({ host: '127.0.0.1', port: 0 });
  try {
    const t0 = performance.now();
    const seed = await seedContent(server.ctx.db);
    const seedSeconds = (performance.now() - t0) / 1000;
    const headers = await server.authHeaders({ userId: null, clientId: 'bench', scopes: ['content'] });

    // The largest seeded resource by stored bytes.
    const largest = await sql<{ resource_group: string; resource_id: number; rows: number; bytes: number }>`
      select resource_group, resource_id, count(*)::int as rows, sum(octet_length(data::text))::bigint as bytes
      from content_rows group by resource_group, resource_id order by bytes desc limit 1`.execute(server.ctx.db);
    const target = largest.rows[0]!;
    const snapshotUrl = `${server.url}/api/v4/resources/snapshots/${target.resource_group}/${target.resource_id}`;

    const rows: Array<[string, string, string, string]> = [];
    const measureSnapshot = async (label: string, encoding: string) => {
      await get(snapshotUrl, { ...headers, 'accept-encoding': encoding }); // warm-up
      const runs = 5;
      let wire = 0;
      let body = 0;
      const start = performance.now();
      for (let i = 0; i < runs; i++) {
        const r = await get(snapshotUrl, { ...headers, 'accept-encoding': encoding });
        if (r.status !== 200) throw new Error(`snapshot answered ${r.status}`);
        wire += r.wireBytes;
        body += r.bodyBytes;
      }
      const s = (performance.now() - start) / 1000;
      rows.push([label, `${fmt((target.rows * runs) / s)} rows/s`, `${fmt(body / s / 1e6, 1)} MB/s JSON`, `${fmt(wire / runs / 1e6, 2)} MB on the wire`]);
    };
    await measureSnapshot('snapshot over HTTP, identity', 'identity');
    await measureSnapshot('snapshot over HTTP, gzip', 'gzip');

    // Baseline: the same rows straight from the database.
    {
      const runs = 5;
      let bytes = 0;
      const start = performance.now();
      for (let i = 0; i < runs; i++) {
        const result = await sql<{ json: string }>`select data::text as json from content_rows
          where resource_group = ${target.resource_group} and resource_id = ${target.resource_id} order by sort_key, record_type, record_key`.execute(server.ctx.db);
        bytes += Buffer.byteLength(result.rows.map((r) => r.json).join(','));
      }
      const s = (performance.now() - start) / 1000;
      rows.push(['baseline: same rows read from the DB', `${fmt((target.rows * runs) / s)} rows/s`, `${fmt(bytes / s / 1e6, 1)} MB/s JSON`, '—']);
    }

    // No-change incremental sync under load, vs. a bare Fastify JSON route.
    const filter = 'translations:*;quran_core:1';
    const bootBody = await (await fetch(`${server.url}/api/v4/resources/sync?resources=${filter}&bootstrap=true&per_page=100`, { headers })).json() as { sync: { next_sync_token: string } };
    const syncUrl = `${server.url}/api/v4/resources/sync?resources=${encodeURIComponent(filter)}&sync_token=${encodeURIComponent(bootBody.sync.next_sync_token)}`;
    const syncLoad = await load(SECONDS, async () => {
      const r = await get(syncUrl, headers);
      if (r.status !== 200) throw new Error(`sync answered ${r.status}`);
    });
    rows.push([`no-change incremental sync (${CONCURRENCY} concurrent)`, `${fmt(syncLoad.perSecond)} req/s`, '', '']);
    const bareLoad = await load(SECONDS, async () => {
      await get(`${bareUrl}/ping`, {});
    });
    rows.push([`baseline: bare Fastify JSON route (${CONCURRENCY} concurrent)`, `${fmt(bareLoad.perSecond)} req/s`, '', '']);
    // Where the difference goes: the same server's plugin chain (request ids, helmet, metrics), no auth, no DB.
    const healthLoad = await load(SECONDS, async () => {
      await get(`${server.url}/health`, {});
    });
    rows.push([`reference: /health on the same server (${CONCURRENCY} concurrent)`, `${fmt(healthLoad.perSecond)} req/s`, '', '']);

    process.stdout.write(
      `\ncontent sync benchmark — ${backend}, Node ${process.version}, seeded ${seed.resources} resources / ${seed.rows} rows in ${fmt(seedSeconds, 1)} s\n` +
        `largest resource: ${target.resource_group}:${target.resource_id} (${target.rows} rows, ${fmt(Number(target.bytes) / 1e6, 2)} MB of row JSON)\n\n`,
    );
    const widths = [0, 1, 2, 3].map((i) => Math.max(...rows.map((r) => r[i]!.length), ['measurement', 'rate', 'throughput', 'size'][i]!.length));
    const line = (cells: readonly string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |\n`;
    process.stdout.write(line(['measurement', 'rate', 'throughput', 'size']));
    process.stdout.write(line(widths.map((w) => '-'.repeat(w))));
    for (const r of rows) process.stdout.write(line(r));
  } finally {
    agent.destroy();
    await bare.close();
    await server.close();
  }
}

function fmt(n: number, digits = 0): string {
  return n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

await main();
