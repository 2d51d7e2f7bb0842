/**
 * Soak test: mixed traffic against the real `quran-sync serve` process for a set time, then
 * a verdict. Prints a table of throughput, p50/p99 latency and statuses per kind of request, and the server's
 * memory over time.
 *
 * Traffic, all on loopback and bounded (a global request rate, a request cap, a duration):
 * - user devices (several per user): incremental pulls, metadata polls, pushes of 1–10 mutations (notes
 *   created and edited, bookmarks created and deleted, collections) with Idempotency-Key, 409 → pull and
 *   push again, 429 → wait Retry-After; direct note edits;
 * - content clients following the contract's client rules (bootstrap, incremental runs, snapshots), replaced
 *   by brand-new ones from time to time (bootstrap and snapshot load), plus conditional snapshot fetches;
 * - one editor: row batches (creates and updates), invalidations, compaction.
 *
 * It FAILS (exit code 1) when: any answer other than 2xx/304/409/429 (or a network error) occurs; any
 * acknowledged write is missing at the end (each note's text is that of its last acknowledged write; every
 * acknowledged collection exists; the editor's rows are exactly its acknowledged batches); a content client
 * does not converge to a fresh bootstrap; or memory keeps growing — the least-squares slope of the server's
 * RSS over the second half of the run above QS_SOAK_MAX_RSS_MB_PER_MIN (default 2), fitted through the lowest
 * sample of each 30 s window (the floor the GC sawtooth returns to), or of its live V8 heap — measured inside
 * the server after a full collection every QS_SOAK_LIVE_HEAP_MS (live-heap-probe.ts) — above
 * QS_SOAK_MAX_HEAP_MB_PER_MIN (default 1). The first half is warm-up (JIT, pools, caches, PGlite's buffer
 * cache filling); a leak is a steady climb after it, which a slope shows and a single max/min would not.
 * Runs shorter than MIN_VERDICT_SECONDS show the slopes without judging them.
 *
 * Env: QS_SOAK_SECONDS (default 60; run 600 for the documented soak), QS_SOAK_USERS (8), QS_SOAK_DEVICES_PER_USER
 * (3), QS_SOAK_CONTENT_CLIENTS (6), QS_SOAK_MAX_RPS (150), QS_SOAK_MAX_REQUESTS (unbounded), QS_SOAK_SAMPLE_SECONDS
 * (5), QS_SOAK_LIVE_HEAP_MS (15000). PostgreSQL when QS_TEST_DATABASE_URL or DATABASE_URL is set, else
 * embedded. Run: `npm run bench:soak`.
 */
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { verseAt } from '@quran-sync/protocol';
import { loadKeyRing, signAccessToken } from '@quran-sync/server';
import { ReferenceContentClient, stateToObject } from '@quran-sync/server/testing';
import { startSoakServer, type SoakServer } from './soak-server.js';
import { percentile, slope, SoakStats } from './soak-stats.js';

const SECONDS = Number(process.env.QS_SOAK_SECONDS ?? 60);
const USERS = Number(process.env.QS_SOAK_USERS ?? 8);
const DEVICES_PER_USER = Number(process.env.QS_SOAK_DEVICES_PER_USER ?? 3);
const CONTENT_CLIENTS = Number(process.env.QS_SOAK_CONTENT_CLIENTS ?? 6);
const MAX_RPS = Number(process.env.QS_SOAK_MAX_RPS ?? 150);
const MAX_REQUESTS = Number(process.env.QS_SOAK_MAX_REQUESTS ?? Number.POSITIVE_INFINITY);
const SAMPLE_SECONDS = Number(process.env.QS_SOAK_SAMPLE_SECONDS ?? 5);
const MAX_RSS_SLOPE = Number(process.env.QS_SOAK_MAX_RSS_MB_PER_MIN ?? 2);
const MAX_HEAP_SLOPE = Number(process.env.QS_SOAK_MAX_HEAP_MB_PER_MIN ?? 1);
/** Runs shorter than this get no memory verdict (their second half holds too few 30 s windows). */
const MIN_VERDICT_SECONDS = 240;
const ISSUER = 'http://quran-sync.soak';
const RESOURCES = [1, 2, 3, 4];
const ROWS_PER_RESOURCE = 1500;
const ALLOWED = new Set([200, 304, 409, 429]);

