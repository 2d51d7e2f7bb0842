/**
 * Child process: the Quran Sync server on PostgreSQL with production defaults (rate limits and overload
 * shedding on), logging off. Env: QS_BENCH_DATABASE_URL, QS_BENCH_SCHEMA (must exist), QS_BENCH_KEYS_FILE,
 * QS_BENCH_ISSUER, QS_BENCH_SEED=1 to seed the bundled content on start, QS_BENCH_SNAPSHOT_CACHE_MB (0: every
 * snapshot built from the database). Prints `{"url": …}` when ready.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildApp, resolveServerConfig } from '@quran-sync/server';

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'qs-bench-server-'));
const config = resolveServerConfig(
  {
    host: '127.0.0.1',
    port: 0,
    dataDir,
    databaseUrl: process.env.QS_BENCH_DATABASE_URL!,
    databaseSearchPath: process.env.QS_BENCH_SCHEMA!,
    signingKeysFile: process.env.QS_BENCH_KEYS_FILE!,
    issuer: process.env.QS_BENCH_ISSUER!,
    seedOnStart: process.env.QS_BENCH_SEED === '1',
    createDevCredentials: false,
    logLevel: 'silent',
    // Generous limits: a benchmark client is one client id hammering the server on purpose.
    rateLimit: { perClient: 1_000_000_000, perUser: 1_000_000_000 },
  },
  {
    ...(process.env.QS_BENCH_SNAPSHOT_CACHE_MB === undefined ? {} : { QS_SNAPSHOT_CACHE_MB: process.env.QS_BENCH_SNAPSHOT_CACHE_MB }),
    ...(process.env.QS_BENCH_DB_POOL_SIZE === undefined ? {} : { QS_DB_POOL_SIZE: process.env.QS_BENCH_DB_POOL_SIZE }),
  },
);
const app = await buildApp(config);
const url = await app.listen();
process.stdout.write(`${JSON.stringify({ url, pid: process.pid })}\n`);
process.on('SIGTERM', () => {
  void app.close().finally(() => {
    fs.rmSync(dataDir, { recursive: true, force: true });
    process.exit(0);
  });
});
