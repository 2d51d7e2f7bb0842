/**
 * Child process: the Quran Sync server on PostgreSQL with production defaults (rate limits and overload
 * shedding on), logging off. Env: QS_BENCH_DATABASE_URL, QS_BENCH_SCHEMA (must exist), QS_BENCH_KEYS_FILE,
 * QS_BENCH_ISSUER, QS_BENCH_SEED=1 to seed the bundled content on start, QS_BENCH_SNAPSHOT_CACHE_MB (0: every
 * snapshot built from the database), QS_BENCH_DB_POOL_SIZE, QS_BENCH_WORKERS (server processes on the port, as
 * `quran-sync serve --workers`; default 1). Prints `{"url": …}` when ready.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildApp, isServerWorker, resolveServerConfig, serveAsWorker, startServerWorkers } from '@quran-sync/server';

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
    ...(process.env.QS_BENCH_WORKERS === undefined ? {} : { QS_WORKERS: process.env.QS_BENCH_WORKERS }),
  },
);
const removeDataDir = () => fs.rmSync(dataDir, { recursive: true, force: true });

if (config.workers > 1 && !isServerWorker()) {
  // As `quran-sync serve --workers N`: prepare once here, then supervise the workers.
  const pool = await startServerWorkers(config, (line) => process.stderr.write(`our-server: ${line}\n`));
  process.stdout.write(`${JSON.stringify({ url: pool.url, pid: process.pid, workers: pool.pids })}\n`);
  process.on('SIGTERM', () => {
    void pool.stop().finally(() => {
      removeDataDir();
      process.exit(0);
    });
  });
} else if (isServerWorker()) {
  // One of those workers: the primary reports the URL.
  const worker = await serveAsWorker(config);
  process.on('SIGTERM', () => void worker.stop().finally(removeDataDir));
} else {
  const app = await buildApp(config);
  const url = await app.listen();
  process.stdout.write(`${JSON.stringify({ url, pid: process.pid })}\n`);
  process.on('SIGTERM', () => {
    void app.close().finally(() => {
      removeDataDir();
      process.exit(0);
    });
  });
}
