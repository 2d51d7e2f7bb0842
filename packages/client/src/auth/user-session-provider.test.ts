import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authorizeWithLogin, createTestClient, createTestUser, startTestServer, tokenRequest, type TestServer } from '@quran-sync/server/testing';
import { createPkcePair, exchangeAuthorizationCode, buildAuthorizationUrl } from './authorization-code.js';
import { authorizedFetch } from './authorized-fetch.js';
import { SessionEndedError, UserSessionTokenProvider } from './user-session-provider.js';
import type { UserSession } from './user-session.js';

const PASSWORD = 'correct horse battery';

describe('UserSessionTokenProvider (against a real server)', () => {
  let server: TestServer;
  let userId: string;
  beforeAll(async () => {
    server = await startTestServer();
    await createTestClient(server.ctx.db, { id: 'mobile', scopes: 'openid offline_access bookmark' });
    await createTestClient(server.ctx.db, { id: 'backend', secret: 'backend-secret', scopes: 'openid offline_access bookmark' });
    userId = (await createTestUser(server.ctx.db, 'aisha', PASSWORD)).id;
  });
  afterAll(async () => {
    await server?.close();
  });

  /** Signs in through the login page and exchanges the code with the SDK. */
  async function signIn(clientId: string, clientSecret?: string, scope = 'openid offline_access bookmark'): Promise<UserSession> {
    const pkce = await createPkcePair();
    const authorization = await authorizeWithLogin(server.url, { clientId, scope, username: 'aisha', password: PASSWORD, pkce });
    return exchangeAuthorizationCode({
      baseUrl: server.url,
      clientId,
      clientSecret: clientSecret ?? null,
      code: authorization.code,
      redirectUri: authorization.redirectUri,
      codeVerifier: pkce.verifier,
    });
  }

  function recorder() {
    const saved: Array<UserSession | null> = [];
    const urls: string[] = [];
    const countingFetch: typeof fetch = async (input, init) => {
      urls.push(new URL(String(input instanceof Request ? input.url : input)).pathname);
      return fetch(input, init);
    };
    return { saved, urls, fetch: countingFetch, storage: { save: async (s: UserSession | null) => void saved.push(s) } };
  }

  it('builds the authorization URL the server serves', async () => {
    const pkce = await createPkcePair();
    expect(pkce.challenge).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const url = buildAuthorizationUrl({
      baseUrl: server.url,
      clientId: 'mobile',
      redirectUri: 'http://127.0.0.1:9/callback',
      scope: 'openid',
      state: 's',
      codeChallenge: pkce.challenge,
    });
    const res = await fetch(url);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('name="password"');
  });

  it('uses the access token until 30 s before expiry, then refreshes with rotation and persists the new refresh token', async () => {
    const session = await signIn('mobile');
    expect(session).toMatchObject({ scope: 'openid offline_access bookmark' });
    expect(session.refreshToken).toBeTruthy();
    expect(session.idToken).toBeTruthy();
    const r = recorder();
    let clock = Date.now();
    const provider = new UserSessionTokenProvider({ baseUrl: server.url, clientId: 'mobile', session, storage: r.storage, fetch: r.fetch, now: () => clock });

    expect(await provider.getToken()).toEqual({ accessToken: session.accessToken, clientId: 'mobile' });
    clock = session.expiresAt - 29_000;
    const refreshed = await provider.getToken();
    expect(refreshed.accessToken).not.toBe(session.accessToken);
    expect(r.urls).toEqual(['/oauth2/token']);
    expect(r.saved).toHaveLength(1);
    const next = r.saved[0]!;
    expect(next.refreshToken).toBeTruthy();
    expect(next.refreshToken).not.toBe(session.refreshToken);
    expect(provider.currentSession).toEqual(next);
    expect(next.expiresAt).toBeGreaterThanOrEqual(clock + 3600_000);

    const userinfo = await fetch(`${server.url}/userinfo`, { headers: { authorization: `Bearer ${refreshed.accessToken}` } });
    expect(await userinfo.json()).toMatchObject({ sub: userId });
  });

  it('runs a single refresh for concurrent callers (a second one would be a reuse and end the login)', async () => {
    const session = await signIn('mobile');
    const r = recorder();
    const provider = new UserSessionTokenProvider({
      baseUrl: server.url,
      clientId: 'mobile',
      session: { ...session, expiresAt: Date.now() },
      storage: r.storage,
      fetch: r.fetch,
    });
    const grants = await Promise.all(Array.from({ length: 8 }, () => provider.getToken()));
    expect(new Set(grants.map((g) => g.accessToken)).size).toBe(1);
    expect(r.urls).toEqual(['/oauth2/token']);
    // The login is intact: the new refresh token still works.
    provider.invalidate();
    await provider.getToken();
    expect(r.urls).toEqual(['/oauth2/token', '/oauth2/token']);
  });

  it('after a 401 refreshes once and retries the call once', async () => {
    const session = await signIn('mobile');
    const r = recorder();
    const provider = new UserSessionTokenProvider({ baseUrl: server.url, clientId: 'mobile', session, storage: r.storage, fetch: r.fetch });
    const revoke = await fetch(`${server.url}/oauth2/revoke`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: session.accessToken, client_id: 'mobile' }),
    });
    expect(revoke.status).toBe(200);

    const call = authorizedFetch(provider, { fetch: r.fetch });
    const res = await call(`${server.url}/userinfo`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ sub: userId, preferred_username: 'aisha' });
    expect(r.urls).toEqual(['/userinfo', '/oauth2/token', '/userinfo']);
    expect(r.saved).toHaveLength(1);
  });

  it('refreshes a confidential client with HTTP Basic', async () => {
    const session = await signIn('backend', 'backend-secret');
    const provider = new UserSessionTokenProvider({ baseUrl: server.url, clientId: 'backend', clientSecret: 'backend-secret', session });
    provider.invalidate();
    const grant = await provider.getToken();
    expect(grant.accessToken).not.toBe(session.accessToken);
    expect(grant.clientId).toBe('backend');
  });

  it('ends the session (storage cleared, SessionEndedError) once the login is revoked', async () => {
    const session = await signIn('mobile');
    const r = recorder();
    const provider = new UserSessionTokenProvider({ baseUrl: server.url, clientId: 'mobile', session, storage: r.storage, fetch: r.fetch });
    provider.invalidate();
    await provider.getToken();
    // Someone replays the spent refresh token: the server ends the whole login.
    const replay = await tokenRequest(server.url, { grant_type: 'refresh_token', refresh_token: session.refreshToken!, client_id: 'mobile' });
    expect(replay.status).toBe(400);

    provider.invalidate();
    await expect(provider.getToken()).rejects.toBeInstanceOf(SessionEndedError);
    expect(r.saved.at(-1)).toBeNull();
    expect(provider.currentSession).toBeNull();
    await expect(provider.getToken()).rejects.toBeInstanceOf(SessionEndedError);
  });

  it('ends a session without offline_access when its access token expires', async () => {
    const session = await signIn('mobile', undefined, 'openid bookmark');
    expect(session.refreshToken).toBeNull();
    const provider = new UserSessionTokenProvider({ baseUrl: server.url, clientId: 'mobile', session, now: () => session.expiresAt });
    await expect(provider.getToken()).rejects.toThrow(/no refresh token/);
  });

  it('does not resend a refresh whose request may have reached the server', async () => {
    const session = await signIn('mobile');
    let attempts = 0;
    const provider = new UserSessionTokenProvider({
      baseUrl: server.url,
      clientId: 'mobile',
      session,
      fetch: async () => {
        attempts++;
        throw new TypeError('fetch failed'); // e.g. connection reset after sending
      },
      sleep: async () => {},
    });
    provider.invalidate();
    await expect(provider.getToken()).rejects.toThrow(/unreachable/);
    expect(attempts).toBe(1);
    // Refused connections (nothing sent) are retried.
    let refusedAttempts = 0;
    const counting = new UserSessionTokenProvider({
      baseUrl: await closedPortUrl(),
      clientId: 'mobile',
      session,
      sleep: async () => {},
      backoff: { maxAttempts: 3 },
      fetch: async (input, init) => {
        refusedAttempts++;
        return fetch(input, init);
      },
    });
    counting.invalidate();
    await expect(counting.getToken()).rejects.toThrow(/unreachable/);
    expect(refusedAttempts).toBe(3);
  });
});

/** A local URL nobody listens on: connecting is refused, so a request certainly never left. */
async function closedPortUrl(): Promise<string> {
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as net.AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}
