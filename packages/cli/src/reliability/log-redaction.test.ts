import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loginForTokens, tokenRequest } from '@quran-sync/server/testing';
import { startServeProcess, type ServeProcess } from '../testing/cli-harness.js';

/**
 * Secrets never reach the logs: the real `quran-sync serve` process at LOG_LEVEL=trace
 * goes through every flow that carries a credential — client secrets (Basic and form), passwords (right
 * and wrong), authorization codes, access tokens (`x-auth-token` and `Authorization: Bearer`), refresh
 * tokens, cookies, introspection and revocation, refused tokens — and its whole stdout is searched for
 * each secret afterwards. The logs must also show the requests (so the check cannot pass on silence).
 */
const DEV = { clientId: 'dev-client', clientSecret: 'dev-secret', username: 'dev', password: 'dev-password' };

// Slow (a real serve process at trace level): runs with QS_SLOW_TESTS=1, as .ci/run's slow step does.
describe.skipIf(process.env.QS_SLOW_TESTS !== '1')('log redaction (real serve process, trace level; slow: needs QS_SLOW_TESTS=1)', () => {
  let dataDir: string;
  let serve: ServeProcess;
  const secrets = new Set<string>([DEV.clientSecret, DEV.password, 'WRONG-PASSWORD-1f9c', 'cookie-secret-77aa', 'garbage.token.4242']);

  beforeAll(async () => {
    dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'qs-logs-'));
    serve = await startServeProcess(['--port', '0', '--data-dir', dataDir], {
      env: { LOG_LEVEL: 'trace', QS_SEED: 'false', QS_ISSUER: 'http://quran-sync.log-test' },
    });
  }, 180_000);
  afterAll(async () => {
    await serve?.stop('SIGKILL');
    await fs.rm(dataDir, { recursive: true, force: true });
  });

  it('logs every request but none of the credentials they carried', async () => {
    const client = await tokenRequest(serve.url, { grant_type: 'client_credentials', scope: 'content' }, DEV);
    expect(client.status).toBe(200);
    const clientToken = ((await client.json()) as { access_token: string }).access_token;
    secrets.add(clientToken);
    // client_secret_post: the secret in the form body.
    const posted = await tokenRequest(serve.url, {
      grant_type: 'client_credentials',
      scope: 'content',
      client_id: DEV.clientId,
      client_secret: DEV.clientSecret,
    });
    expect(posted.status).toBe(200);
    secrets.add(((await posted.json()) as { access_token: string }).access_token);

    const login = await loginForTokens(serve.url, { ...DEV, scope: 'sync bookmark openid offline_access', redirectUri: 'http://127.0.0.1:8080/callback' });
    secrets.add(login.access_token).add(login.refresh_token!).add(login.id_token!);
    const refreshed = await tokenRequest(serve.url, { grant_type: 'refresh_token', refresh_token: login.refresh_token! }, DEV);
    expect(refreshed.status).toBe(200);
    const rotated = (await refreshed.json()) as { access_token: string; refresh_token: string };
    secrets.add(rotated.access_token).add(rotated.refresh_token);

    const headers = { 'x-auth-token': rotated.access_token, 'x-client-id': DEV.clientId, cookie: 'qs_login=cookie-secret-77aa' };
    expect((await fetch(`${serve.url}/v1/sync?mutationsSince=0`, { headers })).status).toBe(200);
    expect(
      (await fetch(`${serve.url}/v1/bookmarks`, { headers: { authorization: `Bearer ${rotated.access_token}`, 'x-client-id': DEV.clientId } })).status,
    ).toBe(200);
    expect(
      (
        await fetch(`${serve.url}/api/v4/resources/sync?resources=translations:*&bootstrap=true`, {
          headers: { 'x-auth-token': clientToken, 'x-client-id': DEV.clientId },
        })
      ).status,
    ).toBe(200);
    expect((await fetch(`${serve.url}/v1/bookmarks`, { headers: { 'x-auth-token': 'garbage.token.4242', 'x-client-id': DEV.clientId } })).status).toBe(401);
    expect((await fetch(`${serve.url}/userinfo`, { headers: { authorization: `Bearer ${rotated.access_token}` } })).status).toBe(200);

    const basic = {
      authorization: `Basic ${Buffer.from(`${DEV.clientId}:${DEV.clientSecret}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    };
    expect(
      (await fetch(`${serve.url}/oauth2/introspect`, { method: 'POST', headers: basic, body: new URLSearchParams({ token: rotated.access_token }) })).status,
    ).toBe(200);
    expect(
      (await fetch(`${serve.url}/oauth2/revoke`, { method: 'POST', headers: basic, body: new URLSearchParams({ token: rotated.refresh_token }) })).status,
    ).toBe(200);
    const wrong = await tokenRequest(serve.url, { grant_type: 'client_credentials' }, { clientId: DEV.clientId, clientSecret: 'WRONG-PASSWORD-1f9c' });
    expect(wrong.status).toBe(401);
    await expect(
      loginForTokens(serve.url, { ...DEV, password: 'WRONG-PASSWORD-1f9c', scope: 'sync', redirectUri: 'http://127.0.0.1:8080/callback' }),
    ).rejects.toThrow();

    // Let the process flush its logs.
    await new Promise((resolve) => setTimeout(resolve, 500));
    // The one deliberate exception: on first start the server warns that the PUBLIC, documented development
    // credentials (dev-client / dev-secret, dev / dev-password) exist, naming them so operators notice.
    const lines = serve
      .stdout()
      .split('\n')
      .filter((l) => l.startsWith('{') && !l.includes('"msg":"created development credentials'));
    const logs = lines.join('\n');
    expect(lines.length).toBeGreaterThan(20);
    expect(lines.some((l) => l.includes('"url":"/v1/sync?mutationsSince=0"'))).toBe(true);
    expect(lines.some((l) => l.includes('/oauth2/token'))).toBe(true);
    const leaked = [...secrets].filter((s) => logs.includes(s) || logs.includes(encodeURIComponent(s)) || logs.includes(Buffer.from(s).toString('base64')));
    expect(leaked.map((s) => `${s.slice(0, 12)}…`)).toEqual([]);
    expect(serve.stderr()).not.toContain(DEV.password);
  });
});
