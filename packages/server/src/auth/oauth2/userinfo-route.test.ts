import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestClient, createTestUser, loginForTokens, startTestServer, type TestServer } from '../../testing/index.js';

describe('GET /userinfo and /oauth2/userinfo', () => {
  let server: TestServer;
  let userId: string;
  let accessToken: string;

  beforeAll(async () => {
    server = await startTestServer();
    await createTestClient(server.ctx.db, { id: 'app', secret: 'app-secret', scopes: 'openid bookmark content' });
    userId = (await createTestUser(server.ctx.db, 'khadija')).id;
    accessToken = (
      await loginForTokens(server.url, {
        clientId: 'app',
        clientSecret: 'app-secret',
        scope: 'openid bookmark',
        username: 'khadija',
        password: 'correct horse battery',
      })
    ).access_token;
  });
  afterAll(async () => {
    await server?.close();
  });

  it('answers sub and preferred_username at both paths, for Bearer and for x-auth-token', async () => {
    for (const path of ['/userinfo', '/oauth2/userinfo']) {
      const bearer = await fetch(`${server.url}${path}`, { headers: { authorization: `Bearer ${accessToken}` } });
      expect(bearer.status).toBe(200);
      expect(await bearer.json()).toEqual({ sub: userId, preferred_username: 'khadija' });
      const qf = await fetch(`${server.url}${path}`, { headers: { 'x-auth-token': accessToken, 'x-client-id': 'app' } });
      expect(qf.status).toBe(200);
    }
  });

  it('answers 401 invalid_token with a Bearer challenge for missing or bad tokens', async () => {
    for (const headers of [{}, { authorization: 'Bearer nope' }] as Array<Record<string, string>>) {
      const res = await fetch(`${server.url}/userinfo`, { headers });
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer realm="quran-sync", error="invalid_token"$/);
      expect(await res.json()).toMatchObject({ error: 'invalid_token', status_code: 401 });
    }
  });

  it('answers 403 insufficient_scope without openid or for a client token, and access_denied for a mismatched x-client-id', async () => {
    const noOpenid = await server.mintToken({ userId, clientId: 'app', scopes: ['bookmark'] });
    const clientToken = await server.mintToken({ userId: null, clientId: 'app', scopes: ['openid'] });
    for (const token of [noOpenid, clientToken]) {
      const res = await fetch(`${server.url}/userinfo`, { headers: { authorization: `Bearer ${token}` } });
      expect(res.status).toBe(403);
      expect(await res.json()).toMatchObject({ error: 'insufficient_scope', status_code: 403 });
    }
    const mismatch = await fetch(`${server.url}/userinfo`, { headers: { authorization: `Bearer ${accessToken}`, 'x-client-id': 'other' } });
    expect(mismatch.status).toBe(403);
    expect(await mismatch.json()).toMatchObject({ error: 'access_denied' });
  });

  it('is what @quranjs/api 3.10 calls for oauth2.getUserInfo', async () => {
    const { createServerClient } = await import('@quranjs/api/server');
    const client = createServerClient({
      clientId: 'app',
      clientSecret: 'app-secret',
      services: { gatewayUrl: server.url, tokenHost: server.url, oauth2BaseUrl: server.url },
    });
    expect(await client.oauth2.v1.getUserInfo(accessToken)).toMatchObject({ sub: userId, preferredUsername: 'khadija' });
  });
});
