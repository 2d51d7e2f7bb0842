import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findClient } from '../auth/oauth2/client-repository.js';
import { createTestUser, loginForTokens, startTestServer, type TestServer } from '../testing/index.js';
import { ensureReaderClient, READER_CLIENT_ID, READER_SCOPES } from './reader-client.js';
import { READER_PATH } from './reader-routes.js';

/** A stand-in build: the routes serve whatever `apps/reader/dist` holds, so a tiny one is enough here. */
async function fakeReaderBuild(): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'quran-sync-reader-'));
  await fs.mkdir(path.join(dir, 'assets'));
  await fs.writeFile(path.join(dir, 'index.html'), '<!doctype html><title>Reader</title><script type="module" src="/reader/assets/app-1a2b.js"></script>');
  await fs.writeFile(path.join(dir, 'assets', 'app-1a2b.js'), 'console.log("reader")');
  await fs.writeFile(path.join(dir, 'sw.js'), 'self.addEventListener("fetch", () => {})');
  return dir;
}

describe('reader served at /reader/', () => {
  let server: TestServer;
  let dir: string;

  beforeAll(async () => {
    dir = await fakeReaderBuild();
    server = await startTestServer({ readerDir: dir });
    await createTestUser(server.ctx.db, 'reader-user', 'reader-password');
  });
  afterAll(async () => {
    await server.close();
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('serves the page with a strict CSP, revalidated on every load', async () => {
    const res = await fetch(`${server.url}${READER_PATH}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
    expect(await res.text()).toContain('<title>Reader</title>');
    expect(res.headers.get('content-security-policy')).toMatch(/default-src 'self'/);
    expect(res.headers.get('cache-control')).toBe('no-cache');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('caches hashed assets for good, but not the service worker', async () => {
    const asset = await fetch(`${server.url}/reader/assets/app-1a2b.js`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get('cache-control')).toContain('immutable');
    const worker = await fetch(`${server.url}/reader/sw.js`);
    expect(worker.status).toBe(200);
    expect(worker.headers.get('cache-control')).toBe('no-cache');
  });

  it('redirects /reader to /reader/ and answers 404 for unknown files', async () => {
    const res = await fetch(`${server.url}/reader`, { redirect: 'manual' });
    expect(res.status).toBe(301);
    expect(res.headers.get('location')).toBe(READER_PATH);
    expect((await fetch(`${server.url}/reader/missing.js`)).status).toBe(404);
  });

  it('provisions the reader as a public OAuth client', async () => {
    const client = await findClient(server.ctx.db, READER_CLIENT_ID);
    expect(client).not.toBeNull();
    expect(client!.secretHash).toBeNull();
    expect([...client!.grantTypes].sort()).toEqual(['authorization_code', 'refresh_token']);
    expect(client!.redirectUris.some((uri) => /^http:\/\/127\.0\.0\.1:\d+\/reader\/$/.test(uri))).toBe(true);
    expect(client!.allowedScopes).toEqual([...READER_SCOPES]);
  });

  it('grants app_state to a reader client created before the reader asked for it, keeping what an operator changed', async () => {
    // As stored by an earlier release, then narrowed by an operator (no `note`).
    const earlier = READER_SCOPES.filter((s) => s !== 'app_state' && s !== 'note');
    await server.ctx.db.updateTable('oauth_clients').set({ allowed_scopes: earlier, name: 'Our reader' }).where('id', '=', READER_CLIENT_ID).execute();
    await ensureReaderClient(server.ctx);
    await ensureReaderClient(server.ctx);
    const client = await findClient(server.ctx.db, READER_CLIENT_ID);
    expect(client!.allowedScopes).toEqual([...earlier, 'app_state']);
    expect(client!.name).toBe('Our reader');
    await server.ctx.db
      .updateTable('oauth_clients')
      .set({ allowed_scopes: [...READER_SCOPES], name: 'Quran Sync reader' })
      .where('id', '=', READER_CLIENT_ID)
      .execute();
  });

  it('signs in with authorization code + PKCE and no secret, on any loopback port, and refreshes', async () => {
    const redirectUri = `${server.url}${READER_PATH}`;
    const tokens = await loginForTokens(server.url, {
      clientId: READER_CLIENT_ID,
      redirectUri,
      scope: READER_SCOPES.join(' '),
      username: 'reader-user',
      password: 'reader-password',
    });
    expect(tokens.access_token).toBeTruthy();
    expect(tokens.refresh_token).toBeTruthy();
    expect(tokens.scope.split(' ')).toEqual(expect.arrayContaining(['content', 'bookmark', 'note', 'app_state']));
    // The same token reads content and user data.
    const headers = { 'x-auth-token': tokens.access_token, 'x-client-id': READER_CLIENT_ID };
    expect((await fetch(`${server.url}/api/v4/resources/sync?resources=translations:20&bootstrap=true`, { headers })).status).toBe(200);
    expect((await fetch(`${server.url}/v1/sync?mutationsSince=0&metadataOnly=true`, { headers })).status).toBe(200);
    const refreshed = await fetch(`${server.url}/oauth2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: tokens.refresh_token!, client_id: READER_CLIENT_ID }),
    });
    expect(refreshed.status).toBe(200);
  });

  it('is not served, and no client is made, when turned off', async () => {
    const off = await startTestServer({ readerDir: false });
    try {
      expect((await fetch(`${off.url}${READER_PATH}`)).status).toBe(404);
      expect(await findClient(off.ctx.db, READER_CLIENT_ID)).toBeNull();
    } finally {
      await off.close();
    }
  });
});