class NetworkError extends Error {}
class Stop extends Error {}

const stats = new SoakStats();
let server: SoakServer;
let deadline = 0;
let issued = 0;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const rand = (n: number) => Math.floor(Math.random() * n);

/** Global pacing: at most MAX_RPS requests per second, MAX_REQUESTS in all, nothing after the deadline. */
let nextSlot = 0;
async function pace(): Promise<void> {
  if (performance.now() >= deadline || issued >= MAX_REQUESTS) throw new Stop();
  issued++;
  const now = performance.now();
  nextSlot = Math.max(nextSlot + 1000 / MAX_RPS, now);
  if (nextSlot > now) await sleep(nextSlot - now);
}

async function request(
  kind: string,
  pathAndQuery: string,
  init: RequestInit & { headers: Record<string, string> },
  options: { paced?: boolean } = {},
): Promise<{ status: number; body: any; headers: Headers }> {
  if (options.paced !== false) await pace();
  const started = performance.now();
  let res: Response;
  let text: string;
  try {
    res = await fetch(`${server.url}${pathAndQuery}`, { ...init, signal: AbortSignal.timeout(30_000) });
    text = await res.text();
  } catch (error) {
    stats.networkError(kind, (error as Error).message);
    throw new NetworkError((error as Error).message);
  }
  stats.record(kind, res.status, performance.now() - started);
  if (!ALLOWED.has(res.status)) stats.fail(`${kind} ${init.method ?? 'GET'} ${pathAndQuery.slice(0, 120)} → ${res.status} ${text.slice(0, 200)}`);
  return { status: res.status, body: text && res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text, headers: res.headers };
}

const json = (method: string, body: unknown, headers: Record<string, string>, extra: Record<string, string> = {}) => ({
  method,
  headers: { ...headers, 'content-type': 'application/json', ...extra },
  body: JSON.stringify(body),
});

// ---------------------------------------------------------------------------------------------- users

interface UserState {
  readonly id: string;
  readonly headers: Record<string, string>;
  /** note id → its last acknowledged text and that write's timestamp. */
  readonly notes: Map<string, { body: string; timestamp: number }>;
  readonly collections: Set<string>;
  readonly bookmarks: Set<string>;
  writes: number;
}

let sequence = 0;

async function head(user: UserState): Promise<number> {
  const res = await request('pull (metadata)', '/v1/sync?mutationsSince=0&metadataOnly=true', { headers: user.headers });
  return res.status === 200 ? res.body.data.lastMutationAt : -1;
}

async function pullSince(user: UserState, since: number): Promise<number> {
  let cursor = since;
  for (let page = 1; page < 50; page++) {
    const res = await request('pull', `/v1/sync?mutationsSince=${since}&limit=100&page=${page}`, { headers: user.headers });
    if (res.status !== 200) return cursor;
    cursor = res.body.data.lastMutationAt;
    if (!res.body.data.hasMore) return cursor;
  }
  return cursor;
}

