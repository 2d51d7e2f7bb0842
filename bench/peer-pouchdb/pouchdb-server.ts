/**
 * Child process: the peer, a CouchDB-protocol server (express-pouchdb over PouchDB 9 on LevelDB), as
 * `pouchdb-server` runs it. Argument: data directory. Env QS_BENCH_POUCH_LOAD: an NDJSON file of documents
 * to load into the database `translations` before listening (one document per content row, the same rows
 * our server serves). Prints `{"url": …}` when ready.
 */
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import expressPouchDB from 'express-pouchdb';
import PouchDB from 'pouchdb';

const dir = process.argv[2]!;
fs.mkdirSync(dir, { recursive: true });
const Pouch = PouchDB.defaults({ prefix: `${dir}/` });

const load = process.env.QS_BENCH_POUCH_LOAD;
if (load) {
  const db = new Pouch('translations');
  let batch: object[] = [];
  const lines = readline.createInterface({ input: fs.createReadStream(load) });
  for await (const line of lines) {
    if (!line) continue;
    batch.push(JSON.parse(line) as object);
    if (batch.length === 5_000) {
      await db.bulkDocs(batch);
      batch = [];
    }
  }
  if (batch.length) await db.bulkDocs(batch);
  await db.close();
}

const app = expressPouchDB(Pouch, { mode: 'minimumForPouchDB', inMemoryConfig: true, logPath: path.join(dir, 'log.txt') });
const server = app.listen(0, '127.0.0.1', () => {
  const address = server.address() as { port: number };
  process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${address.port}`, pid: process.pid })}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
