import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { loginForTokens, startTestServer, tokenRequest, type TestServer } from '../testing/index.js';
import { DEV_CLIENT_ID, DEV_CLIENT_SECRET, DEV_PASSWORD, DEV_USER_ID, DEV_USERNAME, ensureDevCredentials } from './dev-credentials.js';

describe('ensureDevCredentials', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ createDevCredentials: true });
  });
  afterAll(async () => {
    await server?.close();
  });

  it('creates dev-client / dev-secret with every scope and grant', async () => {
    const res = await tokenRequest(
      server.url,
      { grant_type: 'client_credentials', scope: 'content content.write' },
      { clientId: DEV_CLIENT_ID, clientSecret: DEV_CLIENT_SECRET },
    );
    expect(res.status).toBe(200);
    expect(((await res.json()) as { scope: string }).scope).toBe('content content.write');
  });

  it('creates the dev user, usable through the login page from a local reader on any port', async () => {
    const tokens = await loginForTokens(server.url, {
      clientId: DEV_CLIENT_ID,
      clientSecret: DEV_CLIENT_SECRET,
      redirectUri: 'http://127.0.0.1:5173/reader/callback',
      scope: 'openid offline_access bookmark',
      username: DEV_USERNAME,
      password: DEV_PASSWORD,
    });
    const userinfo = await fetch(`${server.url}/userinfo`, { headers: { authorization: `Bearer ${tokens.access_token}` } });
    expect(await userinfo.json()).toEqual({ sub: DEV_USER_ID, preferred_username: DEV_USERNAME });
  });

  it('is idempotent and only announces credentials it created', async () => {
    const warn = vi.spyOn(server.ctx.log, 'warn');
    try {
      await ensureDevCredentials(server.ctx);
      await Promise.all([ensureDevCredentials(server.ctx), ensureDevCredentials(server.ctx)]);
      expect(warn).not.toHaveBeenCalled();
    } finally {
      warn.mockRestore();
    }
    expect(await server.ctx.db.selectFrom('oauth_clients').select('id').where('id', '=', DEV_CLIENT_ID).execute()).toHaveLength(1);
    expect(await server.ctx.db.selectFrom('users').select('id').where('username', '=', DEV_USERNAME).execute()).toHaveLength(1);
  });

  it('announces what it creates on a fresh database', async () => {
    const fresh = await startTestServer();
    const warn = vi.spyOn(fresh.ctx.log, 'warn');
    try {
      await ensureDevCredentials(fresh.ctx);
      expect(warn).toHaveBeenCalledTimes(1);
      expect(String(warn.mock.calls[0]![0])).toMatch(/dev-client \/ dev-secret.*dev \/ dev-password/);
    } finally {
      warn.mockRestore();
      await fresh.close();
    }
  });
});