function batchFor(user: UserState): {
  mutations: any[];
  describe: Array<{ kind: 'note'; body: string; id?: string } | { kind: 'collection'; name: string } | { kind: 'other' }>;
} {
  const mutations: any[] = [];
  const describe: ReturnType<typeof batchFor>['describe'] = [];
  const n = 1 + rand(10);
  const noteIds = [...user.notes.keys()];
  const bookmarkIds = [...user.bookmarks];
  for (let i = 0; i < n; i++) {
    const r = Math.random();
    if (r < 0.35 || noteIds.length === 0) {
      const body = `soak note ${++sequence} by ${user.id}`;
      mutations.push({ type: 'CREATE', resource: 'NOTE', data: { body, ranges: [`${1 + rand(100)}:1`] } });
      describe.push({ kind: 'note', body });
    } else if (r < 0.6) {
      const id = noteIds[rand(noteIds.length)]!;
      if (mutations.some((m) => m.resourceId === id)) continue;
      const body = `soak edit ${++sequence} by ${user.id}`;
      mutations.push({ type: 'UPDATE', resource: 'NOTE', resourceId: id, data: { body } });
      describe.push({ kind: 'note', body, id });
    } else if (r < 0.8) {
      const verse = verseAt(1 + rand(6236));
      mutations.push({ type: 'CREATE', resource: 'BOOKMARK', data: { type: 'ayah', key: verse.surah, verseNumber: verse.ayah, mushaf: 1 } });
      describe.push({ kind: 'other' });
    } else if (r < 0.9 && bookmarkIds.length > 0) {
      const id = bookmarkIds[rand(bookmarkIds.length)]!;
      if (mutations.some((m) => m.resourceId === id)) continue;
      mutations.push({ type: 'DELETE', resource: 'BOOKMARK', resourceId: id });
      describe.push({ kind: 'other' });
    } else {
      const name = `soak collection ${++sequence}`;
      mutations.push({ type: 'CREATE', resource: 'COLLECTION', data: { name } });
      describe.push({ kind: 'collection', name });
    }
  }
  return { mutations, describe };
}

function recordAcks(
  user: UserState,
  batch: ReturnType<typeof batchFor>,
  acks: Array<{ resource: string; resourceId: string; type: string; timestamp: number }>,
): void {
  acks.forEach((ack, i) => {
    const what = batch.describe[i]!;
    if (what.kind === 'note') {
      const previous = user.notes.get(ack.resourceId);
      if (!previous || previous.timestamp < ack.timestamp) user.notes.set(ack.resourceId, { body: what.body, timestamp: ack.timestamp });
    } else if (what.kind === 'collection') user.collections.add(what.name);
    if (ack.resource === 'BOOKMARK') {
      if (ack.type === 'DELETE') user.bookmarks.delete(ack.resourceId);
      else user.bookmarks.add(ack.resourceId);
    }
  });
  user.writes++;
}

async function device(user: UserState): Promise<void> {
  let cursor = 0;
  for (;;) {
    const r = Math.random();
    if (r < 0.3) {
      cursor = await pullSince(user, cursor);
    } else if (r < 0.4) {
      await head(user);
    } else if (r < 0.9) {
      const batch = batchFor(user);
      if (batch.mutations.length === 0) continue;
      const key = `soak-${user.id}-${++sequence}`;
      let h = await head(user);
      for (let attempt = 0; attempt < 8; attempt++) {
        const res = await request(
          'push',
          `/v1/sync?lastMutationAt=${h}`,
          json('POST', { mutations: batch.mutations }, user.headers, { 'idempotency-key': key }),
        );
        if (res.status === 200) {
          recordAcks(user, batch, res.body.data.mutations);
          break;
        }
        if (res.status === 429) await sleep(1000 * Number(res.headers.get('retry-after') ?? 1));
        else if (res.status === 409) h = await pullSince(user, cursor).then(() => head(user));
        else break;
      }
    } else {
      // A direct edit of one of the user's notes.
      const ids = [...user.notes.keys()];
      if (ids.length === 0) continue;
      const id = ids[rand(ids.length)]!;
      const body = `soak direct ${++sequence} by ${user.id}`;
      const res = await request('direct write', `/v1/notes/${id}?lastMutationAt=${await head(user)}`, json('PATCH', { body }, user.headers));
      if (res.status === 200) {
        const timestamp = Number(res.headers.get('x-mutation-at'));
        const previous = user.notes.get(id);
        if (!previous || previous.timestamp < timestamp) user.notes.set(id, { body, timestamp });
      }
    }
    await sleep(50 + rand(200));
  }
}

// ---------------------------------------------------------------------------------------------- content

