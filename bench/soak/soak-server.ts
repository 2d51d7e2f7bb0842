import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createPostgresSchema } from '@quran-sync/server/testing';

/**
 * The server under soak: the real `quran-sync serve` in its own process (so the memory measured is the
 * server's, not the load generator's), on PostgreSQL when `QS_TEST_DATABASE_URL` or `DATABASE_URL` is set
 * (a private schema, dropped at the end), else on the embedded database in a temporary data directory.
 */
const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const BIN = path.join(REPO, 'packages/cli/src/bin.ts');
const LIVE_HEAP_PROBE = path.join(REPO, 'bench/soak/live-heap-probe.ts');

export interface SoakServer {
  readonly url: string;
  readonly dataDir: string;
  readonly backend: string;
  readonly child: ChildProcess;
  /** Heap in use after a full collection, sampled by live-heap-probe.ts inside the server. */
  readonly liveHeap: ReadonlyArray<{ readonly epochMs: number; readonly bytes: number }>;
  stop(): Promise<void>;
}

export async function startSoakServer(env: Record<string, string>): Promise<SoakServer> {
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'qs-soak-'));
  const pgUrl = process.env.QS_TEST_DATABASE_URL || process.env.DATABASE_URL || null;
  const schema = pgUrl ? await createPostgresSchema(pgUrl, 'soak') : null;
  const childEnv: NodeJS.ProcessEnv = { ...process.env, LOG_LEVEL: 'warn', ...env };
  for (const name of ['DATABASE_URL', 'QS_DB_SEARCH_PATH', 'QS_DATA_DIR', 'QS_SIGNING_KEYS_FILE', 'PORT', 'HOST']) delete childEnv[name];
  if (pgUrl && schema) Object.assign(childEnv, { DATABASE_URL: pgUrl, QS_DB_SEARCH_PATH: schema.schema });

  const child = spawn(
    process.execPath,
    ['--expose-gc', '--conditions=source', '--import', 'tsx', '--import', LIVE_HEAP_PROBE, BIN, 'serve', '--port', '0', '--data-dir', dataDir],
    { cwd: REPO, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stderr = '';
  const liveHeap: Array<{ epochMs: number; bytes: number }> = [];
  let partial = '';
  child.stdout!.on('data', (d: Buffer) => {
    const lines = (partial + d.toString()).split('\n');
    partial = lines.pop()!.slice(-10_000);
    for (const line of lines) {
      const match = /^qs-soak-live-heap (\d+) (\d+)$/.exec(line);
      if (match) liveHeap.push({ epochMs: Number(match[1]), bytes: Number(match[2]) });
    }
  });
  child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-20_000)));
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`server did not start; stderr:\n${stderr}`)), 180_000);
    child.on('exit', (code) => reject(new Error(`server exited with ${code}; stderr:\n${stderr}`)));
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const match = /listening on (http:\/\/[^\s"]+)/.exec(out);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
      if (out.length > 100_000) out = out.slice(-1000);
    });
  });
  return {
    url,
    dataDir,
    backend: pgUrl ? `PostgreSQL (schema ${schema!.schema})` : 'embedded PGlite',
    child,
    liveHeap,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 15_000))]);
        if (child.exitCode === null) child.kill('SIGKILL');
      }
      await schema?.drop().catch(() => {});
      await fs.rm(dataDir, { recursive: true, force: true });
    },
  };
}
