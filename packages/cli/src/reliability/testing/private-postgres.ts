import { execFile } from 'node:child_process';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '@quran-sync/server/testing';

const run = promisify(execFile);

/**
 * A PostgreSQL cluster of the test's own, in a temporary directory on a free port, that the test may stop
 * and start at will (the machine's shared cluster must never be stopped: other test files use it). The
 * binaries come from `QS_PG_BIN` or the Debian layout; as root, every command runs as `postgres` (initdb
 * refuses root).
 */
export interface PrivatePostgres {
  readonly url: string;
  readonly port: number;
  /** `fast` disconnects clients and shuts down cleanly; `immediate` is a crash: WAL recovery on next start. */
  stop(mode?: 'fast' | 'immediate'): Promise<void>;
  start(): Promise<void>;
  destroy(): Promise<void>;
}

const CANDIDATE_BIN_DIRS = [
  process.env.QS_PG_BIN,
  '/usr/lib/postgresql/17/bin',
  '/usr/lib/postgresql/16/bin',
  '/usr/lib/postgresql/15/bin',
  '/usr/local/pgsql/bin',
  '/usr/local/bin',
  '/usr/bin',
];

/** The directory holding initdb and pg_ctl, or null when PostgreSQL is not installed here. */
export function postgresBinDir(): string | null {
  for (const dir of CANDIDATE_BIN_DIRS) {
    if (dir && fs.existsSync(path.join(dir, 'initdb')) && fs.existsSync(path.join(dir, 'pg_ctl'))) return dir;
  }
  return null;
}

export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const bin = postgresBinDir();
  if (!bin) throw new Error('PostgreSQL binaries (initdb, pg_ctl) not found; set QS_PG_BIN');
  const root = await fsp.mkdtemp(path.join(os.tmpdir(), 'qs-private-pg-'));
  const asRoot = process.getuid?.() === 0;
  if (asRoot) await run('chown', ['postgres', root]);
  const exec = (command: string, args: string[]) =>
    asRoot ? run('runuser', ['-u', 'postgres', '--', path.join(bin, command), ...args]) : run(path.join(bin, command), args);
  const data = path.join(root, 'data');
  await exec('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--no-sync']);
  const port = await freePort();
  const options = `-p ${port} -k ${root} -c listen_addresses=127.0.0.1 -c max_connections=50`;
  const pg: PrivatePostgres = {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    async start() {
      await exec('pg_ctl', ['-D', data, '-o', options, '-l', path.join(root, 'log'), '-w', '-t', '60', 'start']);
    },
    async stop(mode = 'fast') {
      await exec('pg_ctl', ['-D', data, '-m', mode, '-w', '-t', '60', 'stop']);
    },
    async destroy() {
      await exec('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']).catch(() => {});
      await fsp.rm(root, { recursive: true, force: true });
    },
  };
  await pg.start();
  return pg;
}