let readerHeaders: Record<string, string>;
let editorHeaders: Record<string, string>;
const expectedRows = new Map<number, Map<number, string>>();
let editorBatches = 0;

const contentFetch = async (pathAndQuery: string) => {
  const kind = pathAndQuery.includes('/snapshots/') ? 'snapshot' : 'content sync';
  const res = await request(kind, pathAndQuery, { headers: readerHeaders });
  return { status: res.status, body: res.body };
};

async function contentClient(clients: ReferenceContentClient[], index: number): Promise<void> {
  let client = new ReferenceContentClient(contentFetch, 'translations:*', 'translations:*');
  clients[index] = client;
  let runs = 0;
  for (;;) {
    try {
      await client.sync({ perPage: 20 + rand(80) });
    } catch (error) {
      if (error instanceof Stop || error instanceof NetworkError) throw error;
      if (!/answered (409|429)/.test(String(error))) stats.fail(`content client: ${(error as Error).message}`);
      await sleep(1000);
    }
    runs++;
    if (runs % 25 === 0) {
      // A new device: bootstrap and every snapshot again.
      client = new ReferenceContentClient(contentFetch, 'translations:*', 'translations:*');
      clients[index] = client;
    }
    if (Math.random() < 0.2) {
      const id = RESOURCES[rand(RESOURCES.length)]!;
      const first = await request('snapshot', `/api/v4/resources/snapshots/translations/${id}`, { headers: { ...readerHeaders, 'accept-encoding': 'gzip' } });
      const etag = first.headers.get('etag');
      if (etag)
        await request('snapshot (conditional)', `/api/v4/resources/snapshots/translations/${id}`, { headers: { ...readerHeaders, 'if-none-match': etag } });
    }
    await sleep(300 + rand(700));
  }
}

async function editor(): Promise<void> {
  for (let n = 1; ; n++) {
    const id = RESOURCES[rand(RESOURCES.length)]!;
    if (n % 40 === 0) {
      await request('editorial', `/admin/v1/resources/translations/${id}/invalidate`, { method: 'POST', headers: editorHeaders });
    } else if (n % 25 === 0) {
      await request('editorial', '/admin/v1/compact', { method: 'POST', headers: editorHeaders });
    } else {
      const rows = Array.from({ length: 1 + rand(50) }, () => 1 + rand(ROWS_PER_RESOURCE + 100));
      const upsert = [...new Set(rows)].map((row) => ({ id: row, verse_key: verseKeyOf(row), text: `edit ${n} of row ${row}` }));
      const res = await request('editorial', `/admin/v1/resources/translations/${id}/rows`, json('POST', { upsert }, editorHeaders));
      if (res.status === 200) {
        for (const row of upsert) expectedRows.get(id)!.set(row.id, row.text);
        editorBatches++;
      }
    }
    await sleep(250 + rand(500));
  }
}

const verseKeyOf = (row: number) => {
  const v = verseAt(1 + ((row - 1) % 6236));
  return `${v.surah}:${v.ayah}`;
};

// ---------------------------------------------------------------------------------------------- memory

async function sampleMemory(started: number): Promise<void> {
  const res = await request('metrics', '/metrics', { headers: {} }, { paced: false });
  const text = String(res.body);
  const value = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? Number.NaN);
  stats.memory.push({
    seconds: (performance.now() - started) / 1000,
    rssMb: value('process_resident_memory_bytes') / 2 ** 20,
    heapMb: value('nodejs_heap_size_used_bytes') / 2 ** 20,
  });
}

// ---------------------------------------------------------------------------------------------- main

