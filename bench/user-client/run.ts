/**
 * User-data sync CLIENT benchmark (docs/user-client.md, "Benchmark"): a device with a SQLite store (file, WAL)
 * talking to a real server in this process (PGlite by default, or a fresh schema of `QS_TEST_DATABASE_URL`).
 *
 * - local writes: 10,000 offline edits through the local API (5,000 bookmarks + 5,000 notes), each one store
 *   transaction (record + outbox entry), beside the store alone: the same records and outbox entries written
 *   with `SqliteUserStore.write`, one batch per edit, and raw prepared INSERTs (one transaction per edit);
 * - push: `sync()` of those 10,000 queued edits to the server (100 batches of 100, acks, echo pull, settle),
 *   beside the store-side work alone (the same acks applied as store writes, no network);
 * - pull: `sync()` of a FRESH device pulling the 10,001 resulting mutations (pages of 1,000), beside the raw cost
 *   of the same 10,001 records written into the store (one batch per 1,000, as the pull does).
 *
 * The machine is shared with other work: read figures relative to their baselines. `QS_BENCH_EDITS` changes
 * the size (default 10,000). Run: `npm run bench:user-client`.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import Database from 'better-sqlite3';
import { startTestServer, testPostgresUrl, type TestServer } from '@quran-sync/server/testing';
import { verseAt, newResourceId } from '@quran-sync/protocol';
import { UserSyncClient, type TokenProvider, type UserStoreOp } from '@quran-sync/client';
import { SqliteUserStore, betterSqlite3Database } from '@quran-sync/client/sqlite';

const EDITS = Number(process.env.QS_BENCH_EDITS ?? 10_000);
const SCOPES = ['sync', 'bookmark', 'collection', 'note', 'reading_session', 'preference'];

interface Row {
  readonly measure: string;
  readonly seconds: number;
  readonly items: number;
  readonly note: string;
}

function tokenProvider(server: TestServer, userId: string): TokenProvider {
  let token: Promise<string> | null = null;
  return {
    getToken: async () => ({ accessToken: await (token ??= server.mintToken({ userId, scopes: SCOPES, ttlSeconds: 7200 })), clientId: 'test-client' }),
    invalidate: () => (token = null),
  };
}

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qs-bench-user-client-'));
  const server = await startTestServer({ logLevel: 'silent' });
  let fileCounter = 0;
  const openStore = async () => {
    const db = new Database(path.join(dir, `store-${++fileCounter}.sqlite`));
    db.pragma('journal_mode = WAL');
    return { db, store: await SqliteUserStore.open(betterSqlite3Database(db)) };
  };
  const rows: Row[] = [];
  const time = async (fn: () => Promise<void>): Promise<number> => {
    const start = performance.now();
    await fn();
    return (performance.now() - start) / 1000;
  };
  const bookmarks = Math.ceil(EDITS / 2);
  const notes = EDITS - bookmarks;
  try {
    const user = `bench-${Date.now()}`;
    const { store } = await openStore();
    const device = new UserSyncClient({
      store,
      baseUrl: server.url,
      tokenProvider: tokenProvider(server, user),
      retry: { totalBudgetMs: 600_000 },
      attemptTimeoutMs: 120_000,
    });

    // 1. Local writes through the API.
    const local = await time(async () => {
      for (let i = 0; i < bookmarks; i++) {
        const v = verseAt(i + 1);
        await device.bookmarks.add({ type: 'ayah', key: v.surah, verseNumber: v.ayah });
      }
      for (let i = 0; i < notes; i++) await device.notes.create({ body: `benchmark note number ${i}`, ranges: [`${1 + (i % 114)}:1`] });
    });
    rows.push({ measure: 'SDK: local API, offline edits (record + outbox entry each)', seconds: local, items: EDITS, note: 'SQLite file, WAL' });

    // 1b. The store alone: the same records and entries, one write batch per edit.
    {
      const { store: bare } = await openStore();
      const now = Date.now();
      const opsFor = (i: number): UserStoreOp[] => {
        const id = newResourceId();
        const data =
          i < bookmarks
            ? {
                type: 'ayah',
                bookmarkType: 'ayah',
                key: verseAt(i + 1).surah,
                verseNumber: verseAt(i + 1).ayah,
                mushaf: 4,
                mushafId: 4,
                isReading: false,
                isInDefaultCollection: false,
                clientCreatedAt: null,
                clientUpdatedAt: null,
              }
            : { body: `benchmark note number ${i}`, ranges: ['1:1-1:1'], saveToQR: false, attachedEntities: [] };
        const resource = i < bookmarks ? ('BOOKMARK' as const) : ('NOTE' as const);
        return [
          { op: 'putRecord', record: { resource, id, data, base: null, baseTimestamp: null, naturalKey: i < bookmarks ? `ayah:${i}` : null, updatedAt: now } },
          { op: 'putOutbox', entry: { seq: i + 1, type: 'CREATE', resource, id, sendId: true, data, createdAt: now } },
        ];
      };
      const seconds = await time(async () => {
        for (let i = 0; i < EDITS; i++) await bare.write(opsFor(i));
      });
      rows.push({ measure: 'store alone: SqliteUserStore.write, one batch per edit', seconds, items: EDITS, note: 'same records + entries' });
      await bare.close();
    }
    {
      const { db, store: bare } = await openStore();
      const insertRecord = db.prepare(
        'insert into qs_user_records (resource, id, data, base, base_timestamp, natural_key, updated_at) values (?, ?, ?, null, null, ?, ?)',
      );
      const insertEntry = db.prepare('insert into qs_user_outbox (seq, type, resource, id, send_id, data, created_at) values (?, ?, ?, ?, 1, ?, ?)');
      const seconds = await time(async () => {
        for (let i = 0; i < EDITS; i++) {
          const id = newResourceId();
          const json = JSON.stringify({ body: `benchmark note number ${i}` });
          db.transaction(() => {
            insertRecord.run('NOTE', id, json, null, 0);
            insertEntry.run(i + 1, 'CREATE', 'NOTE', id, json, 0);
          })();
        }
      });
      rows.push({ measure: 'floor: raw prepared INSERTs, one transaction per edit', seconds, items: EDITS, note: 'same tables and indexes' });
      await bare.close();
    }

    // 2a. The server alone (measured first, so it does not profit from a warmer server): equivalent 100-mutation
    // batches POSTed straight over HTTP by another user, each with an Idempotency-Key as the SDK sends.
    {
      const headers = { ...(await server.authHeaders({ userId: `${user}-raw`, scopes: SCOPES })), 'content-type': 'application/json' };
      const mutations = Array.from({ length: EDITS }, (_, i) => {
        if (i < bookmarks) {
          const v = verseAt(i + 1);
          return {
            type: 'CREATE',
            resource: 'BOOKMARK',
            resourceId: newResourceId(),
            data: { type: 'ayah', key: v.surah, verseNumber: v.ayah, mushaf: 4, isReading: false },
          };
        }
        return {
          type: 'CREATE',
          resource: 'NOTE',
          resourceId: newResourceId(),
          data: { body: `benchmark note number ${i}`, ranges: [`${1 + (i % 114)}:1`], saveToQR: false, attachedEntities: [] },
        };
      });
      let head = -1;
      const seconds = await time(async () => {
        for (let i = 0; i < mutations.length; i += 100) {
          const response = await fetch(`${server.url}/v1/sync?lastMutationAt=${head}`, {
            method: 'POST',
            headers: { ...headers, 'idempotency-key': `raw-${i}-${user}` },
            body: JSON.stringify({ mutations: mutations.slice(i, i + 100) }),
          });
          if (!response.ok) throw new Error(`raw push failed: ${response.status} ${await response.text()}`);
          head = ((await response.json()) as { data: { lastMutationAt: number } }).data.lastMutationAt;
        }
      });
      rows.push({ measure: 'server alone: the same batches POSTed over HTTP, no SDK', seconds, items: EDITS, note: 'push floor' });
    }

    // 2b. Push everything queued.
    let pushReport = { batches: 0, pulled: 0 };
    const push = await time(async () => {
      pushReport = await device.sync();
    });
    rows.push({
      measure: 'SDK: sync() pushing the queued edits to the server',
      seconds: push,
      items: EDITS,
      note: `${pushReport.batches} batches of ≤100, echo pull of ${pushReport.pulled}`,
    });
    if ((await device.pendingCount()) !== 0) throw new Error('push left entries queued');

    // 3. A fresh device pulls everything.
    const { store: fresh } = await openStore();
    const second = new UserSyncClient({
      store: fresh,
      baseUrl: server.url,
      tokenProvider: tokenProvider(server, user),
      retry: { totalBudgetMs: 600_000 },
      attemptTimeoutMs: 120_000,
    });
    let pulled = 0;
    const pull = await time(async () => {
      pulled = (await second.sync()).pulled;
    });
    rows.push({ measure: 'SDK: sync() of a fresh device pulling the history', seconds: pull, items: pulled, note: 'pages of 1,000, one store batch each' });

    // 3b. The store alone: the same records, one batch per 1,000.
    {
      const { store: bare } = await openStore();
      const records = await fresh.listRecords('BOOKMARK');
      const all = [...records, ...(await fresh.listRecords('NOTE')), ...(await fresh.listRecords('COLLECTION'))];
      const seconds = await time(async () => {
        for (let i = 0; i < all.length; i += 1000) await bare.write(all.slice(i, i + 1000).map((record) => ({ op: 'putRecord' as const, record })));
      });
      rows.push({ measure: 'store alone: the same records, SqliteUserStore.write per 1,000', seconds, items: all.length, note: 'no network, no rebase' });
      await bare.close();
    }
    await device.close();
    await second.close();

    const backend = testPostgresUrl() ? 'PostgreSQL' : 'PGlite';
    const line = (r: Row) =>
      `| ${r.measure.padEnd(60)} | ${r.items.toLocaleString('en-US').padStart(7)} | ${r.seconds.toFixed(2).padStart(7)} s | ${Math.round(r.items / r.seconds)
        .toLocaleString('en-US')
        .padStart(9)} /s | ${r.note} |`;
    process.stdout.write(
      `\nuser client benchmark (${new Date().toISOString()}) — server on ${backend} in this process, Node ${process.version}, ${os.cpus().length} CPUs\n\n` +
        `| measurement | items | wall time | rate | note |\n|---|---|---|---|---|\n${rows.map(line).join('\n')}\n`,
    );
  } finally {
    await server.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

await main();
