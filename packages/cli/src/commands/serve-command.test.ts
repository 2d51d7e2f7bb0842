import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCliProcess, startServeProcess, type ServeProcess } from '../testing/cli-harness.js';

/**
 * `quran-sync serve` as a user runs it: a real process on an embedded data directory, seeded and with dev
 * credentials on first start, refusing a second process on the same directory, draining on SIGTERM.
 */
const ISSUER = 'http://quran-sync.serve-test';

describe('quran-sync serve', () => {
  let dataDir: string;
  let serve: ServeProcess;
  beforeAll(async () => {
    dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'qs-serve-'));
    // A fixed issuer: with --port 0 the default one (from host and port) is not known in advance.
    // At the default log level, as a user runs it; stdout is a pipe here, so it carries JSON lines.
    serve = await startServeProcess(['--port', '0', '--data-dir', dataDir, '--lenient-direct-writes'], { env: { QS_ISSUER: ISSUER, LOG_LEVEL: 'info' } });
  }, 180_000);
  afterAll(async () => {
    await serve?.stop('SIGKILL');
    await fs.rm(dataDir, { recursive: true, force: true });
  });

  it('serves the seeded content to the dev client', async () => {
    const token = await fetch(`${serve.url}/oauth2/token`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from('dev-client:dev-secret').toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials&scope=content',
    });
    expect(token.status).toBe(200);
    const { access_token } = (await token.json()) as { access_token: string };
    const sync = await fetch(`${serve.url}/api/v4/resources/sync?resources=translations:*&bootstrap=true&per_page=100`, {
      headers: { 'x-auth-token': access_token, 'x-client-id': 'dev-client' },
    });
    expect(sync.status).toBe(200);
    const body = (await sync.json()) as { sync: { mutations: unknown[] } };
    expect(body.sync.mutations).toHaveLength(10);
  });

  it('accepts direct writes without lastMutationAt under --lenient-direct-writes', async () => {
    // A user token minted offline by the CLI from the server's key file.
    const minted = await runCliProcess(['token', '--user', 'dev', '--client', 'dev-client', '--scopes', 'bookmark', '--data-dir', dataDir], {
      env: { QS_ISSUER: ISSUER },
    });
    expect(minted.code).toBe(0);
    const res = await fetch(`${serve.url}/v1/bookmarks`, {
      method: 'POST',
      headers: { 'x-auth-token': minted.stdout.trim(), 'x-client-id': 'dev-client', 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'ayah', key: 2, verseNumber: 255, mushaf: 4 }),
    });
    expect(res.status).toBe(200);
    expect(Number(res.headers.get('x-mutation-at'))).toBeGreaterThan(0);
  });

  it('announces itself once ready in one JSON line, and logs no line per request by default', async () => {
    const lines = serve.stdout().trim().split('\n');
    // Off a terminal stdout stays a JSON log stream: the banner is one of its lines, not plain text.
    const entries = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    const banners = entries.filter((e) => typeof e.msg === 'string' && e.msg.startsWith('quran-sync listening on '));
    expect(banners).toHaveLength(1);
    expect(banners[0]).toMatchObject({
      level: 30,
      msg: `quran-sync listening on ${serve.url}`,
      url: serve.url,
      docsUrl: `${serve.url}/docs`,
      devCredentials: true,
      tokenCommand: expect.stringMatching(/^npx quran-sync token --user dev --scopes "sync bookmark collection note reading_session preference" --data-dir /),
    });
    // Requests were answered above; none of them left a line.
    expect(entries.filter((e) => e.msg === 'incoming request' || e.msg === 'request completed')).toEqual([]);
  });

  it('refuses a second server on the same data directory with a clear message', async () => {
    await expect(startServeProcess(['--port', '0', '--data-dir', dataDir], { timeoutMs: 60_000 })).rejects.toThrow(/in use by process \d+/);
  });

  it('shuts down gracefully on SIGTERM', async () => {
    expect(await serve.stop('SIGTERM')).toBe(0);
    expect(serve.stderr()).toMatch(/SIGTERM received, shutting down/);
  });
});
