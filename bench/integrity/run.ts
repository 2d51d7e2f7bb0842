/**
 * Integrity digests benchmark (docs/integrity.md): what the digests cost where they are paid.
 *
 * - user push: the write path keeps no user digest (it is computed on demand), so push throughput is
 *   unchanged by construction; what a client pays is the opt-in `metadataOnly&stateDigest=true` pull, timed
 *   against the plain `metadataOnly` pull and against the full pull it replaces, for a user with
 *   `QS_BENCH_RECORDS` bookmarks (default 2,000);
 * - content sync with `ContentSyncClient`: a run at the head (nothing changed) and an incremental run after one
 *   edited row, with integrity checks on against `integrity: false`, alternating A/B in every round;
 * - snapshot serving: the digest is read with the resource row the route reads anyway, so there is no switch
 *   to compare with; the header's own work (formatting it) is timed in isolation against a snapshot request;
 * - editorial writes: the digest work of a 100-row update (hashing the old and new rows; the delta rides on the
 *   resource's digest) timed in isolation against the whole `POST /admin/v1/…/rows` request.
 *
 * The server runs in this process on PostgreSQL (`QS_BENCH_DATABASE_URL`, default
 * postgres://postgres@127.0.0.1:5432/qs_bench_integrity, created if missing; a fresh schema per run), with
 * the bundled content seeded. `QS_BENCH_ROUNDS` (default 12) sets the A/B rounds. Run: `npm run bench:integrity`.
 */
import { performance } from 'node:perf_hooks';
import { sql } from 'kysely';
import { DIGEST_MODULUS, formatResourceDigestHeader, verseAt } from '@quran-sync/protocol';
import { nativeRecordHash, seedContent } from '@quran-sync/server';
import { startTestServer } from '@quran-sync/server/testing';
import { ContentSyncClient, MemoryContentStore, type TokenProvider } from '@quran-sync/client';
import { median } from '../lib/median.js';
import { environmentLine, printTables, writeResults, type TargetCheck } from '../lib/results.js';
import { ensureDatabase } from '../lib/ensure-database.js';

const DATABASE_URL = process.env.QS_BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/qs_bench_integrity';
const ROUNDS = Number(process.env.QS_BENCH_ROUNDS ?? 12);
const RECORDS = Number(process.env.QS_BENCH_RECORDS ?? 2000);
/** Requests per phase for the cheap measures (a phase's figure is its median). */
const PER_PHASE = 20;
const GROUP = 'translations';
const RESOURCE = 20;
const FILTER = `${GROUP}:${RESOURCE}`;
const TARGET = 0.03;

const ms = (v: number): string => `${v.toFixed(2)} ms`;
const pct = (ratio: number): string => `${ratio >= 1 ? '+' : ''}${((ratio - 1) * 100).toFixed(1)}%`;

/** Milliseconds of one call. */
async function timed(fn: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}

/** The median of `n` sequential calls. */
async function phase(n: number, fn: () => Promise<unknown>): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < n; i++) times.push(await timed(fn));
  return median(times);
}

/**
 * A (with the digest) against B (without) in ROUNDS adjacent pairs whose order flips every round: each side's
 * figure is the median of its phases, the ratio the median of the rounds' A/B ratios.
 */
async function alternate(a: () => Promise<number>, b: () => Promise<number>): Promise<{ a: number; b: number; ratio: number }> {
  const as: number[] = [];
  const bs: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    if (round % 2 === 0) {
      as.push(await a());
      bs.push(await b());
    } else {
      bs.push(await b());
      as.push(await a());
    }
  }
  return { a: median(as), b: median(bs), ratio: median(as.map((v, i) => v / bs[i]!)) };
}

async function getOk(url: string, headers: Record<string, string>): Promise<Response> {
  const res = await fetch(url, { headers });
  if (res.status !== 200) throw new Error(`GET ${url}: ${res.status} ${await res.text()}`);
  return res;
}

interface Row {
  readonly measure: string;
  readonly with: string;
  readonly without: string;
  readonly overhead: string;
  readonly note: string;
}

