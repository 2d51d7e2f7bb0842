import { StandardErrorBody } from '@quran-sync/protocol';
import { Value } from '@sinclair/typebox/value';
import { SignJWT, base64url, decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  GUARDED_ROUTES,
  createTestClient,
  createTestUser,
  loginForTokens,
  startGuardedTestApp,
  startTestServer,
  tokenRequest,
  type GuardedTestApp,
  type TestServer,
} from '../testing/index.js';

/** A standard-envelope error: exactly `{message, type, success: false}` with the status's type. */
async function expectStandardError(res: Response, status: number, type: string): Promise<string> {
  const body = (await res.json()) as { message: string; type: string; success: boolean };
  expect({ status: res.status, type: body.type }).toEqual({ status, type });
  expect(Value.Check(StandardErrorBody, body)).toBe(true);
  expect(Object.keys(body).sort()).toEqual(['message', 'success', 'type']);
  expect(res.headers.get('x-request-id')).toBeTruthy();
  return body.message;
}

describe('auth guard (real verifier of a running built-in issuer)', () => {
  let server: TestServer;
  let other: TestServer;
  let app: GuardedTestApp;
  const get = (path: string, headers: Record<string, string>) => fetch(`${app.url}${path}`, { headers });

  beforeAll(async () => {
    server = await startTestServer();
    other = await startTestServer();
    app = await startGuardedTestApp(server.ctx.verifier);
    await createTestClient(server.ctx.db, { id: 'reader', secret: 'reader-secret', scopes: 'content bookmark openid offline_access' });
    await createTestUser(server.ctx.db, 'hafsa');
  });
  afterAll(async () => {
    await app?.close();
    await other?.close();
    await server?.close();
  });

  it('accepts x-auth-token + x-client-id, and Authorization: Bearer + x-client-id', async () => {
    const token = await server.mintToken({ userId: 'u1', clientId: 'reader', scopes: ['bookmark'] });
    const a = await get(GUARDED_ROUTES.userBookmarks, { 'x-auth-token': token, 'x-client-id': 'reader' });
    expect(a.status).toBe(200);
    expect(await a.json()).toEqual({ userId: 'u1', clientId: 'reader', scopes: ['bookmark'] });
    const b = await get(GUARDED_ROUTES.userBookmarks, { authorization: `Bearer ${token}`, 'x-client-id': 'reader' });
    expect(b.status).toBe(200);
  });

  it('answers 401 for a missing token and for a missing x-client-id', async () => {
    await expectStandardError(await get(GUARDED_ROUTES.content, { 'x-client-id': 'reader' }), 401, 'unauthorized');
    const token = await server.mintToken({ userId: null, clientId: 'reader', scopes: ['content'] });
    const message = await expectStandardError(await get(GUARDED_ROUTES.content, { 'x-auth-token': token }), 401, 'unauthorized');
    expect(message).toMatch(/x-client-id/);
  });

  it('answers 403 when x-client-id names another client than the token', async () => {
    const token = await server.mintToken({ userId: null, clientId: 'reader', scopes: ['content'] });
    const message = await expectStandardError(await get(GUARDED_ROUTES.content, { 'x-auth-token': token, 'x-client-id': 'someone-else' }), 403, 'forbidden');
    expect(message).toMatch(/x-client-id/);
  });

  it('applies parent/child scope semantics', async () => {
    const headersFor = async (scopes: string[], userId: string | null = 'u1') => ({
      'x-auth-token': await server.mintToken({ userId, clientId: 'reader', scopes }),
      'x-client-id': 'reader',
    });
    expect((await get(GUARDED_ROUTES.userBookmarks, await headersFor(['bookmark']))).status).toBe(200);
    expect((await get(GUARDED_ROUTES.userBookmarks, await headersFor(['bookmark.read']))).status).toBe(200);
    await expectStandardError(await get(GUARDED_ROUTES.userBookmarks, await headersFor(['bookmark.create'])), 403, 'forbidden');
    await expectStandardError(await get(GUARDED_ROUTES.userBookmarks, await headersFor(['collection'])), 403, 'forbidden');
    // content.write is an extension scope, never granted through `content`.
    await expectStandardError(await get(GUARDED_ROUTES.editorial, await headersFor(['content'])), 403, 'forbidden');
    expect((await get(GUARDED_ROUTES.editorial, await headersFor(['content.write']))).status).toBe(200);
    // A client-credentials token cannot act for a user.
    await expectStandardError(await get(GUARDED_ROUTES.userBookmarks, await headersFor(['bookmark'], null)), 403, 'forbidden');
    expect((await get(GUARDED_ROUTES.content, await headersFor(['content'], null))).status).toBe(200);
  });

  it('answers 401 for expired, foreign-signed, wrong-issuer, unsigned and malformed tokens', async () => {
    const now = Math.floor(Date.now() / 1000);
    const expired = await server.mintToken({ userId: null, clientId: 'reader', scopes: ['content'], ttlSeconds: 60, issuedAt: now - 3600 });
    expect(await expectStandardError(await get(GUARDED_ROUTES.content, { 'x-auth-token': expired, 'x-client-id': 'reader' }), 401, 'unauthorized')).toMatch(
      /expired/,
    );

    const foreign = await other.mintToken({ userId: null, clientId: 'reader', scopes: ['content'] });
    await expectStandardError(await get(GUARDED_ROUTES.content, { 'x-auth-token': foreign, 'x-client-id': 'reader' }), 401, 'unauthorized');

    const wrongIssuer = await new SignJWT({ client_id: 'reader', scope: 'content', gty: 'client_credentials' })
      .setProtectedHeader({ alg: 'ES256', kid: server.ctx.keys.active.kid, typ: 'at+jwt' })
      .setIssuer('https://evil.example')
      .setSubject('reader')
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(server.ctx.keys.active.privateKey);
    await expectStandardError(await get(GUARDED_ROUTES.content, { 'x-auth-token': wrongIssuer, 'x-client-id': 'reader' }), 401, 'unauthorized');

    const claims = decodeJwt(await server.mintToken({ userId: null, clientId: 'reader', scopes: ['content.write'] }));
    const unsigned = `${base64url.encode(JSON.stringify({ alg: 'none', typ: 'at+jwt' }))}.${base64url.encode(JSON.stringify(claims))}.`;
    await expectStandardError(await get(GUARDED_ROUTES.editorial, { 'x-auth-token': unsigned, 'x-client-id': 'reader' }), 401, 'unauthorized');
    // HS256 "signed" with the public key (the classic algorithm-confusion attack).
    const hs = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'HS256', kid: server.ctx.keys.active.kid, typ: 'at+jwt' })
      .sign(new TextEncoder().encode(JSON.stringify(server.ctx.keys.active.publicJwk)));
    await expectStandardError(await get(GUARDED_ROUTES.editorial, { 'x-auth-token': hs, 'x-client-id': 'reader' }), 401, 'unauthorized');

    await expectStandardError(await get(GUARDED_ROUTES.content, { 'x-auth-token': 'not.a.jwt', 'x-client-id': 'reader' }), 401, 'unauthorized');
  });

  it('refuses an ID token presented as an access token', async () => {
    const tokens = await loginForTokens(server.url, {
      clientId: 'reader',
      clientSecret: 'reader-secret',
      scope: 'bookmark openid',
      username: 'hafsa',
      password: 'correct horse battery',
    });
    expect(tokens.id_token).toBeDefined();
    await expectStandardError(await get(GUARDED_ROUTES.userBookmarks, { 'x-auth-token': tokens.id_token!, 'x-client-id': 'reader' }), 401, 'unauthorized');
    expect((await get(GUARDED_ROUTES.userBookmarks, { 'x-auth-token': tokens.access_token, 'x-client-id': 'reader' })).status).toBe(200);
  });

  it('answers 401 once a token is revoked, at once on the node that revoked it', async () => {
    const res = await tokenRequest(server.url, { grant_type: 'client_credentials', scope: 'content' }, { clientId: 'reader', clientSecret: 'reader-secret' });
    const { access_token: token } = (await res.json()) as { access_token: string };
    const headers = { 'x-auth-token': token, 'x-client-id': 'reader' };
    expect((await get(GUARDED_ROUTES.content, headers)).status).toBe(200); // also warms the verified-token cache
    const revoke = await fetch(`${server.url}/oauth2/revoke`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from('reader:reader-secret').toString('base64')}` },
      body: new URLSearchParams({ token }),
    });
    expect(revoke.status).toBe(200);
    expect(await expectStandardError(await get(GUARDED_ROUTES.content, headers), 401, 'unauthorized')).toMatch(/revoked/);
  });
});
