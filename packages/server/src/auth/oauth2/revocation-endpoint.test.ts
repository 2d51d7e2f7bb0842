import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestClient, createTestUser, loginForTokens, startTestServer, tokenRequest, type TestServer } from '../../testing/index.js';

const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
const PASSWORD = 'correct horse battery';

describe('POST /oauth2/revoke', () => {
  let server: TestServer;
  let peer: TestServer;
  const revoke = (token: string, auth: { authorization?: string; client_id?: string; client_secret?: string }, hint?: string) =>
    fetch(`${server.url}/oauth2/revoke`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...(auth.authorization ? { authorization: auth.authorization } : {}) },
      body: new URLSearchParams({
        token,
        ...(hint ? { token_type_hint: hint } : {}),
        ...(auth.client_id ? { client_id: auth.client_id } : {}),
        ...(auth.client_secret ? { client_secret: auth.client_secret } : {}),
      }),
    });
  const userinfo = (base: string, token: string) => fetch(`${base}/userinfo`, { headers: { authorization: `Bearer ${token}` } });
  const login = (clientId: string) =>
    loginForTokens(server.url, {
      clientId,
      ...(clientId === 'app' ? { clientSecret: 'app-secret' } : {}),
      scope: 'openid offline_access',
      username: 'yusuf',
      password: PASSWORD,
    });

  beforeAll(async () => {
    server = await startTestServer();
    // A second node on the same database and keys: it learns revocations from the shared table.
    peer = await startTestServer({ database: server.database, signingKeysFile: server.ctx.config.signingKeysFile });
    await createTestClient(server.ctx.db, { id: 'app', secret: 'app-secret', scopes: 'openid offline_access content' });
    await createTestClient(server.ctx.db, { id: 'spa', scopes: 'openid offline_access' });
    await createTestUser(server.ctx.db, 'yusuf', PASSWORD);
  });
  afterAll(async () => {
    await peer?.close();
    await server?.close();
  });

  it('revoking a refresh token ends the grant: its access tokens and every refresh token of it', async () => {
    const first = await login('spa');
    const rotated = await tokenRequest(server.url, { grant_type: 'refresh_token', refresh_token: first.refresh_token!, client_id: 'spa' });
    const second = (await rotated.json()) as { access_token: string; refresh_token: string };
    const unrelated = await login('spa');
    expect((await userinfo(server.url, second.access_token)).status).toBe(200);
    expect((await userinfo(peer.url, second.access_token)).status).toBe(200);

    const res = await revoke(second.refresh_token, { client_id: 'spa' }, 'refresh_token');
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('');

    for (const token of [first.access_token, second.access_token]) expect((await userinfo(server.url, token)).status).toBe(401);
    const refresh = await tokenRequest(server.url, { grant_type: 'refresh_token', refresh_token: second.refresh_token, client_id: 'spa' });
    expect(refresh.status).toBe(400);
    // Another login of the same user is untouched.
    expect((await userinfo(server.url, unrelated.access_token)).status).toBe(200);

    // The other node keeps accepting the access token only until it reloads the list (every 5 s in production).
    await peer.ctx.revocations!.refresh();
    expect((await userinfo(peer.url, second.access_token)).status).toBe(401);
    expect((await userinfo(peer.url, unrelated.access_token)).status).toBe(200);
  });

  it('revoking an access token revokes that token only', async () => {
    const tokens = await login('app');
    const res = await revoke(tokens.access_token, { authorization: basic('app', 'app-secret') });
    expect(res.status).toBe(200);
    expect((await userinfo(server.url, tokens.access_token)).status).toBe(401);
    const refreshed = await tokenRequest(
      server.url,
      { grant_type: 'refresh_token', refresh_token: tokens.refresh_token! },
      { clientId: 'app', clientSecret: 'app-secret' },
    );
    expect(refreshed.status).toBe(200);
    const { access_token } = (await refreshed.json()) as { access_token: string };
    expect((await userinfo(server.url, access_token)).status).toBe(200);
    await peer.ctx.revocations!.refresh();
    expect((await userinfo(peer.url, tokens.access_token)).status).toBe(401);
  });

  it("answers 200 but changes nothing for another client's tokens and for unknown tokens", async () => {
    const tokens = await login('spa');
    expect((await revoke(tokens.refresh_token!, { authorization: basic('app', 'app-secret') })).status).toBe(200);
    expect((await revoke(tokens.access_token, { authorization: basic('app', 'app-secret') })).status).toBe(200);
    expect((await userinfo(server.url, tokens.access_token)).status).toBe(200);
    expect((await tokenRequest(server.url, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token!, client_id: 'spa' })).status).toBe(200);
    for (const token of ['unknown', 'a.b.c']) expect((await revoke(token, { client_id: 'spa' })).status).toBe(200);
  });

  it('authenticates confidential clients and refuses bad credentials with invalid_client', async () => {
    const tokens = await login('app');
    const noSecret = await revoke(tokens.refresh_token!, { client_id: 'app' });
    expect(noSecret.status).toBe(401);
    expect(await noSecret.json()).toMatchObject({ error: 'invalid_client', status_code: 401 });
    const wrong = await revoke(tokens.refresh_token!, { authorization: basic('app', 'wrong-secret') });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('www-authenticate')).toMatch(/^Basic /);
    const posted = await revoke(tokens.refresh_token!, { client_id: 'app', client_secret: 'app-secret' });
    expect(posted.status).toBe(200);
    expect((await userinfo(server.url, tokens.access_token)).status).toBe(401);
    const missing = await revoke('', { client_id: 'spa' });
    expect(missing.status).toBe(400);
    expect(await missing.json()).toMatchObject({ error: 'invalid_request' });
  });

  it('answers invalid_client for client ids that decode to characters no client id has (a NUL among them)', async () => {
    // "%2500" arrives as the id "%00", which the Basic-credential reading form-decodes to a NUL.
    for (const auth of [{ client_id: '%00' }, { authorization: basic('%00', 'x') }, { client_id: 'sp\u0000a' }]) {
      const res = await revoke('some-token', auth);
      expect(res.status).toBe(auth.client_id === 'sp\u0000a' ? 400 : 401);
      expect(await res.json()).toMatchObject({ error: auth.client_id === 'sp\u0000a' ? 'invalid_request' : 'invalid_client' });
    }
  });
});
