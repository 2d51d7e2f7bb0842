import os from 'node:os';
import path from 'node:path';
import { DEV_CLIENT_ID, DEV_CLIENT_SECRET, DEV_PASSWORD, DEV_USERNAME, redactUrl, SERVER_VERSION, type ServerConfig } from '@quran-sync/server';

/** What a person needs once the server is ready: where it is, how to sign in, how to get a token. */
export interface ServeBanner {
  readonly url: string;
  readonly docsUrl: string;
  readonly readerUrl: string | null;
  readonly database: string;
  readonly workers: number;
  /** Present while the server creates the development credentials (`QS_DEV_CREDENTIALS`, on for the embedded database). */
  readonly devCredentials: { readonly client: string; readonly secret: string; readonly user: string; readonly password: string } | null;
  /** A `quran-sync token` command that signs a user token for this server, or null when tokens come from elsewhere. */
  readonly tokenCommand: string | null;
}

const USER_SCOPES = 'sync bookmark collection note reading_session preference';
const DEFAULT_DATA_DIR = path.resolve('.quran-sync');

export function serveBanner(config: ServerConfig, url: string): ServeBanner {
  const base = config.publicUrl ?? url;
  const builtin = config.auth.mode === 'builtin';
  const devCredentials =
    builtin && config.createDevCredentials ? { client: DEV_CLIENT_ID, secret: DEV_CLIENT_SECRET, user: DEV_USERNAME, password: DEV_PASSWORD } : null;
  return {
    url: base,
    docsUrl: `${base}/docs`,
    readerUrl: config.readerDir ? `${base}/reader/` : null,
    database: config.database.kind === 'postgres' ? redactUrl(config.database.url) : `embedded, in ${displayPath(config.dataDir)}`,
    workers: config.workers,
    devCredentials,
    tokenCommand: builtin ? tokenCommand(config, devCredentials !== null) : null,
  };
}

/** The command as the person would type it here: no options that only repeat the defaults. */
function tokenCommand(config: ServerConfig, devUser: boolean): string {
  const defaultKeys = path.join(config.dataDir, 'keys.json');
  const where =
    config.signingKeysFile !== defaultKeys
      ? ` --keys-file ${quote(displayPath(config.signingKeysFile))}`
      : config.dataDir !== DEFAULT_DATA_DIR
        ? ` --data-dir ${quote(displayPath(config.dataDir))}`
        : '';
  return `npx quran-sync token --user ${devUser ? DEV_USERNAME : '<user id>'} --scopes "${USER_SCOPES}"${where}`;
}

function displayPath(p: string): string {
  const relative = path.relative(process.cwd(), p);
  if (relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative)) return `./${relative}`;
  const home = os.homedir();
  return p.startsWith(`${home}${path.sep}`) ? `~${p.slice(home.length)}` : p;
}

function quote(text: string): string {
  return /^[\w./~:@-]+$/.test(text) ? text : `'${text.replaceAll("'", `'\\''`)}'`;
}

/** The banner as plain text, for a terminal. */
export function formatBanner(banner: ServeBanner): string {
  const rows: Array<[string, string]> = [
    ['API', banner.url],
    ['API docs', `${banner.docsUrl}   (OpenAPI: ${banner.url}/openapi.json)`],
  ];
  if (banner.readerUrl)
    rows.push([
      'Reader',
      `${banner.readerUrl}${banner.devCredentials ? `   (sign in as ${banner.devCredentials.user} / ${banner.devCredentials.password})` : ''}`,
    ]);
  rows.push(['Database', `${banner.database}${banner.workers > 1 ? `, ${banner.workers} server processes` : ''}`]);
  if (banner.devCredentials) {
    const dev = banner.devCredentials;
    rows.push(['Dev client', `${dev.client} / ${dev.secret} (every scope)`]);
    rows.push(['Dev user', `${dev.user} / ${dev.password}`]);
  }
  if (banner.tokenCommand) rows.push(['User token', banner.tokenCommand]);
  const width = Math.max(...rows.map(([label]) => label.length));
  const lines = [`quran-sync ${SERVER_VERSION} listening on ${banner.url}`, ...rows.map(([label, value]) => `  ${label.padEnd(width)}  ${value}`)];
  if (banner.devCredentials) lines.push('  The dev credentials let anyone in: QS_DEV_CREDENTIALS=false on a shared or public server.');
  lines.push('  Stop with Ctrl-C.');
  return `\n${lines.join('\n')}\n\n`;
}

/**
 * The banner as one JSON line shaped like the server's log lines (pino's `level`, `time`, `pid`, `hostname`,
 * `msg`), for when stdout is not a terminal and carries a JSON log stream. Written whatever LOG_LEVEL says:
 * it is the command's answer that the server is up, not a log message.
 */
export function bannerLogLine(banner: ServeBanner): string {
  const { devCredentials, ...rest } = banner;
  return `${JSON.stringify({
    level: 30,
    time: Date.now(),
    pid: process.pid,
    hostname: os.hostname(),
    msg: `quran-sync listening on ${banner.url}`,
    ...rest,
    devCredentials: devCredentials !== null,
  })}\n`;
}

/** Prints the banner once the server is ready: plain text on a terminal, one JSON line otherwise. */
export function printBanner(banner: ServeBanner, out: NodeJS.WriteStream = process.stdout): void {
  out.write(out.isTTY ? formatBanner(banner) : bannerLogLine(banner));
}
