import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestClient, startTestServer, type TestServer } from '@quran-sync/server/testing';
import { SqliteContentStore, betterSqlite3Database } from '@quran-sync/client/sqlite';
import { REPO_ROOT, runCliInProcess } from '../testing/cli-harness.js';
import { MirrorProgress, formatSummary } from './mirror-progress.js';

/** `quran-sync mirror` against a real server: a fresh mirror, an incremental run, errors, and --watch in a child process. */
describe('quran-sync mirror', () => {
  let server: TestServer;
  let dir: string;
  let editor: Record<string, string>;
  const admin = async (method: string, p: string, body?: unknown) => {
    const r = await fetch(`${server.url}/admin/v1${p}`, {
      method,
      headers: { ...editor, 'content-type': 'application/json' },
      body: JSON.stringify(body ?? {}),
    });
    if (r.status !== 200) throw new Error(`${method} ${p} → ${r.status} ${await r.text()}`);
  };

  beforeAll(async () => {
    server = await startTestServer();
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'qs-mirror-cli-'));
    editor = await server.authHeaders({ userId: null, clientId: 'editor', scopes: ['content.write'] });
    await createTestClient(server.ctx.db, { id: 'mirror-app', secret: 'mirror-app-secret', scopes: 'content' });
    for (const n of [1, 2]) {
      await admin('PUT', `/resources/translations/${n}`, { metadata: { name: `t${n}` } });
      await admin('POST', `/resources/translations/${n}/rows`, { upsert: [1, 2, 3].map((i) => ({ id: i, verse_key: `1:${i}`, text: `t${n}-${i}` })) });
    }
    await admin('PUT', '/resources/tafsirs/1', {});
  });
  afterAll(async () => {
    await server?.close();
    await fs.rm(dir, { recursive: true, force: true });
  });

  const auth = () => ['--url', server.url, '--client', 'mirror-app', '--secret', 'mirror-app-secret'];

  async function mirrored(file: string): Promise<Record<string, string[]>> {
    const store = await SqliteContentStore.open(betterSqlite3Database(new Database(file, { readonly: false })));
    try {
      const out: Record<string, string[]> = {};
      for (const r of await store.listResources()) out[`${r.group}:${r.id}`] = (await store.listRows(r.group, r.id)).map((row) => String(row.data.text));
      return out;
    } finally {
      await store.close();
    }
  }

  it('creates a mirror, then applies only the changes; plain progress lines and one summary per run off a terminal', async () => {
    const out = path.join(dir, 'mirror.sqlite');
    const first = await runCliInProcess(['mirror', ...auth(), '--resources', 'translations:*', '--out', out]);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    const lines = first.stdout.trim().split('\n');
    expect(lines.at(-2)).toMatch(/^bootstrap: 2\/2 resources, 6 rows, [\d.]+ (B|KB)$/);
    expect(lines.at(-1)).toMatch(
      /^\S+Z bootstrap of translations:\*: 2 resources \(2 downloaded, 0 unchanged\), 6 rows written, 0 removed, .* now at sequence \d+$/,
    );
    expect(await mirrored(out)).toEqual({ 'translations:1': ['t1-1', 't1-2', 't1-3'], 'translations:2': ['t2-1', 't2-2', 't2-3'] });

    await admin('POST', '/resources/translations/2/rows', { upsert: [{ id: 2, verse_key: '1:2', text: 'edited' }] });
    const second = await runCliInProcess(['mirror', ...auth(), '--resources', 'translations:*', '--out', out]);
    expect(second.code).toBe(0);
    expect(second.stdout.trim()).toMatch(
      /^\S+Z incremental sync of translations:\*: 1 change in 1 page, 0 snapshots downloaded, 1 row written, 0 removed, .*$/,
    );
    expect((await mirrored(out))['translations:2']).toEqual(['t2-1', 'edited', 't2-3']);

    const third = await runCliInProcess(['mirror', ...auth(), '--resources', 'translations:*', '--out', out]);
    expect(third.stdout).toMatch(/up to date \(translations:\*\): no changes/);
  });

  it('fails with a clear message and a non-zero exit on bad credentials, a bad filter or bad options', async () => {
    const out = path.join(dir, 'bad.sqlite');
    const badSecret = await runCliInProcess([
      'mirror',
      '--url',
      server.url,
      '--client',
      'mirror-app',
      '--secret',
      'wrong-secret',
      '--resources',
      'translations:*',
      '--out',
      out,
    ]);
    expect(badSecret.code).toBe(1);
    expect(badSecret.stderr).toMatch(/invalid_client/);
    const badFilter = await runCliInProcess(['mirror', ...auth(), '--resources', 'videos:1', '--out', out]);
    expect(badFilter.code).toBe(1);
    expect(badFilter.stderr).toMatch(/unknown resource group "videos"/);
    const badOption = await runCliInProcess(['mirror', ...auth(), '--resources', 'translations:*', '--out', out, '--per-page', 'x']);
    expect(badOption.code).toBe(1);
    expect(badOption.stderr).toMatch(/--per-page must be a positive integer/);
    const missing = await runCliInProcess(['mirror', '--url', server.url, '--resources', 'translations:*', '--out', out]);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toMatch(/--client/);
  });

  it('--watch keeps syncing until interrupted, then exits 0', async () => {
    const out = path.join(dir, 'watch.sqlite');
    const child = spawn(
      process.execPath,
      [
        '--conditions=source',
        '--import',
        'tsx',
        path.join(REPO_ROOT, 'packages/cli/src/bin.ts'),
        'mirror',
        ...auth(),
        '--resources',
        'translations:1;tafsirs:*',
        '--out',
        out,
        '--watch',
        '--interval',
        '1',
      ],
      { cwd: REPO_ROOT },
    );
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no second run; stdout:\n${stdout}\nstderr:\n${stderr}`)), 60_000);
      child.stdout.on('data', (c: Buffer) => {
        stdout += c.toString();
        if ((stdout.match(/now at sequence/g) ?? []).length >= 2) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    child.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(stdout).toMatch(/bootstrap of tafsirs:\*;translations:1: 2 resources/);
    expect(stdout).toMatch(/up to date \(tafsirs:\*;translations:1\)/);
    expect(stderr).toBe('');
    expect(Object.keys(await mirrored(out))).toEqual(['tafsirs:1', 'translations:1']);
  });

  it('draws a progress bar on a terminal and summarises resyncs and unavailable resources', () => {
    let text = '';
    const tty = {
      isTTY: true,
      columns: 120,
      write: (s: string) => ((text += s), true),
      cursorTo: () => true,
      clearLine: () => true,
      moveCursor: () => true,
      on: () => undefined,
      removeListener: () => undefined,
    };
    const p = new MirrorProgress(tty, true);
    const base = {
      mode: 'bootstrap' as const,
      pages: 1,
      mutationsKnown: 4,
      mutationsApplied: 0,
      resourcesTotal: 4,
      snapshotsKnown: 4,
      rowsWritten: 0,
      bytes: 0,
      elapsedMs: 10,
    };
    p.update({ ...base, snapshotsDone: 0 });
    p.update({ ...base, snapshotsDone: 4, rowsWritten: 24944, bytes: 5 * 1024 * 1024 });
    p.finish();
    expect(text).toMatch(/4\/4 resources \| 24,944 rows \| 5\.0 MB \| ETA/);
    const summary = formatSummary(
      {
        mode: 'bootstrap',
        resynced: true,
        filter: 'translations:*',
        pages: 1,
        mutationsApplied: 3,
        snapshotsFetched: 1,
        snapshotsNotModified: 1,
        unavailable: ['translations:7'],
        resourcesRemoved: 2,
        rowsWritten: 10,
        bytes: 2048,
        durationMs: 1500,
        sequence: 42,
        previousSequence: 40,
      },
      new Date('2026-01-02T03:04:05.678Z'),
    );
    expect(summary).toBe(
      '2026-01-02T03:04:05Z resync (the server asked for a fresh bootstrap) of translations:*: 3 resources (1 downloaded, 1 unchanged, 1 unavailable (translations:7)), 10 rows written, 2 removed, 2.0 KB in 1.5 s; now at sequence 42',
    );
  });
});