async function main(): Promise<void> {
  // The soak reads /metrics as an operator's scraper would; on PostgreSQL metrics are served only when asked for.
  server = await startSoakServer({
    QS_ISSUER: ISSUER,
    QS_SEED: 'false',
    QS_DEV_CREDENTIALS: 'false',
    QS_COMPACTION_INTERVAL_MS: '60000',
    QS_METRICS_PUBLIC: 'true',
  });
  process.stdout.write(
    `soak: ${SECONDS} s on ${server.backend}, server pid ${server.child.pid}, ${USERS} users × ${DEVICES_PER_USER} devices, ${CONTENT_CLIENTS} content clients, 1 editor, ≤ ${MAX_RPS} req/s\n`,
  );
  const keys = await loadKeyRing(path.join(server.dataDir, 'keys.json'));
  const token = async (userId: string | null, scopes: string[]) => ({
    'x-auth-token': (await signAccessToken(keys, { issuer: ISSUER, clientId: `soak-app`, userId, scopes, ttlSeconds: SECONDS + 3600 })).token,
    'x-client-id': 'soak-app',
  });
  readerHeaders = await token(null, ['content']);
  editorHeaders = await token(null, ['content.write']);
  deadline = Number.POSITIVE_INFINITY;

  // Content to sync: resources of 1500 rows each.
  for (const id of RESOURCES) {
    await request('setup', `/admin/v1/resources/translations/${id}`, json('PUT', { status: 'public', metadata: { name: `Soak ${id}` } }, editorHeaders), {
      paced: false,
    });
    const rows = new Map<number, string>();
    for (let from = 1; from <= ROWS_PER_RESOURCE; from += 750) {
      const upsert = Array.from({ length: 750 }, (_, i) => from + i).map((row) => ({
        id: row,
        verse_key: verseKeyOf(row),
        text: `text of row ${row} `.repeat(6),
      }));
      await request('setup', `/admin/v1/resources/translations/${id}/rows`, json('POST', { upsert }, editorHeaders), { paced: false });
      for (const r of upsert) rows.set(r.id, r.text);
    }
    expectedRows.set(id, rows);
  }
  const users: UserState[] = [];
  for (let i = 0; i < USERS; i++)
    users.push({
      id: `soak-user-${i}`,
      headers: await token(`soak-user-${i}`, ['sync', 'bookmark', 'collection', 'note']),
      notes: new Map(),
      collections: new Set(),
      bookmarks: new Set(),
      writes: 0,
    });

  const started = performance.now();
  const startedEpochMs = Date.now();
  deadline = started + SECONDS * 1000;
  const clients: ReferenceContentClient[] = [];
  const stopped = (p: Promise<void>) =>
    p.catch((error: unknown) => (error instanceof Stop || error instanceof NetworkError ? undefined : stats.fail(`worker crashed: ${(error as Error).stack}`)));
  const workers = [
    ...users.flatMap((u) => Array.from({ length: DEVICES_PER_USER }, () => stopped(device(u)))),
    ...Array.from({ length: CONTENT_CLIENTS }, (_, i) => stopped(contentClient(clients, i))),
    stopped(editor()),
  ];
  const sampler = (async () => {
    while (performance.now() < deadline) {
      await sampleMemory(started).catch(() => stats.fail('memory sample failed'));
      const nextReport = Math.round((performance.now() - started) / 1000);
      if (nextReport % 60 < SAMPLE_SECONDS)
        process.stdout.write(`  t=${nextReport}s requests=${stats.total} rss=${stats.memory.at(-1)?.rssMb.toFixed(0)} MB\n`);
      await sleep(SAMPLE_SECONDS * 1000);
    }
  })();
  await Promise.all([...workers, sampler]);
  const elapsed = (performance.now() - started) / 1000;
  const loadRequests = stats.total;

  // ---- verdict: acknowledged writes, convergence (unpaced, after the load)
  deadline = Number.POSITIVE_INFINITY;
  let checkedNotes = 0;
  let checkedCollections = 0;
  for (const user of users) {
    const notes = new Map<string, string>();
    const collections = new Set<string>();
    for (let page = 1; ; page++) {
      const res = await request('verify', `/v1/sync?mutationsSince=0&limit=1000&page=${page}`, { headers: user.headers }, { paced: false });
      for (const m of res.body.data.mutations as Array<{ resource: string; resourceId: string; type: string; data: any }>) {
        if (m.type === 'DELETE') continue;
        if (m.resource === 'NOTE') notes.set(m.resourceId, m.data.body);
        if (m.resource === 'COLLECTION') collections.add(m.data.name);
      }
      if (!res.body.data.hasMore) break;
    }
    for (const [id, expected] of user.notes) {
      checkedNotes++;
      if (notes.get(id) !== expected.body) stats.fail(`acknowledged note write lost: ${user.id} ${id} expected "${expected.body}", found "${notes.get(id)}"`);
    }
    for (const name of user.collections) {
      checkedCollections++;
      if (!collections.has(name)) stats.fail(`acknowledged collection lost: ${user.id} "${name}"`);
    }
  }
  let checkedRows = 0;
  for (const id of RESOURCES) {
    const res = await request('verify', `/api/v4/resources/snapshots/translations/${id}`, { headers: readerHeaders }, { paced: false });
    const actual = new Map((res.body.records as Array<{ id: number; text: string }>).map((r) => [r.id, r.text]));
    for (const [row, text] of expectedRows.get(id)!) {
      checkedRows++;
      if (actual.get(row) !== text) stats.fail(`acknowledged editorial row lost: translations:${id} row ${row}`);
    }
    if (actual.size !== expectedRows.get(id)!.size) stats.fail(`translations:${id} has ${actual.size} rows, expected ${expectedRows.get(id)!.size}`);
  }
  const fresh = new ReferenceContentClient(contentFetch, 'translations:*', 'translations:*');
  await fresh.sync({ perPage: 100 });
  let converged = 0;
  for (const client of clients) {
    await client.sync({ perPage: 100 });
    if (JSON.stringify(stateToObject(client.rows)) === JSON.stringify(stateToObject(fresh.rows))) converged++;
    else stats.fail('a content client did not converge to a fresh bootstrap');
  }

  // ---- memory verdict: slope over the second half
  // Fitted through the lowest sample of each 30 s window: garbage collection makes the heap (and RSS) a
  // sawtooth, and what a leak raises is the floor the sawtooth returns to.
  const secondHalf = stats.memory.filter((m) => m.seconds >= SECONDS / 2);
  const floors = (pick: (m: (typeof secondHalf)[number]) => number) => {
    const windows = new Map<number, { x: number; y: number }>();
    for (const m of secondHalf) {
      const w = Math.floor(m.seconds / 30);
      const current = windows.get(w);
      if (!current || pick(m) < current.y) windows.set(w, { x: m.seconds / 60, y: pick(m) });
    }
    const points = [...windows.values()].map((p) => [p.x, p.y] as const);
    return points.length >= 3 ? points : secondHalf.map((m) => [m.seconds / 60, pick(m)] as const);
  };
  const rssSlope = slope(floors((m) => m.rssMb));
  // The live heap (after a full collection, sampled in the server) needs no floor: it holds no garbage.
  const liveHeap = server.liveHeap.map((h) => ({ seconds: (h.epochMs - startedEpochMs) / 1000, mb: h.bytes / 2 ** 20 })).filter((h) => h.seconds <= SECONDS);
  const liveSecondHalf = liveHeap.filter((h) => h.seconds >= SECONDS / 2).map((h) => [h.seconds / 60, h.mb] as const);
  const heapSlope = liveSecondHalf.length >= 4 ? slope(liveSecondHalf) : slope(floors((m) => m.heapMb));
  const heapMeasure = liveSecondHalf.length >= 4 ? 'live heap after full GC' : 'heap-used floors (no live-heap samples)';
  const liveAt = (seconds: number) => liveHeap.filter((h) => h.seconds <= seconds).at(-1)?.mb;
  // A growth verdict needs several GC windows: the CI's short soak (60 s) would fit a line through a handful
  // of sawtooth points and fail on noise, so below MIN_VERDICT_SECONDS the slopes are shown but not judged.
  if (SECONDS >= MIN_VERDICT_SECONDS && secondHalf.length >= 4) {
    if (rssSlope > MAX_RSS_SLOPE) stats.fail(`RSS keeps growing: ${rssSlope.toFixed(2)} MB/min over the second half (limit ${MAX_RSS_SLOPE})`);
    if (heapSlope > MAX_HEAP_SLOPE)
      stats.fail(`V8 heap keeps growing: ${heapSlope.toFixed(2)} MB/min (${heapMeasure}) over the second half (limit ${MAX_HEAP_SLOPE})`);
  } else {
    process.stdout.write(
      `(run shorter than ${MIN_VERDICT_SECONDS} s or too few memory samples (${secondHalf.length}) for a memory growth verdict: slopes shown, not judged)\n`,
    );
  }
  await server.stop();

  // ---- report
  const lines: string[] = [];
  lines.push(`\n### Soak: ${elapsed.toFixed(0)} s, ${server.backend}, ${loadRequests} requests (${(loadRequests / elapsed).toFixed(1)} req/s)\n`);
  lines.push('| requests | count | req/s | p50 ms | p99 ms | max ms | statuses |');
  lines.push('|---|---:|---:|---:|---:|---:|---|');
  for (const [kind, k] of [...stats.kinds].sort(([a], [b]) => a.localeCompare(b))) {
    if (kind === 'setup' || kind === 'verify') continue;
    const statuses =
      [...k.statuses]
        .sort(([a], [b]) => a - b)
        .map(([s, c]) => `${s}×${c}`)
        .join(' ') + (k.networkErrors ? ` network×${k.networkErrors}` : '');
    lines.push(
      `| ${kind} | ${k.latencies.length} | ${(k.latencies.length / elapsed).toFixed(1)} | ${percentile(k.latencies, 50).toFixed(1)} | ${percentile(k.latencies, 99).toFixed(1)} | ${Math.max(...k.latencies).toFixed(0)} | ${statuses} |`,
    );
  }
  lines.push('\n| t (min) | server RSS MB | V8 heap used MB | live heap MB (after full GC) |');
  lines.push('|---:|---:|---:|---:|');
  const live = (seconds: number) => liveAt(seconds)?.toFixed(1) ?? '–';
  const step = Math.max(1, Math.floor(stats.memory.length / 12));
  for (let i = 0; i < stats.memory.length; i += step) {
    const m = stats.memory[i]!;
    lines.push(`| ${(m.seconds / 60).toFixed(1)} | ${m.rssMb.toFixed(0)} | ${m.heapMb.toFixed(1)} | ${live(m.seconds)} |`);
  }
  const last = stats.memory.at(-1);
  if (last) lines.push(`| ${(last.seconds / 60).toFixed(1)} | ${last.rssMb.toFixed(0)} | ${last.heapMb.toFixed(1)} | ${live(last.seconds)} |`);
  lines.push(
    `\nmemory slope over the second half: RSS ${rssSlope.toFixed(2)} MB/min (limit ${MAX_RSS_SLOPE}), heap ${heapSlope.toFixed(2)} MB/min, ${heapMeasure} (limit ${MAX_HEAP_SLOPE})`,
  );
  lines.push(
    `acknowledged writes verified: ${checkedNotes} notes (last acknowledged text), ${checkedCollections} collections, ${checkedRows} editorial rows (${editorBatches} batches); ${users.reduce((n, u) => n + u.writes, 0)} acknowledged pushes`,
  );
  lines.push(`content clients converged: ${converged}/${clients.length}`);
  lines.push(stats.failures.length === 0 ? '\nverdict: PASS' : `\nverdict: FAIL\n${stats.failures.map((f) => `  - ${f}`).join('\n')}`);
  process.stdout.write(`${lines.join('\n')}\n`);
  process.exitCode = stats.failures.length === 0 ? 0 : 1;
}

main().catch(async (error: unknown) => {
  process.stderr.write(`soak failed to run: ${(error as Error).stack}\n`);
  await server?.stop().catch(() => {});
  process.exitCode = 1;
});
