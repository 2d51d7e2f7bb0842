import { OAuth2ErrorBody, OAuth2TokenResponse } from '@quran-sync/protocol';
import { Value } from '@sinclair/typebox/value';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authorizeWithLogin, createTestClient, createTestUser, loginForTokens, startTestServer, tokenRequest, type TestServer } from '../../testing/index.js';

const SECRET = 'confidential-secret';
const PASSWORD = 'correct horse battery';

/** An OAuth2 error body: exactly `{error, error_description, status_code}` with the status repeated. */
async function expectOAuth2Error(res: Response, status: number, error: string): Promise<{ error: string; error_description: string; status_code: number }> {
  const body = (await res.json()) as { error: string; error_description: string; status_code: number };
  expect({ status: res.status, error: body.error }).toEqual({ status, error });
  expect(Value.Check(OAuth2ErrorBody, body)).toBe(true);
  expect(Object.keys(body).sort()).toEqual(['error', 'error_description', 'status_code']);
  expect(body.status_code).toBe(status);
  expect(res.headers.get('x-request-id')).toBeTruthy();
  return body;
}

describe('POST /oauth2/token', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
    await createTestClient(server.ctx.db, { id: 'app', secret: SECRET, scopes: 'content bookmark openid offline_access' });
    await createTestClient(server.ctx.db, { id: 'spa', scopes: 'bookmark collection openid offline_access' });
    await createTestClient(server.ctx.db, { id: 'content-only', secret: SECRET, scopes: 'content', grantTypes: ['client_credentials'] });
    await createTestUser(server.ctx.db, 'amina', PASSWORD);
  });
  afterAll(async () => {
    await server?.close();
  });

  describe('client_credentials', () => {
    it('issues a bearer token with exactly the contract fields (HTTP Basic)', async () => {
      const before = Math.floor(Date.now() / 1000);
      const res = await tokenRequest(server.url, { grant_type: 'client_credentials', scope: 'content' }, { clientId: 'app', clientSecret: SECRET });
      expect(res.status).toBe(200);
      expect(res.headers.get('cache-control')).toBe('no-store');
      const body = (await res.json()) as OAuth2TokenResponse;
      expect(Value.Check(OAuth2TokenResponse, body)).toBe(true);
      expect(Object.keys(body).sort()).toEqual(['access_token', 'expires_at', 'expires_in', 'scope', 'token_type']);
      expect(body).toMatchObject({ token_type: 'bearer', expires_in: 3600, scope: 'content' });
      expect(body.expires_at).toBeGreaterThanOrEqual(before + 3600);
      expect(body.expires_at).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000) + 3600);

      const claims = decodeJwt(body.access_token);
      expect(decodeProtectedHeader(body.access_token)).toMatchObject({ alg: 'ES256', typ: 'at+jwt', kid: server.ctx.keys.active.kid });
      expect(claims).toMatchObject({
        iss: server.ctx.config.issuer,
        sub: 'app',
        client_id: 'app',
        scope: 'content',
        gty: 'client_credentials',
        exp: body.expires_at,
      });
      expect(typeof claims.jti).toBe('string');
      expect(claims.gid).toBeUndefined();
    });

    it('accepts client_secret_post', async () => {
      const res = await tokenRequest(server.url, { grant_type: 'client_credentials', scope: 'content', client_id: 'app', client_secret: SECRET });
      expect(res.status).toBe(200);
    });

    it('answers invalid_client 401 with WWW-Authenticate: Basic when Basic auth fails', async () => {
      const res = await tokenRequest(server.url, { grant_type: 'client_credentials', scope: 'content' }, { clientId: 'app', clientSecret: 'wrong-secret' });
      await expectOAuth2Error(res, 401, 'invalid_client');
      expect(res.headers.get('www-authenticate')).toMatch(/^Basic /);
      const unknown = await tokenRequest(server.url, { grant_type: 'client_credentials', scope: 'content' }, { clientId: 'nobody', clientSecret: SECRET });
      await expectOAuth2Error(unknown, 401, 'invalid_client');
    });

    it('accepts HTTP Basic credentials raw (as most clients send them) and form-encoded (RFC 6749 §2.3.1)', async () => {
      const secret = 'p@ss:w+rd%21!';
      await createTestClient(server.ctx.db, { id: 'enc-app', secret, scopes: 'content' });
      const raw = await tokenRequest(server.url, { grant_type: 'client_credentials', scope: 'content' }, { clientId: 'enc-app', clientSecret: secret });
      expect(raw.status).toBe(200);
      const formEncoded = await tokenRequest(
        server.url,
        { grant_type: 'client_credentials', scope: 'content' },
        { clientId: 'enc-app', clientSecret: encodeURIComponent(secret) },
      );
      expect(formEncoded.status).toBe(200);
      const wrong = await tokenRequest(
        server.url,
        { grant_type: 'client_credentials', scope: 'content' },
        { clientId: 'enc-app', clientSecret: encodeURIComponent('p@ss:w+rd%21?') },
      );
      expect(wrong.status).toBe(401);
    });

    it('answers invalid_client 401 without the Basic challenge for a bad posted secret', async () => {
      const res = await tokenRequest(server.url, { grant_type: 'client_credentials', scope: 'content', client_id: 'app', client_secret: 'nope-nope' });
      await expectOAuth2Error(res, 401, 'invalid_client');
      expect(res.headers.get('www-authenticate')).toBeNull();
    });

    it('refuses unknown scopes and scopes beyond what the client is allowed with invalid_scope', async () => {
      const basic = { clientId: 'content-only', clientSecret: SECRET };
      await expectOAuth2Error(await tokenRequest(server.url, { grant_type: 'client_credentials', scope: 'content telepathy' }, basic), 400, 'invalid_scope');
      await expectOAuth2Error(await tokenRequest(server.url, { grant_type: 'client_credentials', scope: 'bookmark' }, basic), 400, 'invalid_scope');
      await expectOAuth2Error(await tokenRequest(server.url, { grant_type: 'client_credentials', scope: 'content.write' }, basic), 400, 'invalid_scope');
      await expectOAuth2Error(await tokenRequest(server.url, { grant_type: 'client_credentials' }, basic), 400, 'invalid_scope');
    });

    it('lets a client holding a parent scope request a child scope', async () => {
      const res = await tokenRequest(server.url, { grant_type: 'client_credentials', scope: 'bookmark.read' }, { clientId: 'app', clientSecret: SECRET });
      expect(res.status).toBe(200);
      expect(((await res.json()) as OAuth2TokenResponse).scope).toBe('bookmark.read');
    });

    it('refuses a grant type the client is not registered for, and unknown grant types', async () => {
      const basic = { clientId: 'content-only', clientSecret: SECRET };
      await expectOAuth2Error(await tokenRequest(server.url, { grant_type: 'refresh_token', refresh_token: 'x' }, basic), 400, 'unauthorized_client');
      await expectOAuth2Error(await tokenRequest(server.url, { grant_type: 'password', username: 'a', password: 'b' }, basic), 400, 'unauthorized_client');
      await expectOAuth2Error(await tokenRequest(server.url, { grant_type: 'urn:made:up' }, basic), 400, 'unsupported_grant_type');
    });

    it('answers malformed requests with invalid_request in the oauth2 envelope', async () => {
      const basic = { clientId: 'app', clientSecret: SECRET };
      await expectOAuth2Error(await tokenRequest(server.url, { scope: 'content' }, basic), 400, 'invalid_request');
      const repeated = await fetch(`${server.url}/oauth2/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`app:${SECRET}`).toString('base64')}` },
        body: 'grant_type=client_credentials&scope=content&scope=bookmark',
      });
      await expectOAuth2Error(repeated, 400, 'invalid_request');
      const json = await fetch(`${server.url}/oauth2/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Basic ${Buffer.from(`app:${SECRET}`).toString('base64')}` },
        body: JSON.stringify({ grant_type: 'client_credentials', scope: 'content' }),
      });
      await expectOAuth2Error(json, 400, 'invalid_request');
      await expectOAuth2Error(await tokenRequest(server.url, { grant_type: 'client_credentials', scope: 'content' }), 401, 'invalid_client');
    });

    it('serves the token request exactly as @quranjs/api 3.10 sends it (Basic, grant_type=client_credentials&scope=content)', async () => {
      const { createServerClient } = await import('@quranjs/api/server');
      const seen: Array<{ url: string; status: number; body: string; headers: Headers }> = [];
      const recordingFetch: typeof fetch = async (input, init) => {
        const res = await fetch(input, init);
        seen.push({ url: String(input), status: res.status, body: String(init?.body ?? ''), headers: new Headers(init?.headers) });
        return res;
      };
      const client = createServerClient({
        clientId: 'app',
        clientSecret: SECRET,
        services: { gatewayUrl: server.url, tokenHost: server.url },
        fetch: recordingFetch,
      });
      // Any app-authenticated content call makes the SDK fetch its token first; whether the content route
      // exists yet does not matter here.
      await client.chapters.findAll().catch(() => undefined);
      const tokenCall = seen.find((call) => call.url === `${server.url}/oauth2/token`);
      expect(tokenCall).toBeDefined();
      expect(tokenCall!.body).toBe('grant_type=client_credentials&scope=content');
      expect(tokenCall!.headers.get('authorization')).toBe(`Basic ${Buffer.from(`app:${SECRET}`).toString('base64')}`);
      expect(tokenCall!.status).toBe(200);
      const contentCall = seen.find((call) => call.url.startsWith(`${server.url}/content/api/v4/`));
      expect(contentCall?.headers.get('x-client-id')).toBe('app');
      expect(decodeJwt(contentCall!.headers.get('x-auth-token')!)).toMatchObject({ client_id: 'app', scope: 'content' });
    });
  });

  describe('authorization_code with PKCE', () => {
    it('exchanges a code for access, refresh and ID tokens (confidential client)', async () => {
      const tokens = await loginForTokens(server.url, {
        clientId: 'app',
        clientSecret: SECRET,
        scope: 'bookmark openid offline_access',
        username: 'amina',
        password: PASSWORD,
        nonce: 'n-0S6_WzA2Mj',
      });
      expect(Object.keys(tokens).sort()).toEqual(['access_token', 'expires_at', 'expires_in', 'id_token', 'refresh_token', 'scope', 'token_type']);
      expect(tokens).toMatchObject({ token_type: 'bearer', expires_in: 3600, scope: 'bookmark openid offline_access' });
      const access = decodeJwt(tokens.access_token);
      const user = await server.ctx.db.selectFrom('users').select('id').where('username', '=', 'amina').executeTakeFirstOrThrow();
      expect(access).toMatchObject({ sub: user.id, client_id: 'app', scope: 'bookmark openid offline_access' });
      expect(access.gty).toBeUndefined();
      expect(typeof access.gid).toBe('string');
      const id = decodeJwt(tokens.id_token!);
      expect(decodeProtectedHeader(tokens.id_token!)).toMatchObject({ alg: 'ES256', typ: 'JWT' });
      expect(id).toMatchObject({ iss: server.ctx.config.issuer, sub: user.id, aud: 'app', nonce: 'n-0S6_WzA2Mj' });
      expect(typeof id.auth_time).toBe('number');
      expect(typeof id.at_hash).toBe('string');
    });

    it('serves public clients that send client_id and no secret', async () => {
      const tokens = await loginForTokens(server.url, { clientId: 'spa', scope: 'bookmark.read offline_access', username: 'amina', password: PASSWORD });
      expect(tokens.refresh_token).toBeDefined();
      expect(tokens.id_token).toBeUndefined();
      expect(decodeJwt(tokens.access_token)).toMatchObject({ client_id: 'spa', scope: 'bookmark.read offline_access' });
    });

    it('issues no refresh token without offline_access', async () => {
      const tokens = await loginForTokens(server.url, { clientId: 'spa', scope: 'bookmark', username: 'amina', password: PASSWORD });
      expect(tokens.refresh_token).toBeUndefined();
    });

    it('rejects a wrong PKCE verifier with invalid_grant, and the code is spent afterwards', async () => {
      const auth = await authorizeWithLogin(server.url, { clientId: 'spa', scope: 'bookmark', username: 'amina', password: PASSWORD });
      const wrong = await tokenRequest(server.url, {
        grant_type: 'authorization_code',
        code: auth.code,
        redirect_uri: auth.redirectUri,
        client_id: 'spa',
        code_verifier: 'x'.repeat(43),
      });
      await expectOAuth2Error(wrong, 400, 'invalid_grant');
      const right = await tokenRequest(server.url, {
        grant_type: 'authorization_code',
        code: auth.code,
        redirect_uri: auth.redirectUri,
        client_id: 'spa',
        code_verifier: auth.pkce.verifier,
      });
      await expectOAuth2Error(right, 400, 'invalid_grant');
    });

    it('rejects a reused code with invalid_grant and revokes what the first exchange issued', async () => {
      const auth = await authorizeWithLogin(server.url, { clientId: 'spa', scope: 'openid offline_access', username: 'amina', password: PASSWORD });
      const form = { grant_type: 'authorization_code', code: auth.code, redirect_uri: auth.redirectUri, client_id: 'spa', code_verifier: auth.pkce.verifier };
      const first = await tokenRequest(server.url, form);
      expect(first.status).toBe(200);
      const tokens = (await first.json()) as OAuth2TokenResponse;
      const userinfo = await fetch(`${server.url}/userinfo`, { headers: { authorization: `Bearer ${tokens.access_token}` } });
      expect(userinfo.status).toBe(200);

      await expectOAuth2Error(await tokenRequest(server.url, form), 400, 'invalid_grant');
      const after = await fetch(`${server.url}/userinfo`, { headers: { authorization: `Bearer ${tokens.access_token}` } });
      expect(after.status).toBe(401);
      const refresh = await tokenRequest(server.url, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token!, client_id: 'spa' });
      await expectOAuth2Error(refresh, 400, 'invalid_grant');
    });

    it('rejects a code presented by another client, with another redirect_uri, or without a verifier', async () => {
      const auth = await authorizeWithLogin(server.url, { clientId: 'spa', scope: 'bookmark', username: 'amina', password: PASSWORD });
      const otherClient = await tokenRequest(
        server.url,
        { grant_type: 'authorization_code', code: auth.code, redirect_uri: auth.redirectUri, code_verifier: auth.pkce.verifier },
        { clientId: 'app', clientSecret: SECRET },
      );
      await expectOAuth2Error(otherClient, 400, 'invalid_grant');

      const auth2 = await authorizeWithLogin(server.url, { clientId: 'spa', scope: 'bookmark', username: 'amina', password: PASSWORD });
      const otherRedirect = await tokenRequest(server.url, {
        grant_type: 'authorization_code',
        code: auth2.code,
        redirect_uri: 'http://127.0.0.1:9/elsewhere',
        client_id: 'spa',
        code_verifier: auth2.pkce.verifier,
      });
      await expectOAuth2Error(otherRedirect, 400, 'invalid_request');

      const auth3 = await authorizeWithLogin(server.url, { clientId: 'spa', scope: 'bookmark', username: 'amina', password: PASSWORD });
      // Without a verifier a public client has nothing to authenticate with.
      const noVerifier = await tokenRequest(server.url, {
        grant_type: 'authorization_code',
        code: auth3.code,
        redirect_uri: auth3.redirectUri,
        client_id: 'spa',
      });
      await expectOAuth2Error(noVerifier, 401, 'invalid_client');
    });

    it('makes a confidential client authenticate even when it sends a verifier', async () => {
      const auth = await authorizeWithLogin(server.url, { clientId: 'app', scope: 'bookmark', username: 'amina', password: PASSWORD });
      const res = await tokenRequest(server.url, {
        grant_type: 'authorization_code',
        code: auth.code,
        redirect_uri: auth.redirectUri,
        client_id: 'app',
        code_verifier: auth.pkce.verifier,
      });
      await expectOAuth2Error(res, 401, 'invalid_client');
    });
  });

  describe('refresh_token with rotation', () => {
    it('rotates: the new refresh token works, the old one is rejected, and its reuse revokes the whole grant', async () => {
      const first = await loginForTokens(server.url, { clientId: 'spa', scope: 'bookmark openid offline_access', username: 'amina', password: PASSWORD });
      const refreshed = await tokenRequest(server.url, { grant_type: 'refresh_token', refresh_token: first.refresh_token!, client_id: 'spa' });
      expect(refreshed.status).toBe(200);
      const second = (await refreshed.json()) as OAuth2TokenResponse;
      expect(second.refresh_token).toBeDefined();
      expect(second.refresh_token).not.toBe(first.refresh_token);
      expect(second.scope).toBe('bookmark openid offline_access');
      expect(second.id_token).toBeDefined();
      expect(decodeJwt(second.access_token).gid).toBe(decodeJwt(first.access_token).gid);

      // The old token is spent; presenting it is a reuse, which ends the login for everyone holding it.
      const reuse = await tokenRequest(server.url, { grant_type: 'refresh_token', refresh_token: first.refresh_token!, client_id: 'spa' });
      await expectOAuth2Error(reuse, 400, 'invalid_grant');
      const victim = await tokenRequest(server.url, { grant_type: 'refresh_token', refresh_token: second.refresh_token!, client_id: 'spa' });
      await expectOAuth2Error(victim, 400, 'invalid_grant');
      for (const token of [first.access_token, second.access_token]) {
        const res = await fetch(`${server.url}/userinfo`, { headers: { authorization: `Bearer ${token}` } });
        expect(res.status).toBe(401);
      }
    });

    it('narrows scopes on request, refuses to widen them without spending the token, and the grant keeps its scopes', async () => {
      const first = await loginForTokens(server.url, { clientId: 'spa', scope: 'bookmark openid offline_access', username: 'amina', password: PASSWORD });
      const wider = await tokenRequest(server.url, {
        grant_type: 'refresh_token',
        refresh_token: first.refresh_token!,
        client_id: 'spa',
        scope: 'bookmark collection offline_access',
      });
      await expectOAuth2Error(wider, 400, 'invalid_scope');
      // Narrowing is by exact scope names (the library's rule): a child of a granted parent is not one of them.
      const child = await tokenRequest(server.url, {
        grant_type: 'refresh_token',
        refresh_token: first.refresh_token!,
        client_id: 'spa',
        scope: 'bookmark.read',
      });
      await expectOAuth2Error(child, 400, 'invalid_scope');

      const narrowed = await tokenRequest(server.url, {
        grant_type: 'refresh_token',
        refresh_token: first.refresh_token!,
        client_id: 'spa',
        scope: 'bookmark offline_access',
      });
      expect(narrowed.status).toBe(200);
      const second = (await narrowed.json()) as OAuth2TokenResponse;
      expect(second.scope).toBe('bookmark offline_access');
      expect(second.id_token).toBeUndefined();
      expect(decodeJwt(second.access_token).scope).toBe('bookmark offline_access');

      const full = await tokenRequest(server.url, { grant_type: 'refresh_token', refresh_token: second.refresh_token!, client_id: 'spa' });
      expect(full.status).toBe(200);
      expect(((await full.json()) as OAuth2TokenResponse).scope).toBe('bookmark openid offline_access');
    });

    it('requires the refresh token to come from the same client, and a confidential client to authenticate', async () => {
      const tokens = await loginForTokens(server.url, {
        clientId: 'app',
        clientSecret: SECRET,
        scope: 'bookmark offline_access',
        username: 'amina',
        password: PASSWORD,
      });
      const unauthenticated = await tokenRequest(server.url, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token!, client_id: 'app' });
      await expectOAuth2Error(unauthenticated, 401, 'invalid_client');
      const foreign = await tokenRequest(server.url, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token!, client_id: 'spa' });
      await expectOAuth2Error(foreign, 400, 'invalid_grant');
      const ok = await tokenRequest(
        server.url,
        { grant_type: 'refresh_token', refresh_token: tokens.refresh_token! },
        { clientId: 'app', clientSecret: SECRET },
      );
      expect(ok.status).toBe(200);
    });

    it('rejects unknown and garbage refresh tokens with invalid_grant', async () => {
      await expectOAuth2Error(
        await tokenRequest(server.url, { grant_type: 'refresh_token', refresh_token: 'not-a-token', client_id: 'spa' }),
        400,
        'invalid_grant',
      );
    });
  });
});
