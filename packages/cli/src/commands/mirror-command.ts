import Database from 'better-sqlite3';
import { Option, type Command } from 'commander';
import { ClientCredentialsTokenProvider, ContentSyncClient } from '@quran-sync/client';
import { SqliteContentStore, betterSqlite3Database } from '@quran-sync/client/sqlite';
import { MirrorProgress, formatSummary } from './mirror-progress.js';
import { resolveSecretArgument } from './secret-input.js';

interface MirrorFlags {
  url: string;
  client: string;
  secret: string;
  resources: string;
  out: string;
  watch?: boolean;
  interval: string;
  perPage: string;
  concurrency: string;
}

/**
 * `quran-sync mirror`: the content sync SDK as a command — keeps a local SQLite file (schema in
 * docs/content-client.md) in sync with a server for one filter, once or (`--watch`) periodically. App
 * credentials (client_credentials, scope `content`), never the database of the server.
 */
export function registerMirrorCommand(program: Command): void {
  program
    .command('mirror')
    .description('keep a local SQLite copy of public content in sync with a server (content sync client)')
    .addOption(new Option('--url <url>', 'base URL of the server (content and OAuth2)').env('QS_URL').default('http://127.0.0.1:8080'))
    .addOption(new Option('--client <id>', 'OAuth client id allowed scope "content"').env('QS_CLIENT_ID').makeOptionMandatory())
    .addOption(new Option('--secret <secret>', 'client secret; "-" reads it from stdin').env('QS_CLIENT_SECRET').makeOptionMandatory())
    .requiredOption('--resources <filter>', 'resources to mirror, e.g. "translations:20,9001;quran_core:1" or "translations:*"')
    .requiredOption('--out <file>', 'SQLite file to keep in sync (created when missing)')
    .option('--watch', 'keep running and sync again every --interval seconds (Ctrl-C stops)')
    .option('--interval <seconds>', 'seconds between runs with --watch (at most 7 days)', '300')
    .option('--per-page <n>', 'sync page size, 1..100', '100')
    .option('--concurrency <n>', 'snapshots downloaded at once', '4')
    .addHelpText(
      'after',
      `
Examples:
  quran-sync mirror --url http://127.0.0.1:8080 --client reader --secret - \\
      --resources "translations:20;quran_core:1" --out mirror.sqlite
  quran-sync mirror ... --watch --interval 600

A first run downloads every resource (a progress bar on a terminal, plain lines otherwise); later runs
apply only what changed. One summary line per run.`,
    )
    .action(async (flags: MirrorFlags) => {
      const intervalSeconds = positiveInt(flags.interval, '--interval');
      const perPage = positiveInt(flags.perPage, '--per-page');
      const concurrency = positiveInt(flags.concurrency, '--concurrency');
      const secret = await resolveSecretArgument(flags.secret, 'client secret');
      const tokenProvider = new ClientCredentialsTokenProvider({ baseUrl: flags.url, clientId: flags.client, clientSecret: secret, scope: 'content' });

      const db = new Database(flags.out);
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      const store = await SqliteContentStore.open(betterSqlite3Database(db));
      const progress = new MirrorProgress(process.stdout, Boolean(process.stdout.isTTY));
      try {
        // Validates the filter and options before any network traffic.
        const client = new ContentSyncClient({
          baseUrl: flags.url,
          resources: flags.resources,
          store,
          tokenProvider,
          perPage,
          snapshotConcurrency: concurrency,
        });
        client.on('progress', (p) => progress.update(p));
        client.on('retry', (r) => progress.retry(r));
        client.on('synced', (s) => progress.line(formatSummary(s)));
        if (!flags.watch) {
          await client.sync().catch((error: unknown) => {
            throw new Error(describeError(error));
          });
          return;
        }
        client.on('error', (e) => {
          progress.finish();
          process.stderr.write(`${new Date().toISOString().replace(/\.\d+Z$/, 'Z')} sync failed: ${describeError(e)} (will retry)\n`);
        });
        client.start({ intervalMs: intervalSeconds * 1000 });
        await new Promise<void>((resolve) => {
          process.once('SIGINT', resolve);
          process.once('SIGTERM', resolve);
        });
        await client.stop();
      } finally {
        progress.finish();
        await store.close();
      }
    });
}

function positiveInt(value: string, flag: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < 1) throw new Error(`${flag} must be a positive integer (got "${value}")`);
  return n;
}

/** The error's message, with the network cause (`ECONNREFUSED`, …) that `fetch failed` alone hides. */
function describeError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const codes: string[] = [];
  for (let e = (error as { cause?: unknown })?.cause, depth = 0; e && depth < 4; depth++, e = (e as { cause?: unknown }).cause) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && !message.includes(code)) codes.push(code);
  }
  return codes.length > 0 ? `${message} (${codes.join(', ')})` : message;
}
