import { OAuth2IntrospectionResponse } from '@quran-sync/protocol';
import { Value } from '@sinclair/typebox/value';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestClient, createTestUser, loginForTokens, startTestServer, tokenRequest, type TestServer } from '../../testing/index.js';

const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;

describe('POST /oauth2/introspect', () => {
  let server: TestServer;
  let other: TestServer;
  const introspect = async (
    token: string,
    auth: Record<string, string> = { authorization: basic('resource', 'resource-secret') },
    extra: Record<string, string> = {},
  ) => {
    const res = await fetch(`${server.url}/oauth2/introspect`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...auth },
      body: new URLSearchParams({ token, ...extra }),
    });
    return { status: res.status, headers: res.headers, body: (await res.json()) as OAuth2IntrospectionResponse & Record<string, unknown> };
  };

  beforeAll(async () => {
    server = await startTestServer();
    other = await startTestServer();
    await createTestClient(server.ctx.db, { id: 'resource', secret: 'resource-secret', scopes: 'content', grantTypes: ['client_credentials'] });
    await createTestClient(server.ctx.db, { id: 'app', secret: 'app-secret', scopes: 'content bookmark offline_access' });
    await createTestClient(server.ctx.db, { id: 'spa', scopes: 'bookmark offline_access' });
    await createTestUser(server.ctx.db, 'maryam');
  });
  afterAll(async () => {
    await other?.close();
    await server?.close();
  });

  it('describes an active user access token to any confidential client', async () => {
    const tokens = await loginForTokens(server.url, {
      clientId: 'app',
      clientSecret: 'app-secret',
      scope: 'bookmark offline_access',
      username: 'maryam',
      password: 'correct horse battery',
    });
    const { status, headers, body } = await introspect(tokens.access_token);
    expect(status).toBe(200);
    expect(headers.get('cache-control')).toBe('no-store');
    expect(Value.Check(OAuth2IntrospectionResponse, body)).toBe(true);
    const user = await server.ctx.db.selectFrom('users').select('id').where('username', '=', 'maryam').executeTakeFirstOrThrow();
    expect(body).toMatchObject({
      active: true,
      sub: user.id,
      client_id: 'app',
      scope: 'bookmark offline_access',
      exp: tokens.expires_at,
      token_type: 'bearer',
      token_use: 'access_token',
      iss: server.ctx.config.issuer,
    });
    expect(typeof body.iat).toBe('number');
    expect(typeof body.jti).toBe('string');
    expect(body.gty).toBeUndefined();
  });

  it('marks client-credentials tokens with gty and sub = client id', async () => {
    const res = await tokenRequest(server.url, { grant_type: 'client_credentials', scope: 'content' }, { clientId: 'app', clientSecret: 'app-secret' });
    const { access_token } = (await res.json()) as { access_token: string };
    const { body } = await introspect(access_token);
    expect(body).toMatchObject({ active: true, sub: 'app', client_id: 'app', scope: 'content', gty: 'client_credentials' });
  });

  it('describes a refresh token only to the client holding it', async () => {
    const tokens = await loginForTokens(server.url, {
      clientId: 'app',
      clientSecret: 'app-secret',
      scope: 'bookmark offline_access',
      username: 'maryam',
      password: 'correct horse battery',
    });
    const own = await introspect(tokens.refresh_token!, { authorization: basic('app', 'app-secret') }, { token_type_hint: 'refresh_token' });
    expect(own.body).toMatchObject({
      active: true,
      client_id: 'app',
      scope: 'bookmark offline_access',
      token_type: 'refresh_token',
      token_use: 'refresh_token',
    });
    expect(own.body.exp).toBeGreaterThan(Date.now() / 1000 + 86_400);
    expect((await introspect(tokens.refresh_token!)).body).toEqual({ active: false });
  });

  it('answers exactly {"active": false} for revoked, expired, rotated, foreign and garbage tokens', async () => {
    const now = Math.floor(Date.now() / 1000);
    const expired = await server.mintToken({ userId: 'u', clientId: 'app', scopes: ['bookmark'], ttlSeconds: 60, issuedAt: now - 600 });
    const foreign = await other.mintToken({ userId: 'u', clientId: 'app', scopes: ['bookmark'] });
    const revokedTokens = await loginForTokens(server.url, {
      clientId: 'spa',
      scope: 'bookmark offline_access',
      username: 'maryam',
      password: 'correct horse battery',
    });
    await fetch(`${server.url}/oauth2/revoke`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: revokedTokens.refresh_token!, client_id: 'spa' }),
    });
    const rotatedTokens = await loginForTokens(server.url, {
      clientId: 'app',
      clientSecret: 'app-secret',
      scope: 'bookmark offline_access',
      username: 'maryam',
      password: 'correct horse battery',
    });
    const rotate = await tokenRequest(
      server.url,
      { grant_type: 'refresh_token', refresh_token: rotatedTokens.refresh_token! },
      { clientId: 'app', clientSecret: 'app-secret' },
    );
    expect(rotate.status).toBe(200);

    for (const token of [expired, foreign, revokedTokens.access_token, 'garbage', 'a.b.c', 'x'.repeat(5000)]) {
      const { status, body } = await introspect(token);
      expect(status).toBe(200);
      expect(body).toEqual({ active: false });
    }
    expect((await introspect(rotatedTokens.refresh_token!, { authorization: basic('app', 'app-secret') })).body).toEqual({ active: false });
  });

  it('requires an authenticated confidential client', async () => {
    const token = await server.mintToken({ userId: null, clientId: 'app', scopes: ['content'] });
    const none = await introspect(token, {});
    expect(none.status).toBe(401);
    expect(none.body).toMatchObject({ error: 'invalid_client', status_code: 401 });
    const wrong = await introspect(token, { authorization: basic('resource', 'nope-nope') });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('www-authenticate')).toMatch(/^Basic /);
    const publicClient = await fetch(`${server.url}/oauth2/introspect`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token, client_id: 'spa' }),
    });
    expect(publicClient.status).toBe(401);
    const posted = await fetch(`${server.url}/oauth2/introspect`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token, client_id: 'resource', client_secret: 'resource-secret' }),
    });
    expect(posted.status).toBe(200);
    expect(((await posted.json()) as { active: boolean }).active).toBe(true);
  });

  it('answers a missing token with invalid_request', async () => {
    const res = await fetch(`${server.url}/oauth2/introspect`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic('resource', 'resource-secret') },
      body: '',
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: 'invalid_request', status_code: 400 });
  });

  it('is what @quranjs/api 3.10 calls for oauth2.introspect', async () => {
    const { createServerClient } = await import('@quranjs/api/server');
    const token = await server.mintToken({ userId: null, clientId: 'app', scopes: ['content'] });
    const client = createServerClient({
      clientId: 'resource',
      clientSecret: 'resource-secret',
      services: { gatewayUrl: server.url, tokenHost: server.url, oauth2BaseUrl: server.url },
    });
    // The SDK camel-cases response keys.
    expect(await client.oauth2.v1.introspect(token)).toMatchObject({ active: true, clientId: 'app', scope: 'content' });
  });
});
