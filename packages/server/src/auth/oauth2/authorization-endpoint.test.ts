import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  authorizationParams,
  createTestClient,
  createTestUser,
  newPkcePair,
  openLoginPage,
  startTestServer,
  submitLogin,
  TEST_REDIRECT_URI,
  type TestServer,
} from '../../testing/index.js';
import { LOGIN_ATTEMPTS_PER_MINUTE } from './authorization-endpoint.js';
import { hashOpaqueToken } from './opaque-token.js';

const PASSWORD = 'correct horse battery';

describe('GET/POST /oauth2/auth', () => {
  let server: TestServer;
  const params = (overrides: Record<string, string | undefined> = {}) => {
    const base = authorizationParams({ clientId: 'web', scope: 'bookmark openid', state: 'xyz', pkce: newPkcePair() });
    const merged: Record<string, string> = { ...base };
    for (const [k, v] of Object.entries(overrides)) {
      if (v === undefined) delete merged[k];
      else merged[k] = v;
    }
    return merged;
  };
  /** The redirect of an error that goes back to the client, parsed. */
  const redirectOf = (res: Response) => {
    expect(res.status).toBe(302);
    return new URL(res.headers.get('location')!);
  };

  beforeAll(async () => {
    server = await startTestServer();
    await createTestClient(server.ctx.db, {
      id: 'web',
      name: 'Reader <script>alert(1)</script>',
      scopes: 'bookmark openid offline_access',
      redirectUris: [TEST_REDIRECT_URI, 'https://app.example/cb'],
    });
    await createTestClient(server.ctx.db, { id: 'machine', secret: 'machine-secret', scopes: 'content', grantTypes: ['client_credentials'], redirectUris: [] });
    await createTestUser(server.ctx.db, 'zayd', PASSWORD);
  });
  afterAll(async () => {
    await server?.close();
  });

  it('shows a login and consent page listing the scopes, with a login cookie and a strict CSP', async () => {
    const res = await fetch(`${server.url}/oauth2/auth?${new URLSearchParams(params())}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('content-security-policy')).toMatch(/default-src 'none'/);
    expect(res.headers.get('set-cookie')).toMatch(/^qs_oauth2_login=[A-Za-z0-9_-]{43}; Path=\/oauth2\/auth; Max-Age=600; HttpOnly; SameSite=Lax$/);
    const html = await res.text();
    expect(html).toContain('<code>bookmark</code>');
    expect(html).toContain('<code>openid</code>');
    expect(html).toContain('name="password"');
    // The client name is attacker-controlled input: escaped, never markup.
    expect(html).toContain('Reader &lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).not.toContain('<script>');
  });

  it('posts the form and scopes the cookie under the public URL, Secure behind TLS', async () => {
    const proxied = await startTestServer({
      database: server.database,
      signingKeysFile: server.ctx.config.signingKeysFile,
      publicUrl: 'https://example.org/sync/',
    });
    try {
      const res = await fetch(`${proxied.url}/oauth2/auth?${new URLSearchParams(params())}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('set-cookie')).toMatch(/; Path=\/sync\/oauth2\/auth; .*; Secure$/);
      expect(await res.text()).toContain('<form method="post" action="/sync/oauth2/auth"');
    } finally {
      await proxied.close();
    }
  });

  it('escapes hostile state values in the form', async () => {
    const page = await openLoginPage(server.url, params({ state: '"><script>x()</script>' }));
    expect(page.status).toBe(200);
    expect(page.html).not.toContain('<script>');
    expect(page.fields.state).toBe('"><script>x()</script>');
  });

  it('shows an error page, never a redirect, for an unknown client or an unregistered redirect URI', async () => {
    for (const bad of [
      params({ client_id: 'nobody' }),
      params({ client_id: undefined }),
      params({ redirect_uri: 'https://evil.example/cb' }),
      params({ redirect_uri: `${TEST_REDIRECT_URI}/../x` }),
    ]) {
      const res = await fetch(`${server.url}/oauth2/auth?${new URLSearchParams(bad)}`, { redirect: 'manual' });
      expect(res.status).toBe(400);
      expect(res.headers.get('location')).toBeNull();
      expect(await res.text()).toContain('Cannot continue');
    }
    // A client with several redirect URIs must name one.
    const res = await fetch(`${server.url}/oauth2/auth?${new URLSearchParams(params({ redirect_uri: undefined }))}`, { redirect: 'manual' });
    expect(res.status).toBe(400);
  });

  it('accepts a registered loopback redirect URI on another port (RFC 8252 §7.3), nothing else', async () => {
    const ok = await openLoginPage(server.url, params({ redirect_uri: 'http://127.0.0.1:53124/callback' }));
    expect(ok.status).toBe(200);
    for (const uri of ['http://127.0.0.1:53124/callback2', 'http://localhost:9/callback', 'https://127.0.0.1:9/callback', 'https://app.example:444/cb']) {
      const res = await fetch(`${server.url}/oauth2/auth?${new URLSearchParams(params({ redirect_uri: uri }))}`, { redirect: 'manual' });
      expect(res.status).toBe(400);
    }
  });

  it('redirects other errors back to the client with error, state and iss (RFC 6749 §4.1.2.1)', async () => {
    const cases: Array<[Record<string, string | undefined>, string]> = [
      [{ code_challenge: undefined }, 'invalid_request'],
      [{ code_challenge_method: 'plain' }, 'invalid_request'],
      [{ code_challenge_method: undefined }, 'invalid_request'],
      [{ code_challenge: 'too-short' }, 'invalid_request'],
      [{ response_type: 'token' }, 'unsupported_response_type'],
      [{ response_type: undefined }, 'invalid_request'],
      [{ scope: 'bookmark telepathy' }, 'invalid_scope'],
      [{ scope: 'content' }, 'invalid_scope'],
      [{ scope: undefined }, 'invalid_scope'],
    ];
    for (const [overrides, error] of cases) {
      const res = await fetch(`${server.url}/oauth2/auth?${new URLSearchParams(params(overrides))}`, { redirect: 'manual' });
      const location = redirectOf(res);
      expect(`${location.origin}${location.pathname}`).toBe(TEST_REDIRECT_URI);
      expect(location.searchParams.get('error')).toBe(error);
      expect(location.searchParams.get('error_description')).toBeTruthy();
      expect(location.searchParams.get('state')).toBe('xyz');
      expect(location.searchParams.get('iss')).toBe(server.ctx.config.issuer);
      expect(location.searchParams.get('code')).toBeNull();
    }
    const repeated = await fetch(`${server.url}/oauth2/auth?${new URLSearchParams(params())}&scope=openid`, { redirect: 'manual' });
    expect(redirectOf(repeated).searchParams.get('error')).toBe('invalid_request');
  });

  it('refuses a client that may not use the authorization_code grant', async () => {
    await createTestClient(server.ctx.db, {
      id: 'hybrid',
      secret: 'hybrid-secret',
      scopes: 'content',
      grantTypes: ['client_credentials'],
      redirectUris: [TEST_REDIRECT_URI],
    });
    const res = await fetch(`${server.url}/oauth2/auth?${new URLSearchParams(params({ client_id: 'hybrid', scope: 'content' }))}`, { redirect: 'manual' });
    expect(redirectOf(res).searchParams.get('error')).toBe('unauthorized_client');
  });

  it('issues a one-time code on correct credentials, stored only as a hash', async () => {
    const page = await openLoginPage(server.url, params());
    const res = await submitLogin(server.url, page, { username: 'zayd', password: PASSWORD });
    const location = redirectOf(res);
    expect(`${location.origin}${location.pathname}`).toBe(TEST_REDIRECT_URI);
    expect(location.searchParams.get('state')).toBe('xyz');
    expect(location.searchParams.get('iss')).toBe(server.ctx.config.issuer);
    const code = location.searchParams.get('code')!;
    expect(code).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const rows = await server.ctx.db.selectFrom('oauth_authorization_codes').select(['code_hash', 'expires_at']).execute();
    expect(rows.some((r) => r.code_hash === code)).toBe(false);
    const row = rows.find((r) => r.code_hash === hashOpaqueToken(code));
    expect(row).toBeDefined();
    const ttl = row!.expires_at.getTime() - Date.now();
    expect(ttl).toBeGreaterThan(60_000);
    expect(ttl).toBeLessThanOrEqual(600_000);
  });

  it('re-shows the form with 401 on wrong credentials, without telling which part was wrong', async () => {
    const page = await openLoginPage(server.url, params());
    const wrongPassword = await submitLogin(server.url, page, { username: 'zayd', password: 'not the password' });
    expect(wrongPassword.status).toBe(401);
    const html = await wrongPassword.text();
    expect(html).toContain('Wrong username or password.');
    expect(html).toContain('value="zayd"');
    const unknownUser = await submitLogin(server.url, page, { username: 'nobody', password: PASSWORD });
    expect(unknownUser.status).toBe(401);
    expect(await unknownUser.text()).toContain('Wrong username or password.');
  });

  it('redirects with access_denied when the user denies', async () => {
    const page = await openLoginPage(server.url, params());
    const res = await submitLogin(server.url, page, { username: '', password: '', decision: 'deny' });
    const location = redirectOf(res);
    expect(location.searchParams.get('error')).toBe('access_denied');
    expect(location.searchParams.get('state')).toBe('xyz');
    expect(location.searchParams.get('code')).toBeNull();
  });

  it('limits sign-in attempts per address (429 + Retry-After) when rate limiting is on', async () => {
    const limited = await startTestServer({ database: server.database, signingKeysFile: server.ctx.config.signingKeysFile, rateLimit: { enabled: true } });
    try {
      const page = await openLoginPage(limited.url, params());
      const statuses: number[] = [];
      for (let i = 0; i < LOGIN_ATTEMPTS_PER_MINUTE; i++)
        statuses.push((await submitLogin(limited.url, page, { username: 'zayd', password: `guess-number-${i}` })).status);
      expect(statuses.every((status) => status === 401)).toBe(true);
      const blocked = await submitLogin(limited.url, page, { username: 'zayd', password: PASSWORD });
      expect(blocked.status).toBe(429);
      expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(await blocked.json()).toMatchObject({ type: 'rate_limit_exceeded', success: false });
      // The page itself and the token endpoint are not affected.
      expect((await openLoginPage(limited.url, params())).status).toBe(200);
    } finally {
      await limited.close();
    }
  });

  it('refuses a form posted without the login cookie, with another cookie, or with changed parameters (CSRF)', async () => {
    const page = await openLoginPage(server.url, params());
    const noCookie = await submitLogin(server.url, { ...page, cookie: null }, { username: 'zayd', password: PASSWORD });
    expect(noCookie.status).toBe(400);
    expect(noCookie.headers.get('location')).toBeNull();

    const otherBrowser = await openLoginPage(server.url, params());
    const swappedCookie = await submitLogin(server.url, { ...page, cookie: otherBrowser.cookie }, { username: 'zayd', password: PASSWORD });
    expect(swappedCookie.status).toBe(400);

    const widened = await submitLogin(
      server.url,
      { ...page, fields: { ...page.fields, scope: 'bookmark openid offline_access' } },
      { username: 'zayd', password: PASSWORD },
    );
    expect(widened.status).toBe(400);
    const otherChallenge = await submitLogin(
      server.url,
      { ...page, fields: { ...page.fields, code_challenge: newPkcePair().challenge } },
      { username: 'zayd', password: PASSWORD },
    );
    expect(otherChallenge.status).toBe(400);
    const forged = await submitLogin(
      server.url,
      { ...page, fields: { ...page.fields, form_token: `${Math.floor(Date.now() / 1000) + 600}.${'A'.repeat(43)}` } },
      { username: 'zayd', password: PASSWORD },
    );
    expect(forged.status).toBe(400);

    // The untouched form still works, and a second tab (same cookie) gets its own valid form.
    const secondTab = await openLoginPage(server.url, params({ state: 'tab2' }), page.cookie!);
    expect(secondTab.cookie).toBe(page.cookie);
    expect(redirectOf(await submitLogin(server.url, secondTab, { username: 'zayd', password: PASSWORD })).searchParams.get('state')).toBe('tab2');
    expect(redirectOf(await submitLogin(server.url, page, { username: 'zayd', password: PASSWORD })).searchParams.get('code')).toBeTruthy();
  });
});
