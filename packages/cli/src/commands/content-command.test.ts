import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '@quran-sync/server/testing';
import { runCliInProcess } from '../testing/cli-harness.js';

/** `quran-sync content …` against a real running server, both credential paths. */
describe('quran-sync content', () => {
  let server: TestServer;
  let dir: string;
  beforeAll(async () => {
    server = await startTestServer({ createDevCredentials: true });
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'qs-content-cli-'));
  });
  afterAll(async () => {
    await server?.close();
    await fs.rm(dir, { recursive: true, force: true });
  });

  async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
    const { code, stdout, stderr } = await runCliInProcess(args);
    return { code, out: stdout, err: stderr };
  }

  it('creates a resource, loads rows, invalidates and compacts with --client/--secret', async () => {
    const auth = ['--url', server.url, '--client', 'dev-client', '--secret', 'dev-secret'];
    const put = await cli(['content', 'put', 'translations', '19', '--metadata', '{"name":"Test"}', ...auth]);
    expect(put.err).toBe('');
    expect(put.code).toBe(0);
    expect(JSON.parse(put.out).resource).toMatchObject({ resource_group: 'translations', resource_id: 19, status: 'public', metadata: { name: 'Test' } });

    const file = path.join(dir, 'rows.json');
    await fs.writeFile(
      file,
      JSON.stringify({
        upsert: [
          { id: 1, verse_key: '1:1', text: 'one' },
          { id: 2, verse_key: '1:2', text: 'two' },
        ],
      }),
    );
    const rows = await cli(['content', 'rows', 'translations', '19', '--file', file, ...auth]);
    expect(rows.code).toBe(0);
    expect(JSON.parse(rows.out).sequences).toHaveLength(2);

    expect((await cli(['content', 'invalidate', 'translations', '19', ...auth])).code).toBe(0);
    const show = await cli(['content', 'show', 'translations', '19', ...auth]);
    expect(JSON.parse(show.out)).toMatchObject({ row_count: 2, status: 'public' });
    const compact = await cli(['content', 'compact', ...auth]);
    expect(Object.keys(JSON.parse(compact.out))).toContain('superseded_removed');
  });

  it('works with --token, and reports server errors with a non-zero exit', async () => {
    const token = await server.mintToken({ userId: null, clientId: 'editor', scopes: ['content.write'] });
    const hide = await cli(['content', 'put', 'tafsirs', '5', '--status', 'hidden', '--url', server.url, '--token', token]);
    expect(hide.err).toBe('');
    expect(hide.code).toBe(0);
    expect(JSON.parse(hide.out).resource.status).toBe('hidden');
    const bad = await cli(['content', 'put', 'videos', '5', '--url', server.url, '--token', token]);
    expect(bad.code).toBe(1);
    expect(bad.err).toContain('422');
    const weak = await server.mintToken({ userId: null, clientId: 'reader', scopes: ['content'] });
    const denied = await cli(['content', 'compact', '--url', server.url, '--token', weak]);
    expect(denied.code).toBe(1);
    expect(denied.err).toContain('403');
    const none = await cli(['content', 'compact', '--url', server.url]);
    expect(none.code).toBe(1);
  });

  it('documents itself', async () => {
    const help = await cli(['content', 'put', '--help']);
    expect(help.out).toContain('--status <status>');
    expect(help.out).toContain('--resource-content-id');
  });
});
