import { execFileSync } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createPostgresSchema, testPostgresUrl } from '@quran-sync/server/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCliProcess, startServeProcess, type ServeProcess } from '../testing/cli-harness.js';

/**
 * `quran-sync serve --workers 2` on PostgreSQL: one URL, two server processes behind it, a crashed one
 * replaced, and all of them stopped by one SIGTERM to the primary.
 */
const ISSUER = 'http://quran-sync.workers-test';

/** Pids of the primary's workers: its child processes running `serve` (not, say, tsx's esbuild service). */
function childPids(pid: number): number[] {
  try {
    return execFileSync('pgrep', ['-P', String(pid), '-f', ' serve '], { encoding: 'utf8' })
      .split('\n')
      .filter(Boolean)
      .map(Number);
  } catch {
    return []; // pgrep exits 1 when there are none
  }
}

async function until<T>(what: string, probe: () => T | undefined, timeoutMs = 30_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe.skipIf(!testPostgresUrl())('quran-sync serve --workers (PostgreSQL: needs QS_TEST_DATABASE_URL)', () => {
  let dataDir: string;
  let schema: Awaited<ReturnType<typeof createPostgresSchema>>;
  let serve: ServeProcess;
  let env: Record<string, string>;
  beforeAll(async () => {
    dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'qs-workers-'));
    schema = await createPostgresSchema(testPostgresUrl()!, 'workers');
    env = { QS_ISSUER: ISSUER, DATABASE_URL: testPostgresUrl()!, QS_DB_SEARCH_PATH: schema.schema };
    serve = await startServeProcess(['--port', '0', '--data-dir', dataDir, '--workers', '2'], { env });
  }, 180_000);
  afterAll(async () => {
    await serve?.stop('SIGKILL');
    await schema?.drop();
    await fs.rm(dataDir, { recursive: true, force: true });
  });

  it('serves one URL from two processes; pushes and pulls over fresh connections (handed to either) agree', async () => {
    expect(childPids(serve.child.pid!)).toHaveLength(2);
    expect(serve.stdout().match(/listening on/g)).toHaveLength(1);
    const minted = await runCliProcess(['token', '--user', 'u1', '--client', 'c1', '--scopes', 'sync bookmark', '--data-dir', dataDir], { env });
    expect(minted.code).toBe(0);
    const headers = { 'x-auth-token': minted.stdout.trim(), 'x-client-id': 'c1', 'content-type': 'application/json', connection: 'close' };
    // A new connection per request: the primary hands connections to the workers in turn.
    const pushed = await fetch(`${serve.url}/v1/sync?lastMutationAt=-1`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ mutations: [{ type: 'CREATE', resource: 'BOOKMARK', data: { type: 'ayah', key: 2, verseNumber: 255, mushaf: 4 } }] }),
    });
    expect(pushed.status).toBe(200);
    const head = Number(pushed.headers.get('x-mutation-at'));
    for (let i = 0; i < 4; i++) {
      const pulled = await fetch(`${serve.url}/v1/sync?mutationsSince=0`, { headers });
      expect(pulled.status).toBe(200);
      const body = (await pulled.json()) as { data: { lastMutationAt: number; mutations: Array<{ resource: string }> } };
      expect(body.data.lastMutationAt).toBe(head);
      expect(body.data.mutations.map((m) => m.resource)).toContain('BOOKMARK');
    }
  });

  it('replaces a worker that dies, and keeps answering meanwhile', async () => {
    const [victim, survivor] = childPids(serve.child.pid!);
    process.kill(victim!, 'SIGKILL');
    // Once the primary has seen the exit, the survivor takes every new connection until the replacement is up.
    await until('the primary to see the exit', () =>
      serve.stderr().includes(`server process ${victim} exited (SIGKILL); starting another`) ? true : undefined,
    );
    for (let i = 0; i < 6; i++) {
      expect((await fetch(`${serve.url}/health`, { headers: { connection: 'close' }, signal: AbortSignal.timeout(10_000) })).status).toBe(200);
    }
    const replaced = await until('a replacement worker', () => {
      const now = childPids(serve.child.pid!);
      return now.length === 2 && !now.includes(victim!) ? now : undefined;
    });
    expect(replaced).toContain(survivor);
  });

  it('stops every worker on one SIGTERM to the primary', async () => {
    const workers = childPids(serve.child.pid!);
    expect(await serve.stop('SIGTERM')).toBe(0);
    for (const pid of workers) expect(() => process.kill(pid, 0)).toThrow();
  });
});
