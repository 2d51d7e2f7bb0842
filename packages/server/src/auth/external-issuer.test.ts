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

/**
 * Server A is a Quran Sync in built-in mode acting as "the external issuer"; servers B trust it, by its JWKS
 * or by its introspection endpoint, and never mint tokens themselves. B's verifier is exercised through the
 * production auth guard over real HTTP.
 */
describe('external issuer modes', () => {
  let issuer: TestServer;
  let userToken: string;
  let refreshToken: string;
  let clientToken: string;
  const headers = (token: string, clientId = 'reader') => ({ 'x-auth-token': token, 'x-client-id': clientId });

  beforeAll(async () => {
    issuer = await startTestServer();
    await createTestClient(issuer.ctx.db, { id: 'reader', secret: 'reader-secret', scopes: 'content bookmark offline_access' });
    await createTestClient(issuer.ctx.db, { id: 'resource-server', secret: 'rs-secret', scopes: 'content', grantTypes: ['client_credentials'] });
    await createTestUser(issuer.ctx.db, 'ibrahim');
    const tokens = await loginForTokens(issuer.url, {
      clientId: 'reader',
      clientSecret: 'reader-secret',
      scope: 'bookmark offline_access',
      username: 'ibrahim',
      password: 'correct horse battery',
    });
    userToken = tokens.access_token;
    refreshToken = tokens.refresh_token!;
    const res = await tokenRequest(issuer.url, { grant_type: 'client_credentials', scope: 'content' }, { clientId: 'reader', clientSecret: 'reader-secret' });
    clientToken = ((await res.json()) as { access_token: string }).access_token;
  });
  afterAll(async () => {
    await issuer?.close();
  });

  describe('jwks', () => {
    let server: TestServer;
    let app: GuardedTestApp;
    beforeAll(async () => {
      server = await startTestServer({ authMode: 'jwks', jwksUrl: `${issuer.url}/.well-known/jwks.json`, externalIssuer: issuer.ctx.config.issuer });
      app = await startGuardedTestApp(server.ctx.verifier);
    });
    afterAll(async () => {
      await app?.close();
      await server?.close();
    });

    it("accepts the issuer's user and client tokens", async () => {
      const user = await fetch(`${app.url}${GUARDED_ROUTES.userBookmarks}`, { headers: headers(userToken) });
      expect(user.status).toBe(200);
      expect(((await user.json()) as { userId: string }).userId).toBeTruthy();
      const client = await fetch(`${app.url}${GUARDED_ROUTES.content}`, { headers: headers(clientToken) });
      expect(client.status).toBe(200);
      expect(((await client.json()) as { userId: string | null }).userId).toBeNull();
    });

    it('refuses tokens signed by anyone else, and still checks x-client-id', async () => {
      const stranger = await startTestServer();
      try {
        const forged = await stranger.mintToken({ userId: 'u', clientId: 'reader', scopes: ['content'] });
        expect((await fetch(`${app.url}${GUARDED_ROUTES.content}`, { headers: headers(forged) })).status).toBe(401);
      } finally {
        await stranger.close();
      }
      expect((await fetch(`${app.url}${GUARDED_ROUTES.content}`, { headers: headers(clientToken, 'other') })).status).toBe(403);
    });

    it('checks the audience when one is configured', async () => {
      const strict = await startTestServer({
        authMode: 'jwks',
        jwksUrl: `${issuer.url}/.well-known/jwks.json`,
        externalIssuer: issuer.ctx.config.issuer,
        externalAudience: 'https://api.example',
      });
      const strictApp = await startGuardedTestApp(strict.ctx.verifier);
      try {
        const res = await fetch(`${strictApp.url}${GUARDED_ROUTES.content}`, { headers: headers(clientToken) });
        expect(res.status).toBe(401);
        expect(((await res.json()) as { message: string }).message).toMatch(/aud/);
      } finally {
        await strictApp.close();
        await strict.close();
      }
    });

    it('does not mint tokens itself: issuer paths answer 404 in the oauth2 envelope', async () => {
      const token = await tokenRequest(
        server.url,
        { grant_type: 'client_credentials', scope: 'content' },
        { clientId: 'reader', clientSecret: 'reader-secret' },
      );
      expect(token.status).toBe(404);
      const body = (await token.json()) as { error: string; error_description: string; status_code: number };
      expect(body).toMatchObject({ error: 'invalid_request', status_code: 404 });
      expect(body.error_description).toMatch(/external issuer/);
      for (const path of ['/.well-known/openid-configuration', '/.well-known/jwks.json', '/oauth2/auth?client_id=reader']) {
        expect((await fetch(`${server.url}${path}`)).status).toBe(404);
      }
    });

    it('answers 503 with Retry-After, not 401, when the JWKS cannot be fetched', async () => {
      const orphan = await startTestServer({ authMode: 'jwks', jwksUrl: 'http://127.0.0.1:9/.well-known/jwks.json', externalIssuer: issuer.ctx.config.issuer });
      const orphanApp = await startGuardedTestApp(orphan.ctx.verifier);
      try {
        const res = await fetch(`${orphanApp.url}${GUARDED_ROUTES.content}`, { headers: headers(clientToken) });
        expect(res.status).toBe(503);
        expect(res.headers.get('retry-after')).toBeTruthy();
        expect(await res.json()).toMatchObject({ type: 'service_unavailable', success: false });
      } finally {
        await orphanApp.close();
        await orphan.close();
      }
    });
  });

  describe('introspection', () => {
    let server: TestServer;
    let app: GuardedTestApp;
    beforeAll(async () => {
      server = await startTestServer({
        authMode: 'introspection',
        introspectionUrl: `${issuer.url}/oauth2/introspect`,
        introspectionClientId: 'resource-server',
        introspectionClientSecret: 'rs-secret',
      });
      app = await startGuardedTestApp(server.ctx.verifier);
    });
    afterAll(async () => {
      await app?.close();
      await server?.close();
    });

    it("accepts the issuer's active user and client tokens", async () => {
      const user = await fetch(`${app.url}${GUARDED_ROUTES.userBookmarks}`, { headers: headers(userToken) });
      expect(user.status).toBe(200);
      const client = await fetch(`${app.url}${GUARDED_ROUTES.content}`, { headers: headers(clientToken) });
      expect(client.status).toBe(200);
      expect(((await client.json()) as { userId: string | null }).userId).toBeNull();
      await expect(server.ctx.verifier.verify(userToken)).resolves.toMatchObject({ clientId: 'reader', scopes: new Set(['bookmark', 'offline_access']) });
    });

    it('refuses revoked tokens and refresh tokens', async () => {
      const res = await tokenRequest(issuer.url, { grant_type: 'client_credentials', scope: 'content' }, { clientId: 'reader', clientSecret: 'reader-secret' });
      const { access_token: doomed } = (await res.json()) as { access_token: string };
      const revoke = await fetch(`${issuer.url}/oauth2/revoke`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from('reader:reader-secret').toString('base64')}` },
        body: new URLSearchParams({ token: doomed }),
      });
      expect(revoke.status).toBe(200);
      expect((await fetch(`${app.url}${GUARDED_ROUTES.content}`, { headers: headers(doomed) })).status).toBe(401);
      // The issuer describes refresh tokens to the client holding them only; even then they are not access tokens.
      expect((await fetch(`${app.url}${GUARDED_ROUTES.userBookmarks}`, { headers: headers(refreshToken) })).status).toBe(401);
      const holder = await startTestServer({
        authMode: 'introspection',
        introspectionUrl: `${issuer.url}/oauth2/introspect`,
        introspectionClientId: 'reader',
        introspectionClientSecret: 'reader-secret',
      });
      try {
        await expect(holder.ctx.verifier.verify(refreshToken)).rejects.toThrow(/not an access token/);
      } finally {
        await holder.close();
      }
    });

    it('does not mint tokens itself', async () => {
      expect(
        (await tokenRequest(server.url, { grant_type: 'client_credentials', scope: 'content' }, { clientId: 'reader', clientSecret: 'reader-secret' })).status,
      ).toBe(404);
    });

    it('answers 503 when the issuer is unreachable or refuses our introspection credentials', async () => {
      for (const options of [
        { introspectionUrl: 'http://127.0.0.1:9/oauth2/introspect', introspectionClientId: 'resource-server', introspectionClientSecret: 'rs-secret' },
        { introspectionUrl: `${issuer.url}/oauth2/introspect`, introspectionClientId: 'resource-server', introspectionClientSecret: 'wrong-secret' },
      ]) {
        const broken = await startTestServer({ authMode: 'introspection', ...options });
        const brokenApp = await startGuardedTestApp(broken.ctx.verifier);
        try {
          const res = await fetch(`${brokenApp.url}${GUARDED_ROUTES.content}`, { headers: headers(clientToken) });
          expect(res.status).toBe(503);
          expect(res.headers.get('retry-after')).toBeTruthy();
        } finally {
          await brokenApp.close();
          await broken.close();
        }
      }
    });
  });
});
