/**
 * Child process: one client-side step of the side-by-side benchmark, timed inside, in a fresh process so
 * its peak RSS is its own. Prints one JSON line `{seconds, items, peakRssMiB, …}`.
 *
 *   ours-content <sqlite file>            ContentSyncClient.sync() of translations:* (bootstrap or incremental)
 *   pouch-content <leveldb dir>           PouchDB.replicate(remote translations → local)
 *   ours-user-edits <sqlite file> <n>     n offline edits through the SDK's local API (untimed setup) …
 *   ours-user-push <sqlite file>          … then sync() pushing them
 *   ours-user-pull <sqlite file>          a fresh device's sync() pulling everything
 *   pouch-user-edits <leveldb dir> <n>    n local PouchDB writes (untimed setup) …
 *   pouch-user-push <leveldb dir>         … then replicate(local → remote userdata)
 *   pouch-user-pull <leveldb dir>         a fresh device replicating (remote userdata → local)
 *   floor-content <sqlite file> <names…>  download prepared snapshot bodies from the bare server, then raw
 *                                         prepared INSERTs of their rows into the store's table
 *   floor-user <sqlite file> <name>       download the prepared pull bytes, then raw INSERTs of the records
 *
 * Env: QS_BENCH_URL (server or proxy), QS_BENCH_TOKEN + QS_BENCH_CLIENT_ID (ours), QS_BENCH_POUCH_DB (the peer's
 * remote user database, default `userdata`).
 */
import { performance } from 'node:perf_hooks';
import Database from 'better-sqlite3';
import PouchDB from 'pouchdb';
import { parseVerseKey, rowSortKey, verseAt, verseIndex } from '@quran-sync/protocol';
import { ContentSyncClient, UserSyncClient, type TokenProvider } from '@quran-sync/client';
import { SqliteContentStore, SqliteUserStore, betterSqlite3Database } from '@quran-sync/client/sqlite';
import { peakRssMiB } from '../lib/processes.js';

const [mode, target, ...rest] = process.argv.slice(2) as [string, string, ...string[]];
const url = process.env.QS_BENCH_URL!;
const tokenProvider: TokenProvider = {
  getToken: async () => ({ accessToken: process.env.QS_BENCH_TOKEN!, clientId: process.env.QS_BENCH_CLIENT_ID! }),
  invalidate: () => undefined,
};

function openSqlite(file: string): Database.Database {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  return db;
}

async function timed<T>(fn: () => Promise<T>): Promise<{ seconds: number; value: T }> {
  const start = performance.now();
  const value = await fn();
  return { seconds: (performance.now() - start) / 1000, value };
}

