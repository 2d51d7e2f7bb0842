import { Option, type Command } from 'commander';
import { buildApp, isServerWorker, redactUrl, serveAsWorker, startServerWorkers, type ServerConfig } from '@quran-sync/server';
import { assertPortFree, PortInUseError } from './port-check.js';
import { printBanner, serveBanner } from './serve-banner.js';
import { addDatabaseOptions, configFromFlags, type DatabaseFlags } from './server-options.js';

interface ServeFlags extends DatabaseFlags {
  host: string;
  port: string;
  publicUrl?: string;
  redisUrl?: string;
  lenientDirectWrites?: boolean;
  readerDir?: string;
  workers?: string;
}

export function registerServeCommand(program: Command): void {
  addDatabaseOptions(
    program
      .command('serve')
      .description('migrate the database, then serve every API; prints where to start when ready')
      .addOption(new Option('--host <host>', 'interface to listen on').env('HOST').default('127.0.0.1'))
      .addOption(new Option('--port <port>', 'port to listen on (0: any free port)').env('PORT').default('8080'))
      .addOption(new Option('--public-url <url>', 'base URL clients reach the server at (issuer, discovery links)').env('QS_PUBLIC_URL'))
      .addOption(new Option('--redis-url <url>', 'Redis for rate-limit counters shared by every node').env('REDIS_URL'))
      .addOption(
        new Option('--reader-dir <dir>', "built reader app served at /reader/ (default: this repository's apps/reader/dist when built; false: off)").env(
          'QS_READER_DIR',
        ),
      )
      // No .env(): QS_LENIENT_DIRECT_WRITES is read (and validated as true/false) by resolveServerConfig.
      // No .env(): QS_WORKERS is read (and validated) by resolveServerConfig.
      .addOption(new Option('--workers <n>', 'server processes on the port: a count or auto (one per CPU); more than 1 needs --database-url'))
      .addOption(new Option('--lenient-direct-writes', 'accept direct writes without lastMutationAt (legacy clients; or QS_LENIENT_DIRECT_WRITES=true)')),
  )
    .addHelpText(
      'after',
      `
Without --database-url the server runs on an embedded PostgreSQL (PGlite) kept in --data-dir, seeds the
bundled content on first start, and creates the development OAuth client dev-client / dev-secret (every
scope) and the user dev / dev-password.

More settings are read from the environment: QS_PUBLIC_URL, QS_ISSUER, REDIS_URL, QS_AUTH_MODE
(builtin | jwks | introspection), QS_JWKS_URL, QS_EXTERNAL_ISSUER, QS_EXTERNAL_AUDIENCE,
QS_INTROSPECTION_URL, QS_JWKS_REFETCH_INTERVAL_MS, QS_RATE_LIMIT_PER_CLIENT, QS_RATE_LIMIT_PER_USER,
QS_CLIENT_AUTH_FAILURES_PER_CLIENT, QS_CLIENT_AUTH_FAILURES_PER_ADDRESS, QS_CLIENT_AUTH_FAILURE_WINDOW_MS,
QS_BODY_LIMIT, QS_SEND_TIMEOUT_MS, QS_METRICS_PUBLIC, QS_METRICS_TOKEN, QS_METRICS_PORT, QS_METRICS_HOST,
QS_CONTENT_RETENTION_DAYS, QS_CORS_ORIGINS, QS_APP_STATE_CONFIG (App State collections and limits, a JSON
file; see docs/app-state.md), LOG_LEVEL, QS_LOG_FORMAT (auto | json | pretty; auto: readable lines on a
terminal, JSON lines otherwise), QS_LOG_REQUESTS (a log line per request; by default only at LOG_LEVEL debug
or trace) (see README).

A port another process holds is reported before anything else is done, and the command exits with 1.`,
    )
    .action(async (flags: ServeFlags) => {
      const config = configFromFlags({
        ...flags,
        port: flags.port,
        ...(flags.lenientDirectWrites ? { userSync: { lenientDirectWrites: true } } : {}),
      });
      // One worker of `--workers N`: a whole server on the shared port; the primary prints the URL.
      if (isServerWorker()) return untilStopSignal((await serveAsWorker(config)).stop);
      // Before the database is opened (on a first start: created, migrated and seeded, which takes a while).
      await assertPortFree(config.host, config.port);
      const where = config.database.kind === 'postgres' ? redactUrl(config.database.url) : `embedded database in ${config.database.dataDir}`;
      if (config.workers > 1) return serveWithWorkers(config, where);
      process.stderr.write(`quran-sync: starting on ${where}\n`);
      const server = await buildApp(config);
      const url = await server.listen().catch(async (error: unknown) => {
        // Another process took the port since the check: close the database, or it keeps this process alive.
        await server.close().catch(() => {});
        throw listenError(error, config);
      });
      printBanner(serveBanner(config, url));
      await untilStopSignal(() => server.close());
    });
}

/** The primary of `--workers N`: prepares once, then supervises the workers (server's process/worker-cluster.ts) until a signal. */
async function serveWithWorkers(config: ServerConfig, where: string): Promise<void> {
  process.stderr.write(`quran-sync: starting ${config.workers} server processes on ${where}\n`);
  const pool = await startServerWorkers(config, (line) => process.stderr.write(`quran-sync: ${line}\n`));
  printBanner(serveBanner(config, pool.url));
  await untilStopSignal(() => pool.stop());
}

/** A port taken between the check and the bind gets the same hint as one taken before. */
function listenError(error: unknown, config: ServerConfig): unknown {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'EADDRINUSE' || code === 'EACCES' ? new PortInUseError(config.host, config.port, code) : error;
}

/** Graceful shutdown: stop accepting, drain in-flight requests, close the pool. A second signal forces it. */
function untilStopSignal(close: () => Promise<void>): Promise<void> {
  return new Promise<void>((resolve) => {
    let stopping = false;
    const stop = (signal: NodeJS.Signals): void => {
      if (stopping) {
        process.stderr.write(`quran-sync: ${signal} again, exiting now\n`);
        process.exit(1);
      }
      stopping = true;
      process.stderr.write(`quran-sync: ${signal} received, shutting down\n`);
      close().then(resolve, (error: unknown) => {
        process.stderr.write(`quran-sync: shutdown failed: ${(error as Error).message}\n`);
        resolve();
      });
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}