async function main(): Promise<void> {
  const environment = environmentLine(`${ROUNDS} alternating A/B rounds, PostgreSQL`);
  await ensureDatabase(DATABASE_URL);
  process.env.QS_TEST_DATABASE_URL = DATABASE_URL;
  const server = await startTestServer({ logLevel: 'silent' });
  const rows: Row[] = [];
  const targets: TargetCheck[] = [];
  try {
    await seedContent(server.ctx.db);
    await sql`analyze`.execute(server.ctx.db);

    // ------------------------------------------------------------ user data: the stateDigest pull
    const userHeaders = await server.authHeaders({
      userId: 'bench-integrity',
      clientId: 'bench',
      scopes: ['sync', 'bookmark', 'collection', 'note', 'reading_session', 'preference'],
    });
    let head = -1;
    for (let from = 0; from < RECORDS; from += 100) {
      const mutations = Array.from({ length: Math.min(100, RECORDS - from) }, (_, i) => {
        const verse = verseAt(from + i + 1);
        return { type: 'CREATE', resource: 'BOOKMARK', data: { type: 'ayah', key: verse.surah, verseNumber: verse.ayah, mushaf: 1 } };
      });
      const res = await fetch(`${server.url}/v1/sync?lastMutationAt=${head}`, {
        method: 'POST',
        headers: { ...userHeaders, 'content-type': 'application/json' },
        body: JSON.stringify({ mutations }),
      });
      if (res.status !== 200) throw new Error(`push failed: ${res.status} ${await res.text()}`);
      head = ((await res.json()) as { data: { lastMutationAt: number } }).data.lastMutationAt;
    }
    const digestBody = (await (await getOk(`${server.url}/v1/sync?mutationsSince=0&metadataOnly=true&stateDigest=true`, userHeaders)).json()) as {
      data: { stateDigest: { resources: Record<string, { count: number }> } };
    };
    if (digestBody.data.stateDigest.resources.BOOKMARK?.count !== RECORDS) throw new Error('the state digest does not count the pushed bookmarks');
    const pull = (query: string) => () => phase(PER_PHASE, async () => (await getOk(`${server.url}/v1/sync?${query}`, userHeaders)).arrayBuffer());
    const fullPull = async () => {
      for (let page = 1; ; page++) {
        const body = (await (await getOk(`${server.url}/v1/sync?mutationsSince=0&limit=1000&page=${page}`, userHeaders)).json()) as {
          data: { hasMore: boolean };
        };
        if (!body.data.hasMore) return;
      }
    };
    const digestPull = await alternate(pull('mutationsSince=0&metadataOnly=true&stateDigest=true'), pull('mutationsSince=0&metadataOnly=true'));
    const againstFull = await alternate(pull('mutationsSince=0&metadataOnly=true&stateDigest=true'), () => phase(5, fullPull));
    rows.push({
      measure: 'user push (100-mutation batches)',
      with: 'unchanged',
      without: 'unchanged',
      overhead: '0%',
      note: 'the write path keeps no user digest: it is computed when a client asks for it',
    });
    rows.push({
      measure: `metadataOnly pull with stateDigest=true, ${RECORDS.toLocaleString('en')} bookmarks`,
      with: ms(digestPull.a),
      without: ms(digestPull.b),
      overhead: `${digestPull.ratio.toFixed(1)}×`,
      note: `opt-in, at most hourly per device (and at quiet runs); the full pull a check would otherwise need: ${ms(againstFull.b)} (digest/full ${againstFull.ratio.toFixed(2)}×)`,
    });
    targets.push({ target: 'user push throughput with digests ≥ 97% of without', measured: 'no digest work on the write path (100%)', met: true });

    // ------------------------------------------------------------ content: no-change and incremental runs
    const contentToken = await server.mintToken({ userId: null, clientId: 'bench', scopes: ['content'] });
    const tokenProvider: TokenProvider = { getToken: async () => ({ accessToken: contentToken, clientId: 'bench' }), invalidate: () => undefined };
    const withDigest = new ContentSyncClient({ baseUrl: server.url, resources: FILTER, store: new MemoryContentStore(), tokenProvider, crossContext: false });
    const withoutDigest = new ContentSyncClient({
      baseUrl: server.url,
      resources: FILTER,
      store: new MemoryContentStore(),
      tokenProvider,
      crossContext: false,
      integrity: false,
    });
    const first = await withDigest.sync();
    if (!first.integrity || first.integrity.repairs.length > 0) throw new Error('the first run did not verify cleanly');
    await withoutDigest.sync();
    const noChange = await alternate(
      () => phase(PER_PHASE, () => withDigest.sync()),
      () => phase(PER_PHASE, () => withoutDigest.sync()),
    );
    rows.push({
      measure: `content sync run at the head (${FILTER}, nothing changed)`,
      with: ms(noChange.a),
      without: ms(noChange.b),
      overhead: pct(noChange.ratio),
      note: 'a run that changed nothing asks for no digest',
    });
    targets.push({ target: 'no-change content sync with digests within 3% of without', measured: pct(noChange.ratio), met: noChange.ratio <= 1 + TARGET });

    const adminHeaders = {
      ...(await server.authHeaders({ userId: null, clientId: 'bench', scopes: ['content', 'content.write'] })),
      'content-type': 'application/json',
    };
    const snapshotUrl = `${server.url}/api/v4/resources/snapshots/${GROUP}/${RESOURCE}`;
    const contentHeaders = { 'x-auth-token': contentToken, 'x-client-id': 'bench' };
    const records = ((await (await getOk(snapshotUrl, contentHeaders)).json()) as { records: Array<Record<string, unknown> & { id: number }> }).records;
    let edit = 0;
    const editRows = async (count: number): Promise<void> => {
      edit++;
      const upsert = records.slice(0, count).map((r) => ({ ...r, text: `${String(r.text).replace(/ \[edit \d+\]$/, '')} [edit ${edit}]` }));
      const res = await fetch(`${server.url}/admin/v1/resources/${GROUP}/${RESOURCE}/rows`, {
        method: 'POST',
        headers: adminHeaders,
        body: JSON.stringify({ upsert }),
      });
      if (res.status !== 200) throw new Error(`editorial write failed: ${res.status} ${await res.text()}`);
    };
    // One round: an edit, then one run of each client (the order flips with the round).
    const incA: number[] = [];
    const incB: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      await editRows(1);
      const runA = async () => {
        const t = await timed(async () => {
          const s = await withDigest.sync();
          if (!s.integrity || s.integrity.repairs.length > 0) throw new Error('the incremental run did not verify cleanly');
        });
        incA.push(t);
      };
      const runB = async () => incB.push(await timed(() => withoutDigest.sync()));
      if (round % 2 === 0) await runA().then(runB);
      else await runB().then(runA);
    }
    const incRatio = median(incA.map((v, i) => v / incB[i]!));
    rows.push({
      measure: `content sync run after one edited row (${FILTER}, ${records.length.toLocaleString('en')} rows)`,
      with: ms(median(incA)),
      without: ms(median(incB)),
      overhead: pct(incRatio),
      note: 'the check: one digests request; the device compares the digest it kept while applying the change (no rows re-read)',
    });

    // ------------------------------------------------------------ snapshot serving: the header in isolation
    const snapshotPhases: number[] = [];
    for (let round = 0; round < ROUNDS; round++)
      snapshotPhases.push(await phase(PER_PHASE, async () => (await getOk(snapshotUrl, contentHeaders)).arrayBuffer()));
    const snapshotMs = median(snapshotPhases);
    const headerValue = (await getOk(snapshotUrl, contentHeaders)).headers.get('x-resource-digest');
    if (!headerValue) throw new Error('the snapshot has no X-Resource-Digest header');
    const digest = { digest: headerValue.slice(11, 75), count: records.length, sequence: 1 };
    const formats = 100_000;
    const formatStart = performance.now();
    let length = 0;
    for (let i = 0; i < formats; i++) length += formatResourceDigestHeader({ ...digest, sequence: i }).length;
    if (length === 0) throw new Error('no header formatted');
    const formatMs = (performance.now() - formatStart) / formats;
    const headerRatio = 1 + formatMs / snapshotMs;
    rows.push({
      measure: `snapshot ${GROUP}/${RESOURCE} (${records.length.toLocaleString('en')} rows)`,
      with: ms(snapshotMs),
      without: `${ms(snapshotMs - formatMs)} (header work removed)`,
      overhead: pct(headerRatio),
      note: `the digest comes with the resource row the route reads anyway; formatting the header: ${(formatMs * 1000).toFixed(2)} µs, ${headerValue.length + 'x-resource-digest: '.length + 2} header bytes (mean of ${formats.toLocaleString('en')} calls)`,
    });
    targets.push({ target: 'snapshot serving with the digest header within 3% of without', measured: pct(headerRatio), met: headerRatio <= 1 + TARGET });

    // ------------------------------------------------------------ editorial writes: the digest work in isolation
    const batch = 100;
    const writeMs = await alternate(
      () => phase(5, () => editRows(batch)),
      () => phase(5, () => editRows(batch)),
    );
    const oldRows = records.slice(0, batch);
    const newRows = oldRows.map((r) => ({ ...r, text: `${String(r.text)} [edit]` }));
    const hashMs = await phase(PER_PHASE, async () => {
      let sum = 0n;
      for (const r of oldRows) sum -= nativeRecordHash('translation', String(r.id), r);
      for (const r of newRows) sum += nativeRecordHash('translation', String(r.id), r);
      return sum;
    });
    // The UPDATE the write adds, applied and undone in pairs so the stored digest stays right.
    const addend = 12345678901234567890n;
    const update = (value: bigint) =>
      sql`update content_resources set row_digest = mod(row_digest + ${value.toString()}::numeric, ${DIGEST_MODULUS.toString()}::numeric), row_count = row_count + 0
          where resource_group = ${GROUP} and resource_id = ${RESOURCE}`.execute(server.ctx.db);
    const updateMs =
      (await phase(PER_PHASE, async () => {
        await update(addend);
        await update(DIGEST_MODULUS - addend);
      })) / 2;
    // The digest delta rides on the resource UPDATE the write sends anyway (a column expression more): the
    // statement timed alone above is an upper bound of that, not a cost the write pays.
    const editorialRatio = 1 + hashMs / writeMs.a;
    rows.push({
      measure: `editorial write, ${batch} rows updated (POST /admin/v1/…/rows)`,
      with: ms(writeMs.a),
      without: `${ms(writeMs.a - hashMs)} (hashing removed)`,
      overhead: pct(editorialRatio),
      note: `digest work in isolation: hashing ${batch} old and ${batch} new rows ${ms(hashMs)}, the digest delta rides on the resource UPDATE the write sends anyway (timed alone as a statement: ${ms(updateMs)}, an upper bound)`,
    });
    targets.push({ target: 'editorial write with digest maintenance within 3% of without', measured: pct(editorialRatio), met: editorialRatio <= 1 + TARGET });
  } finally {
    await server.close();
  }

  const results = {
    suite: 'integrity',
    title: 'Integrity digests: their cost on writes, syncs and snapshots',
    environment,
    tables: [
      {
        title: 'With the digest against without (HTTP end to end, server in process, on PostgreSQL)',
        note: `Where a switch exists (the content client's \`integrity: false\`, the pull's \`stateDigest\`) A and B run in ${ROUNDS} adjacent rounds whose order flips every round; figures are medians, overheads the median of the rounds' ratios. Snapshot serving and editorial writes have no switch: the digest's own work is timed in isolation and set against the whole request. The stateDigest pull is an extra, opt-in request (its overhead is a factor over the plain metadataOnly pull, a primary-key lookup), not a cost on every sync.`,
        columns: ['measure', 'with digest', 'without', 'overhead', 'note'],
        rows: rows.map((r) => [r.measure, r.with, r.without, r.overhead, r.note]),
      },
    ],
    targets,
  };
  writeResults(results);
  printTables(results);
}

await main();