function done(result: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify({ ...result, peakRssMiB: peakRssMiB() })}\n`);
}

/** The edits a device makes offline: half bookmarks (distinct ayahs), half notes. */
function edit(i: number, n: number): { kind: 'bookmark'; surah: number; ayah: number } | { kind: 'note'; body: string; range: string } {
  const bookmarks = Math.ceil(n / 2);
  if (i < bookmarks) {
    const v = verseAt(i + 1);
    return { kind: 'bookmark', surah: v.surah, ayah: v.ayah };
  }
  return { kind: 'note', body: `benchmark note number ${i}`, range: `${1 + (i % 114)}:1` };
}

async function userClient(file: string): Promise<UserSyncClient> {
  const store = await SqliteUserStore.open(betterSqlite3Database(openSqlite(file)));
  return new UserSyncClient({ store, baseUrl: url, tokenProvider, retry: { totalBudgetMs: 600_000 }, attemptTimeoutMs: 120_000 });
}

switch (mode) {
  case 'ours-content': {
    const store = await SqliteContentStore.open(betterSqlite3Database(openSqlite(target)));
    const { seconds, value } = await timed(() =>
      new ContentSyncClient({ baseUrl: url, resources: 'translations:*', store, tokenProvider, snapshotConcurrency: 4 }).sync(),
    );
    await store.close();
    done({ seconds, items: value.mode === 'bootstrap' ? value.rowsWritten : value.mutationsApplied, mode: value.mode, rows: value.rowsWritten });
    break;
  }
  case 'pouch-content': {
    const local = new PouchDB(target);
    const { seconds, value } = await timed(() => PouchDB.replicate(`${url}/translations`, local));
    await local.close();
    done({ seconds, items: value.docs_written });
    break;
  }
  case 'ours-user-edits': {
    const n = Number(rest[0]);
    const device = await userClient(target);
    const { seconds } = await timed(async () => {
      for (let i = 0; i < n; i++) {
        const e = edit(i, n);
        if (e.kind === 'bookmark') await device.bookmarks.add({ type: 'ayah', key: e.surah, verseNumber: e.ayah });
        else await device.notes.create({ body: e.body, ranges: [e.range] });
      }
    });
    await device.close();
    done({ seconds, items: n });
    break;
  }
  case 'ours-user-push':
  case 'ours-user-pull': {
    const device = await userClient(target);
    const { seconds, value } = await timed(() => device.sync());
    const pending = await device.pendingCount();
    await device.close();
    if (pending !== 0) throw new Error(`${pending} edits still queued`);
    done({ seconds, items: mode === 'ours-user-push' ? value.batches : value.pulled, batches: value.batches, pulled: value.pulled });
    break;
  }
  case 'pouch-user-edits': {
    const n = Number(rest[0]);
    const local = new PouchDB(target);
    const { seconds } = await timed(async () => {
      for (let i = 0; i < n; i++) {
        const e = edit(i, n);
        const now = new Date().toISOString();
        if (e.kind === 'bookmark')
          await local.put({
            _id: `bookmark:ayah:${e.surah}:${e.ayah}:4`,
            type: 'ayah',
            key: e.surah,
            verseNumber: e.ayah,
            mushaf: 4,
            isReading: false,
            clientCreatedAt: now,
            clientUpdatedAt: now,
          });
        else
          await local.put({
            _id: `note:${i}`,
            body: e.body,
            ranges: [`${e.range}-${e.range}`],
            saveToQR: false,
            attachedEntities: [],
            clientCreatedAt: now,
            clientUpdatedAt: now,
          });
      }
    });
    await local.close();
    done({ seconds, items: n });
    break;
  }
  case 'pouch-user-push':
  case 'pouch-user-pull': {
    const local = new PouchDB(target);
    const remote = `${url}/${process.env.QS_BENCH_POUCH_DB ?? 'userdata'}`;
    const { seconds, value } = await timed(() => (mode === 'pouch-user-push' ? PouchDB.replicate(local, remote) : PouchDB.replicate(remote, local)));
    await local.close();
    done({ seconds, items: value.docs_written });
    break;
  }
  case 'floor-content': {
    // Download: the same prepared bodies, same concurrency as the SDK (4), parsed.
    const names = rest;
    const download = await timed(async () => {
      const bodies: Array<{ resource_id: number; records: Array<Record<string, unknown>> }> = new Array(names.length);
      let next = 0;
      await Promise.all(
        Array.from({ length: 4 }, async () => {
          while (next < names.length) {
            const i = next++;
            bodies[i] = JSON.parse(await (await fetch(`${url}/f/${names[i]}`)).text()) as (typeof bodies)[number];
          }
        }),
      );
      return bodies;
    });
    const db = openSqlite(target);
    await SqliteContentStore.open(betterSqlite3Database(db)); // the store's schema: same table and indexes
    const insert = db.prepare(
      'insert into qs_content_rows (resource_group, resource_id, record_type, record_key, sort_key, verse_index, data) values (?, ?, ?, ?, ?, ?, ?)',
    );
    let rows = 0;
    const inserted = await timed(async () => {
      for (const body of download.value) {
        db.transaction(() => {
          for (const r of body.records) {
            const ref = parseVerseKey(r.verse_key);
            insert.run(
              'translations',
              body.resource_id,
              'translation',
              String(r.id),
              rowSortKey('translations', 'translation', r),
              ref ? verseIndex(ref) : null,
              JSON.stringify(r),
            );
            rows++;
          }
        })();
      }
    });
    db.close();
    done({ seconds: download.seconds + inserted.seconds, downloadSeconds: download.seconds, insertSeconds: inserted.seconds, items: rows });
    break;
  }
  case 'floor-user': {
    const download = await timed(
      async () =>
        JSON.parse(await (await fetch(`${url}/f/${rest[0]}`)).text()) as {
          data: { mutations: Array<{ resource: string; resourceId: string | null; data: unknown }> };
        }[],
    );
    const db = openSqlite(target);
    db.exec('create table records (resource text not null, id text not null, data text not null, primary key (resource, id))');
    const insert = db.prepare('insert into records (resource, id, data) values (?, ?, ?)');
    let items = 0;
    const inserted = await timed(async () => {
      for (const page of download.value) {
        db.transaction(() => {
          for (const m of page.data.mutations) {
            insert.run(m.resource, m.resourceId ?? `${items}`, JSON.stringify(m.data));
            items++;
          }
        })();
      }
    });
    db.close();
    done({ seconds: download.seconds + inserted.seconds, downloadSeconds: download.seconds, insertSeconds: inserted.seconds, items });
    break;
  }
  default:
    throw new Error(`unknown mode ${mode}`);
}
