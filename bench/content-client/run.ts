/**
 * Content sync CLIENT benchmark: a full bootstrap of the seeded translations (`translations:*`, ten
 * translations, 62,360 rows) into a SQLite file through `ContentSyncClient`, beside the lower bounds
 * measured in the same run on the same machine:
 *
 * - download: the same snapshots fetched (same concurrency, same `fetch`) and parsed, nothing applied;
 * - store write: the same rows written through `SqliteContentStore.write` (one replace per resource), no
 *   network;
 * - raw insert: the same rows inserted with one prepared better-sqlite3 statement into the same table and
 *   indexes, one transaction per resource — the floor for SQLite itself.
 *
 * The server runs in this process (PGlite by default, or a fresh schema of `QS_TEST_DATABASE_URL`), on a
 * machine shared with other work: read the figures relative to their baselines. `QS_BENCH_RUNS` sets the
 * repetitions of each measurement (default 3; the median is reported).
 *
 * Run: `npm run bench:content-client`.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import Database from 'better-sqlite3';
import { seedContent } from '@quran-sync/server';
import { startTestServer, testPostgresUrl } from '@quran-sync/server/testing';
import { RESOURCE_GROUP_REGISTRY, rowSortKey, parseVerseKey, verseIndex } from '@quran-sync/protocol';
import { ContentSyncClient, type StoredRowInput, type TokenProvider } from '@quran-sync/client';
import { SqliteContentStore, betterSqlite3Database } from '@quran-sync/client/sqlite';
import { median } from '../lib/median.js';

const RUNS = Number(process.env.QS_BENCH_RUNS ?? 3);
const CONCURRENCY = 4;
const FILTER = 'translations:*';

interface Measured {
  readonly seconds: number;
  readonly rows: number;
  readonly bytes: number;
}

async function repeat(fn: () => Promise<Measured>): Promise<Measured> {
  const results: Measured[] = [];
  for (let i = 0; i < RUNS; i++) results.push(await fn());
  const seconds = median(results.map((r) => r.seconds));
  return { ...results[0]!, seconds };
}

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qs-bench-client-'));
  const server = await startTestServer({ logLevel: 'silent' });
  try {
    const t0 = performance.now();
    const seed = await seedContent(server.ctx.db);
    const seedSeconds = (performance.now() - t0) / 1000;
    const accessToken = await server.mintToken({ userId: null, clientId: 'bench', scopes: ['content'] });
    const tokenProvider: TokenProvider = { getToken: async () => ({ accessToken, clientId: 'bench' }), invalidate: () => undefined };
    const headers = { 'x-auth-token': accessToken, 'x-client-id': 'bench' };
    let fileNo = 0;
    const openStore = async () => {
      const db = new Database(path.join(dir, `bench-${++fileNo}.sqlite`));
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      return { db, store: await SqliteContentStore.open(betterSqlite3Database(db)) };
    };

    // 1. The SDK: a full bootstrap into a fresh SQLite file.
    const bootstrap = await repeat(async () => {
      const { store } = await openStore();
      const start = performance.now();
      const summary = await new ContentSyncClient({ baseUrl: server.url, resources: FILTER, store, tokenProvider, snapshotConcurrency: CONCURRENCY }).sync();
      const seconds = (performance.now() - start) / 1000;
      await store.close();
      return { seconds, rows: summary.rowsWritten, bytes: summary.bytes };
    });

    // The resources and their rows, once, for the lower bounds.
    const ids = (
      await server.ctx.db
        .selectFrom('content_resources')
        .select('resource_id')
        .where('resource_group', '=', 'translations')
        .where('status', '=', 'public')
        .orderBy('resource_id')
        .execute()
    ).map((r) => r.resource_id);
    const snapshotUrl = (id: number) => `${server.url}/api/v4/resources/snapshots/translations/${id}`;
    const fetchAll = async (): Promise<{ rows: Record<string, unknown>[][]; bytes: number }> => {
      const rows: Record<string, unknown>[][] = new Array(ids.length);
      let bytes = 0;
      let next = 0;
      await Promise.all(
        Array.from({ length: CONCURRENCY }, async () => {
          while (next < ids.length) {
            const i = next++;
            const buffer = await (await fetch(snapshotUrl(ids[i]!), { headers })).arrayBuffer();
            bytes += buffer.byteLength;
            rows[i] = (JSON.parse(new TextDecoder().decode(buffer)) as { records: Record<string, unknown>[] }).records;
          }
        }),
      );
      return { rows, bytes };
    };

    // 2. Lower bound: download and parse only.
    const download = await repeat(async () => {
      const start = performance.now();
      const { rows, bytes } = await fetchAll();
      return { seconds: (performance.now() - start) / 1000, rows: rows.reduce((n, r) => n + r.length, 0), bytes };
    });

    const { rows: snapshots } = await fetchAll();
    const recordType = RESOURCE_GROUP_REGISTRY.translations.recordTypes[0]!.name;
    const inputs: StoredRowInput[][] = snapshots.map((records) => records.map((data) => ({ recordType, recordKey: String(data.id), data })));
    const totalRows = inputs.reduce((n, r) => n + r.length, 0);

    // 3. Lower bound: the store's write path, no network.
    const storeWrite = await repeat(async () => {
      const { store } = await openStore();
      const start = performance.now();
      for (let i = 0; i < ids.length; i++) {
        await store.write([
          {
            op: 'replaceResource',
            resource: {
              group: 'translations',
              id: ids[i]!,
              resourceContentId: ids[i]!,
              status: 'available',
              unavailableReason: null,
              etag: null,
              sequence: 1,
              changedAt: null,
              freshAt: Date.now(),
            },
            rows: inputs[i]!,
          },
        ]);
      }
      const seconds = (performance.now() - start) / 1000;
      await store.close();
      return { seconds, rows: totalRows, bytes: 0 };
    });

    // 4. Floor: raw prepared inserts into the same table and indexes.
    const rawInsert = await repeat(async () => {
      const { db, store } = await openStore();
      const insert = db.prepare(
        'insert into qs_content_rows (resource_group, resource_id, record_type, record_key, sort_key, verse_index, data) values (?, ?, ?, ?, ?, ?, ?)',
      );
      const start = performance.now();
      for (let i = 0; i < ids.length; i++) {
        db.transaction(() => {
          for (const r of inputs[i]!) {
            const ref = parseVerseKey(r.data.verse_key);
            insert.run(
              'translations',
              ids[i]!,
              r.recordType,
              r.recordKey,
              rowSortKey('translations', r.recordType, r.data),
              ref ? verseIndex(ref) : null,
              JSON.stringify(r.data),
            );
          }
        })();
      }
      const seconds = (performance.now() - start) / 1000;
      await store.close();
      return { seconds, rows: totalRows, bytes: 0 };
    });

    const backend = testPostgresUrl() ? 'PostgreSQL' : 'PGlite';
    const line = (name: string, m: Measured) =>
      `| ${name.padEnd(58)} | ${m.seconds.toFixed(2).padStart(6)} s | ${Math.round(m.rows / m.seconds)
        .toLocaleString('en-US')
        .padStart(9)} rows/s | ${m.bytes ? `${(m.bytes / 1048576 / m.seconds).toFixed(1)} MB/s` : '—'} |`;
    process.stdout.write(
      `\ncontent client benchmark — server on ${backend}, Node ${process.version}, ${os.cpus().length} CPUs; seeded ${seed.resources} resources / ${seed.rows} rows in ${seedSeconds.toFixed(1)} s\n` +
        `bootstrap of ${FILTER}: ${ids.length} resources, ${bootstrap.rows.toLocaleString('en-US')} rows, ${(bootstrap.bytes / 1048576).toFixed(1)} MB of JSON; snapshot concurrency ${CONCURRENCY}; median of ${RUNS}\n\n` +
        `| measurement | wall time | rows/s | JSON |\n|---|---|---|---|\n` +
        `${line('SDK: ContentSyncClient bootstrap into SQLite (file, WAL)', bootstrap)}\n` +
        `${line('lower bound: download + parse the same snapshots only', download)}\n` +
        `${line('lower bound: SqliteContentStore.write of the same rows', storeWrite)}\n` +
        `${line('floor: raw prepared INSERTs, same table and indexes', rawInsert)}\n`,
    );
  } finally {
    await server.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

await main();
