/**
 * Side by side with a real peer: Quran Sync vs PouchDB/CouchDB replication
 * (`express-pouchdb` over PouchDB 9 on LevelDB, PouchDB 9 clients on LevelDB), and each of ours beside the
 * floor measured in the same run, on the same machine:
 *
 *  (a) initial sync of the ten seeded translations (62,360 rows) into a fresh local store — ours:
 *      ContentSyncClient into SQLite (cold server, then warm: snapshot cache filled); peer: replication of a
 *      database holding the same rows, one document per row, into a local PouchDB. Floor: the same gzip
 *      bytes from a bare Fastify route + raw prepared SQLite INSERTs; also the raw PostgreSQL read of the
 *      rows and gzip of the bytes;
 *  (b) incremental sync after 100 rows were edited on the server (10 in each translation);
 *  (c) 10,000 offline edits on one device (5,000 bookmarks, 5,000 notes) pushed, then pulled by a second,
 *      fresh device. Floor: raw PostgreSQL inserts of the same rows (100 per transaction), the pull's bytes
 *      from a bare route, raw SQLite inserts. (c) runs three times per side (QS_BENCH_USER_ROUNDS), alternating,
 *      each time with a new user or remote database and new devices; each step reports its median round.
 *
 * Every server and every client step runs in its own process: wall time is measured by the client, bytes on
 * the wire by a counting TCP proxy in front of each server, server CPU from /proc (ours: the Node process
 * plus the PostgreSQL backends serving it; peer: its Node process, LevelDB included), client peak RSS by the
 * client process. Ratios are ours/peer and ours/floor (below 1 is better for time, bytes, CPU and memory).
 *
 * Needs PostgreSQL (QS_BENCH_PG_URL, default postgres://postgres@127.0.0.1:5432; a database
 * `qs_bench_peer` is created and dropped). QS_BENCH_USER_EDITS changes (c)'s size (default 10,000).
 * Run: `npm run bench:peer`.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { gzipSync } from 'node:zlib';
import pg from 'pg';
import { verseAt } from '@quran-sync/protocol';
import { loadOrCreateKeyRing, signAccessToken } from '@quran-sync/server';
import { rawGetBody } from '@quran-sync/server/testing';
import { startByteCountingProxy, type ByteCountingProxy } from '../lib/byte-counting-proxy.js';
import { cpuSeconds, cpuSecondsOf, profileFlags, runChild, startChild, type Child } from '../lib/processes.js';
import { environmentLine, fmt, printTables, ratio, writeResults, type ResultTable, type TargetCheck } from '../lib/results.js';

const here = path.dirname(new URL(import.meta.url).pathname);
const PG_URL = process.env.QS_BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432';
const DATABASE = 'qs_bench_peer';
const USER_EDITS = Number(process.env.QS_BENCH_USER_EDITS ?? 10_000);
const USER_ROUNDS = Math.max(1, Number(process.env.QS_BENCH_USER_ROUNDS ?? 3));
const USER_SCOPES = ['sync', 'bookmark', 'collection', 'note', 'reading_session', 'preference'];
const ISSUER = 'http://quran-sync.bench';
const CLIENT = path.join(here, 'client.ts');

interface Step {
  readonly seconds: number;
  readonly items: number;
  readonly bytes: number;
  readonly serverCpu: number;
  readonly peakRssMiB: number;
  readonly extra: Record<string, unknown>;
}

async function main(): Promise<void> {
  const environment = environmentLine();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'qs-bench-peer-'));
  const admin = new pg.Client({ connectionString: `${PG_URL}/postgres` });
  await admin.connect();
  await admin.query(`drop database if exists ${DATABASE}`);
  await admin.query(`create database ${DATABASE}`);
  const databaseUrl = `${PG_URL}/${DATABASE}`;
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  await db.query('create schema bench');
  await db.query('set search_path = bench');

  const keysFile = path.join(tmp, 'keys.json');
  const keys = await loadOrCreateKeyRing(keysFile);
  const token = async (userId: string | null, scopes: string[]) =>
    (await signAccessToken(keys, { issuer: ISSUER, clientId: 'bench', userId, scopes, ttlSeconds: 7200 })).token;
  const children: Child[] = [];
  const proxies: ByteCountingProxy[] = [];
  try {
    // ------------------------------------------------------------------ servers
    let t = performance.now();
    const ours = await startChild(
      path.join(here, '../lib/our-server.ts'),
      [],
      {
        QS_BENCH_DATABASE_URL: databaseUrl,
        QS_BENCH_SCHEMA: 'bench',
        QS_BENCH_KEYS_FILE: keysFile,
        QS_BENCH_ISSUER: ISSUER,
        QS_BENCH_SEED: '1',
      },
      profileFlags(),
    );
    children.push(ours);
    const seedSeconds = (performance.now() - t) / 1000;
    const translationIds = (
      await db.query<{ resource_id: number }>(
        `select resource_id from content_resources where resource_group = 'translations' and status = 'public' order by resource_id`,
      )
    ).rows.map((r) => r.resource_id);

    // The peer's data: the same rows, one document per row.
    const load = path.join(tmp, 'translations.ndjson');
    const out = fs.createWriteStream(load);
    const rows = await db.query<{ resource_id: number; record_key: string; json: string }>(
      `select resource_id, record_key, data::text as json from content_rows where resource_group = 'translations' order by resource_id, sort_key`,
    );
    for (const r of rows.rows)
      out.write(`${JSON.stringify({ _id: `${r.resource_id}:${r.record_key.padStart(5, '0')}`, resource_id: r.resource_id, ...JSON.parse(r.json) })}\n`);
    await new Promise<void>((resolve) => out.end(resolve));
    t = performance.now();
    const peer = await startChild(path.join(here, 'pouchdb-server.ts'), [path.join(tmp, 'pouch-server')], { QS_BENCH_POUCH_LOAD: load });
    children.push(peer);
    const peerLoadSeconds = (performance.now() - t) / 1000;
    const oursProxy = await startByteCountingProxy(Number(new URL(String(ours.ready.url)).port));
    const peerProxy = await startByteCountingProxy(Number(new URL(String(peer.ready.url)).port));
    proxies.push(oursProxy, peerProxy);

    const contentToken = await token(null, ['content']);
    const userId = `bench-${Date.now()}`;
    const userToken = await token(userId, USER_SCOPES);
    const editorToken = await token(null, ['content.write']);

    /** PIDs of the PostgreSQL backends serving the benchmark database (ours only uses it), minus our own. */
    const backendPids = async () =>
      (await db.query<{ pid: number }>('select pid from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()', [DATABASE])).rows.map((r) => r.pid);

    const step = async (side: 'ours' | 'peer', mode: string, args: string[], env: Record<string, string>): Promise<Step> => {
      const proxy = side === 'ours' ? oursProxy : peerProxy;
      const pgBefore = side === 'ours' ? await backendPids() : [];
      const before = new Map<number, number>([[side === 'ours' ? ours.pid : peer.pid, 0], ...pgBefore.map((pid) => [pid, 0] as const)]);
      for (const pid of before.keys()) before.set(pid, cpuSeconds(pid));
      proxy.reset();
      const result = await runChild<{ seconds: number; items: number; peakRssMiB: number } & Record<string, unknown>>(CLIENT, [mode, ...args], {
        QS_BENCH_URL: proxy.url,
        ...env,
      });
      const bytes = proxy.counts().total;
      const pgAfter = side === 'ours' ? await backendPids() : [];
      let serverCpu = 0;
      // A backend that ended during the step can no longer be read (0): count nothing for it rather than minus its start.
      for (const [pid, cpu] of before) serverCpu += Math.max(0, cpuSeconds(pid) - cpu);
      // Backends opened during the step: all of their CPU belongs to it.
      serverCpu += cpuSecondsOf(pgAfter.filter((pid) => !before.has(pid)));
      const { seconds, items, peakRssMiB, ...extra } = result;
      process.stderr.write(
        `  ${side} ${mode}: ${seconds.toFixed(2)} s, ${items} items, ${(bytes / 1_048_576).toFixed(2)} MB, server CPU ${serverCpu.toFixed(2)} s, peak RSS ${peakRssMiB.toFixed(0)} MiB\n`,
      );
      return { seconds, items, bytes, serverCpu, peakRssMiB, extra };
    };
    const oursEnv = (accessToken: string) => ({ QS_BENCH_TOKEN: accessToken, QS_BENCH_CLIENT_ID: 'bench' });

    // ------------------------------------------------------------------ (a) bootstrap
    const oursCold = await step('ours', 'ours-content', [path.join(tmp, 'ours-a1.sqlite')], oursEnv(contentToken));
    const oursWarm = await step('ours', 'ours-content', [path.join(tmp, 'ours-a2.sqlite')], oursEnv(contentToken));
    const peerBoot = await step('peer', 'pouch-content', [path.join(tmp, 'pouch-a1')], {});

    // Floors for (a): the same gzip bytes ours sent, from a bare route; raw inserts; raw PG read; gzip.
    const bareDir = path.join(tmp, 'bare');
    fs.mkdirSync(bareDir);
    let identityBytes = 0;
    let gzipBytes = 0;
    let gzipSeconds = 0;
    for (const id of translationIds) {
      const gz = await rawGetBody(`${String(ours.ready.url)}/api/v4/resources/snapshots/translations/${id}`, {
        'x-auth-token': contentToken,
        'x-client-id': 'bench',
        'accept-encoding': 'gzip',
      });
      fs.writeFileSync(path.join(bareDir, `${id}.json.gz`), gz);
      const identity = await rawGetBody(`${String(ours.ready.url)}/api/v4/resources/snapshots/translations/${id}`, {
        'x-auth-token': contentToken,
        'x-client-id': 'bench',
        'accept-encoding': 'identity',
      });
      identityBytes += identity.length;
      gzipBytes += gz.length;
      const g0 = performance.now();
      gzipSync(identity);
      gzipSeconds += (performance.now() - g0) / 1000;
    }
    let pgReadSeconds = 0;
    for (const id of translationIds) {
      const r0 = performance.now();
      await db.query(
        `select data::text from content_rows where resource_group = 'translations' and resource_id = $1 order by sort_key, record_type, record_key`,
        [id],
      );
      pgReadSeconds += (performance.now() - r0) / 1000;
    }

    // ------------------------------------------------------------------ (b) incremental after 100 edits
    const headers = { 'x-auth-token': editorToken, 'x-client-id': 'bench', 'content-type': 'application/json' };
    const editedDocs: Array<{ id: string; text: string }> = [];
    for (const id of translationIds) {
      const upsert = Array.from({ length: 10 }, (_, i) => {
        const row = rows.rows.find((r) => r.resource_id === id && r.record_key === String(100 + i * 37))!;
        const data = JSON.parse(row.json) as Record<string, unknown>;
        const text = `${String(data.text)} (edited)`;
        editedDocs.push({ id: `${id}:${row.record_key.padStart(5, '0')}`, text });
        return { ...data, text };
      });
      const response = await fetch(`${String(ours.ready.url)}/admin/v1/resources/translations/${id}/rows`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ upsert }),
      });
      if (!response.ok) throw new Error(`admin edit failed: ${response.status} ${await response.text()}`);
    }
    {
      const peerDb = `${String(peer.ready.url)}/translations`;
      const current = (await (
        await fetch(`${peerDb}/_all_docs?include_docs=true`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ keys: editedDocs.map((d) => d.id) }),
        })
      ).json()) as { rows: Array<{ doc: Record<string, unknown> }> };
      const docs = current.rows.map((r, i) => ({ ...r.doc, text: editedDocs[i]!.text }));
      const response = await fetch(`${peerDb}/_bulk_docs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ docs }) });
      if (!response.ok) throw new Error(`peer edit failed: ${response.status}`);
    }
    const oursIncr = await step('ours', 'ours-content', [path.join(tmp, 'ours-a1.sqlite')], oursEnv(contentToken));
    const peerIncr = await step('peer', 'pouch-content', [path.join(tmp, 'pouch-a1')], {});
    const oursNoChange = await step('ours', 'ours-content', [path.join(tmp, 'ours-a1.sqlite')], oursEnv(contentToken));
    const peerNoChange = await step('peer', 'pouch-content', [path.join(tmp, 'pouch-a1')], {});

    // ------------------------------------------------------------------ (c) user data
    // Each side runs (c) USER_ROUNDS times, alternating, each round with a new user (ours) or a new remote
    // database (peer) and new devices; the round with the median time stands for each step, so one slow
    // moment of a shared machine does not decide a ratio.
    const rounds: Array<{ oursEdits: number; oursPush: Step; oursPull: Step; peerEdits: number; peerPush: Step; peerPull: Step }> = [];
    for (let r = 0; r < USER_ROUNDS; r++) {
      const roundToken = r === 0 ? userToken : await token(`${userId}-${r}`, USER_SCOPES);
      const remote = { QS_BENCH_POUCH_DB: `userdata${r}` };
      const oursEdits = await runChild<{ seconds: number }>(CLIENT, ['ours-user-edits', path.join(tmp, `ours-c1-${r}.sqlite`), String(USER_EDITS)], {
        QS_BENCH_URL: oursProxy.url,
        ...oursEnv(roundToken),
      });
      const oursPush = await step('ours', 'ours-user-push', [path.join(tmp, `ours-c1-${r}.sqlite`)], oursEnv(roundToken));
      const oursPull = await step('ours', 'ours-user-pull', [path.join(tmp, `ours-c2-${r}.sqlite`)], oursEnv(roundToken));
      const peerEdits = await runChild<{ seconds: number }>(CLIENT, ['pouch-user-edits', path.join(tmp, `pouch-c1-${r}`), String(USER_EDITS)], {
        QS_BENCH_URL: peerProxy.url,
      });
      const peerPush = await step('peer', 'pouch-user-push', [path.join(tmp, `pouch-c1-${r}`)], remote);
      const peerPull = await step('peer', 'pouch-user-pull', [path.join(tmp, `pouch-c2-${r}`)], remote);
      rounds.push({ oursEdits: oursEdits.seconds, oursPush, oursPull, peerEdits: peerEdits.seconds, peerPush, peerPull });
    }
    const medianStep = (pick: (round: (typeof rounds)[number]) => Step): Step =>
      [...rounds.map(pick)].sort((a, b) => a.seconds - b.seconds)[Math.floor(rounds.length / 2)]!;
    const oursPush = medianStep((r) => r.oursPush);
    const oursPull = medianStep((r) => r.oursPull);
    const peerPush = medianStep((r) => r.peerPush);
    const peerPull = medianStep((r) => r.peerPull);
    const oursEdits = { seconds: rounds[0]!.oursEdits };
    const peerEdits = { seconds: rounds[0]!.peerEdits };

    // Floors for (c): the pull's bytes from a bare route; raw PostgreSQL inserts of the same rows.
    const pages: unknown[] = [];
    for (let page = 1; ; page++) {
      const body = (await (
        await fetch(`${String(ours.ready.url)}/v1/sync?mutationsSince=0&limit=1000&page=${page}`, {
          headers: { 'x-auth-token': userToken, 'x-client-id': 'bench' },
        })
      ).json()) as { data: { hasMore: boolean } };
      pages.push(body);
      if (!body.data.hasMore) break;
    }
    // As our server sends a pull: gzip (level 1), decompressed by the client's fetch.
    fs.writeFileSync(path.join(bareDir, 'pull.json.gz'), gzipSync(JSON.stringify(pages), { level: 1 }));
    const rawInsertSeconds = await rawUserInsert(db, USER_EDITS);

    const bare = await startChild(path.join(here, '../lib/bare-server.ts'), [bareDir]);
    children.push(bare);
    const bareProxy = await startByteCountingProxy(Number(new URL(String(bare.ready.url)).port));
    proxies.push(bareProxy);
    const floorA = await runChild<{ seconds: number; downloadSeconds: number; insertSeconds: number; items: number; peakRssMiB: number }>(
      CLIENT,
      ['floor-content', path.join(tmp, 'floor-a.sqlite'), ...translationIds.map((id) => `${id}.json.gz`)],
      { QS_BENCH_URL: bareProxy.url },
    );
    const floorABytes = bareProxy.counts().total;
    bareProxy.reset();
    const floorC = await runChild<{ seconds: number; downloadSeconds: number; insertSeconds: number; items: number; peakRssMiB: number }>(
      CLIENT,
      ['floor-user', path.join(tmp, 'floor-c.sqlite'), 'pull.json.gz'],
      {
        QS_BENCH_URL: bareProxy.url,
      },
    );
    const floorCBytes = bareProxy.counts().total;

    // ------------------------------------------------------------------ report
    const MB = (b: number) => `${fmt(b / 1_048_576, 2)} MB`;
    const s = (v: number) => `${fmt(v, 2)} s`;
    const sideBySide = (label: string, o: Step, p: Step): Array<Array<string>> => [
      [label, 'wall time', s(o.seconds), s(p.seconds), ratio(o.seconds, p.seconds)],
      ['', 'bytes on the wire', MB(o.bytes), MB(p.bytes), ratio(o.bytes, p.bytes)],
      ['', 'server CPU', s(o.serverCpu), s(p.serverCpu), ratio(o.serverCpu, p.serverCpu)],
      ['', 'client peak RSS', `${fmt(o.peakRssMiB)} MiB`, `${fmt(p.peakRssMiB)} MiB`, ratio(o.peakRssMiB, p.peakRssMiB)],
    ];
    const tables: ResultTable[] = [
      {
        title: 'Quran Sync vs PouchDB replication (ratios ours/peer; below 1× is better)',
        note: `(c): the median of ${USER_ROUNDS} rounds per step. Setup (not timed): our server seeded ${fmt(rows.rowCount ?? 0)} translation rows on PostgreSQL in ${fmt(seedSeconds, 1)} s (with the rest of the bundled content); the peer loaded the same rows as ${fmt(rows.rowCount ?? 0)} documents in ${fmt(peerLoadSeconds, 1)} s. (c): ${fmt(USER_EDITS)} offline edits took ${s(oursEdits.seconds)} through our SDK's local API and ${s(peerEdits.seconds)} as local PouchDB puts.`,
        columns: ['scenario', 'measure', 'Quran Sync', 'PouchDB', 'ours/peer'],
        rows: [
          ...sideBySide('(a) initial sync of 10 translations (cold server)', oursCold, peerBoot),
          ...sideBySide('(a) initial sync, second device (warm server)', oursWarm, peerBoot),
          ...sideBySide('(b) incremental sync, 100 edited rows', oursIncr, peerIncr),
          ...sideBySide('(b′) incremental sync, nothing changed', oursNoChange, peerNoChange),
          ...sideBySide(`(c) push of ${fmt(USER_EDITS)} offline edits`, oursPush, peerPush),
          ...sideBySide(`(c) arrival on a second device (pull)`, oursPull, peerPull),
          ...sideBySide('(c) push + arrival', sum(oursPush, oursPull), sum(peerPush, peerPull)),
        ],
      },
      {
        title: 'Quran Sync vs the floor, same run (ratios ours/floor)',
        columns: ['scenario', 'floor', 'floor figure', 'Quran Sync', 'ours/floor'],
        rows: [
          [
            '(a) initial sync',
            'download (bare Fastify, same gzip bytes) + raw SQLite INSERTs',
            s(floorA.seconds),
            s(oursWarm.seconds),
            ratio(oursWarm.seconds, floorA.seconds),
          ],
          ['', '… download part / insert part', `${s(floorA.downloadSeconds)} / ${s(floorA.insertSeconds)}`, '', ''],
          ['', 'bytes on the wire (bare route, same bodies)', MB(floorABytes), MB(oursWarm.bytes), ratio(oursWarm.bytes, floorABytes)],
          ['', 'raw PostgreSQL keyset read of the same rows', s(pgReadSeconds), s(oursCold.seconds), ratio(oursCold.seconds, pgReadSeconds)],
          ['', `gzip (level 6) of the same ${MB(identityBytes)} → ${MB(gzipBytes)}`, s(gzipSeconds), '', ''],
          [
            '',
            'client peak RSS (floor client)',
            `${fmt(floorA.peakRssMiB)} MiB`,
            `${fmt(oursWarm.peakRssMiB)} MiB`,
            ratio(oursWarm.peakRssMiB, floorA.peakRssMiB),
          ],
          [
            `(c) push of ${fmt(USER_EDITS)} edits`,
            'raw PostgreSQL INSERTs of the same rows, 100 per transaction',
            s(rawInsertSeconds),
            s(oursPush.seconds),
            ratio(oursPush.seconds, rawInsertSeconds),
          ],
          [
            '(c) arrival (pull)',
            'download of the same pull bytes (bare Fastify) + raw SQLite INSERTs',
            s(floorC.seconds),
            s(oursPull.seconds),
            ratio(oursPull.seconds, floorC.seconds),
          ],
          ['', 'bytes on the wire', MB(floorCBytes), MB(oursPull.bytes), ratio(oursPull.bytes, floorCBytes)],
        ],
      },
    ];
    const floorTotal = floorA.seconds;
    const targets: TargetCheck[] = [
      {
        target: 'content bootstrap ≥ 5× faster than PouchDB replication',
        measured: `cold ${fmt(peerBoot.seconds / oursCold.seconds, 1)}×, warm ${fmt(peerBoot.seconds / oursWarm.seconds, 1)}× faster`,
        met: peerBoot.seconds / oursCold.seconds >= 5,
      },
      {
        target: 'content bootstrap within 2× of the floor (download + insert)',
        measured: `warm ${ratio(oursWarm.seconds, floorTotal)}, cold ${ratio(oursCold.seconds, floorTotal)}`,
        met: oursWarm.seconds <= 2 * floorTotal,
      },
      {
        target: `user data: push of ${fmt(USER_EDITS)} offline edits ≥ 2× faster than PouchDB`,
        measured: `${fmt(peerPush.seconds / oursPush.seconds, 2)}× faster (${ratio(oursPush.seconds, peerPush.seconds)})`,
        met: oursPush.seconds * 2 <= peerPush.seconds,
      },
      {
        target: 'user data: their arrival on a second device ≥ 5× faster than PouchDB',
        measured: `${fmt(peerPull.seconds / oursPull.seconds, 2)}× faster (${ratio(oursPull.seconds, peerPull.seconds)})`,
        met: oursPull.seconds * 5 <= peerPull.seconds,
      },
    ];
    const results = {
      suite: 'peer-pouchdb',
      title: 'Side by side with PouchDB (CouchDB replication protocol) and with the floor',
      environment,
      tables,
      targets,
      charts: [
        {
          id: 'peer-wall-time',
          title: 'Wall time: Quran Sync vs PouchDB vs floor (seconds, log scale)',
          unit: 's',
          log: true,
          categories: ['(a) bootstrap', '(b) 100 edits', '(c) push 10k', '(c) pull 10k'],
          series: [
            { name: 'Quran Sync', values: [oursWarm.seconds, oursIncr.seconds, oursPush.seconds, oursPull.seconds] },
            { name: 'PouchDB', values: [peerBoot.seconds, peerIncr.seconds, peerPush.seconds, peerPull.seconds] },
            { name: 'floor', values: [floorA.seconds, 0, rawInsertSeconds, floorC.seconds] },
          ],
        },
        {
          id: 'peer-bytes',
          title: 'Bytes on the wire (MB, log scale)',
          unit: 'MB',
          log: true,
          categories: ['(a) bootstrap', '(b) 100 edits', '(c) push 10k', '(c) pull 10k'],
          series: [
            { name: 'Quran Sync', values: [oursWarm.bytes, oursIncr.bytes, oursPush.bytes, oursPull.bytes].map((b) => b / 1_048_576) },
            { name: 'PouchDB', values: [peerBoot.bytes, peerIncr.bytes, peerPush.bytes, peerPull.bytes].map((b) => b / 1_048_576) },
          ],
        },
      ],
    };
    writeResults(results);
    printTables(results);
  } finally {
    for (const p of proxies) await p.close();
    for (const c of children.reverse()) await c.stop();
    await db.end();
    await admin.query(`drop database if exists ${DATABASE} with (force)`).catch(() => {});
    await admin.end();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

function sum(a: Step, b: Step): Step {
  return {
    seconds: a.seconds + b.seconds,
    items: a.items + b.items,
    bytes: a.bytes + b.bytes,
    serverCpu: a.serverCpu + b.serverCpu,
    peakRssMiB: Math.max(a.peakRssMiB, b.peakRssMiB),
    extra: {},
  };
}

/** The rows a push of `n` edits writes (bookmarks, notes with their range, change index, head), inserted raw. */
async function rawUserInsert(db: pg.Client, n: number): Promise<number> {
  const user = `raw-${Date.now()}`;
  await db.query('insert into user_heads (user_id, head) values ($1, -1)', [user]);
  const start = performance.now();
  let ts = Date.now();
  for (let i = 0; i < n; i += 100) {
    const count = Math.min(100, n - i);
    const ids = Array.from({ length: count }, (_, k) => `raw${i + k}x${user}`);
    await db.query('begin');
    await db.query('select head from user_heads where user_id = $1 for update', [user]);
    const half = Math.ceil(n / 2);
    const bookmarkIds = ids.filter((_, k) => i + k < half);
    const noteIds = ids.filter((_, k) => i + k >= half);
    if (bookmarkIds.length) {
      const verses = bookmarkIds.map((_, k) => verseAt(i + k + 1));
      await db.query(
        `insert into user_bookmarks (id, user_id, type, key, verse_number, mushaf, created_at, updated_at)
         select id, $2, 'ayah', s, a, 4, now(), now() from unnest($1::text[], $3::int[], $4::int[]) as t(id, s, a)`,
        [bookmarkIds, user, verses.map((v) => v.surah), verses.map((v) => v.ayah)],
      );
    }
    if (noteIds.length) {
      await db.query(
        `insert into user_notes (id, user_id, body, ranges, created_at, updated_at)
         select id, $2, 'benchmark note number ' || n, '["1:1-1:1"]'::jsonb, now(), now() from unnest($1::text[]) with ordinality as t(id, n)`,
        [noteIds, user],
      );
      await db.query(`insert into user_note_ranges (note_id, user_id, from_verse, to_verse) select id, $2, 1, 1 from unnest($1::text[]) as t(id)`, [
        noteIds,
        user,
      ]);
    }
    await db.query(
      `insert into user_changes (user_id, resource, resource_id, timestamp, created_ts, deleted)
       select $2, case when n <= $4 then 'BOOKMARK' else 'NOTE' end, id, $3::bigint + n, $3::bigint + n, false from unnest($1::text[]) with ordinality as t(id, n)`,
      [ids, user, ts, bookmarkIds.length],
    );
    ts += count + 1;
    await db.query('update user_heads set head = $2 where user_id = $1', [user, ts]);
    await db.query('commit');
  }
  return (performance.now() - start) / 1000;
}

await main();
