import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GUARDED_ROUTES, createTestClient, startGuardedTestApp, startTestServer, type GuardedTestApp, type TestServer } from '@quran-sync/server/testing';
import { authorizedFetch } from './authorized-fetch.js';
import { ClientCredentialsTokenProvider } from './client-credentials-provider.js';
import { TokenRequestError } from './token-endpoint-client.js';

/** Real fetch, counting the calls to the token endpoint. */
function countingFetch(): { fetch: typeof fetch; tokenCalls: () => number; calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    tokenCalls: () => calls.filter((url) => url.endsWith('/oauth2/token')).length,
    fetch: async (input, init) => {
      calls.push(String(input instanceof Request ? input.url : input));
      return fetch(input, init);
    },
  };
}

describe('ClientCredentialsTokenProvider (against a real server)', () => {
  let server: TestServer;
  let app: GuardedTestApp;
  beforeAll(async () => {
    server = await startTestServer();
    app = await startGuardedTestApp(server.ctx.verifier);
    await createTestClient(server.ctx.db, { id: 'reader', secret: 'reader-secret', scopes: 'content' });
  });
  afterAll(async () => {
    await app?.close();
    await server?.close();
  });

  const provider = (extra: Partial<ConstructorParameters<typeof ClientCredentialsTokenProvider>[0]> = {}) =>
    new ClientCredentialsTokenProvider({ baseUrl: server.url, clientId: 'reader', clientSecret: 'reader-secret', scope: 'content', ...extra });

  it('gets a token the server accepts, and caches it until 30 s before expiry', async () => {
    const counter = countingFetch();
    let clock = Date.now();
    const p = provider({ fetch: counter.fetch, now: () => clock });
    const first = await p.getToken();
    expect(first.clientId).toBe('reader');
    const res = await fetch(`${app.url}${GUARDED_ROUTES.content}`, { headers: { 'x-auth-token': first.accessToken, 'x-client-id': first.clientId } });
    expect(res.status).toBe(200);

    clock += 3600_000 - 31_000;
    expect((await p.getToken()).accessToken).toBe(first.accessToken);
    expect(counter.tokenCalls()).toBe(1);
    clock += 2_000; // now within the 30 s margin
    const renewed = await p.getToken();
    expect(counter.tokenCalls()).toBe(2);
    expect(renewed.accessToken).not.toBe(first.accessToken);
  });

  it('shares one request between concurrent callers', async () => {
    const counter = countingFetch();
    const p = provider({ fetch: counter.fetch });
    const grants = await Promise.all(Array.from({ length: 10 }, () => p.getToken()));
    expect(new Set(grants.map((g) => g.accessToken)).size).toBe(1);
    expect(counter.tokenCalls()).toBe(1);
  });

  it('does not retry a refusal, and reports it with the OAuth2 error code', async () => {
    const counter = countingFetch();
    const p = new ClientCredentialsTokenProvider({
      baseUrl: server.url,
      clientId: 'reader',
      clientSecret: 'wrong-secret',
      scope: 'content',
      fetch: counter.fetch,
    });
    const error = await p.getToken().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TokenRequestError);
    expect(error).toMatchObject({ status: 401, error: 'invalid_client' });
    expect(counter.tokenCalls()).toBe(1);
    const badScope = await provider({ scope: 'content.write' })
      .getToken()
      .catch((e: unknown) => e);
    expect(badScope).toMatchObject({ status: 400, error: 'invalid_scope' });
  });

  it('retries network failures with bounded, jittered backoff, then succeeds', async () => {
    const delays: number[] = [];
    let failuresLeft = 2;
    let attempts = 0;
    const flaky: typeof fetch = async (input, init) => {
      attempts++;
      if (failuresLeft-- > 0) throw new TypeError('fetch failed');
      return fetch(input, init);
    };
    const p = provider({
      fetch: flaky,
      random: () => 0.5,
      sleep: async (ms) => void delays.push(ms),
      backoff: { baseDelayMs: 100, maxDelayMs: 1_000, maxAttempts: 4 },
    });
    const grant = await p.getToken();
    expect(grant.accessToken).toBeTruthy();
    expect(attempts).toBe(3);
    expect(delays).toEqual([50, 100]); // 0.5 × 100, 0.5 × 200
  });

  it('gives up after maxAttempts when the server stays unreachable', async () => {
    const delays: number[] = [];
    let attempts = 0;
    const p = new ClientCredentialsTokenProvider({
      baseUrl: await closedPortUrl(),
      clientId: 'reader',
      clientSecret: 'reader-secret',
      scope: 'content',
      fetch: async (input, init) => {
        attempts++;
        return fetch(input, init);
      },
      random: () => 1,
      sleep: async (ms) => void delays.push(ms),
      backoff: { baseDelayMs: 100, maxDelayMs: 250, maxAttempts: 4 },
    });
    const error = await p.getToken().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TokenRequestError);
    expect(error).toMatchObject({ status: null });
    expect(attempts).toBe(4);
    expect(delays).toEqual([100, 200, 250]);
  });

  it("waits the server's Retry-After on 429, within maxAttempts", async () => {
    const limited = await startTestServer({
      database: server.database,
      signingKeysFile: server.ctx.config.signingKeysFile,
      rateLimit: { enabled: true, perClient: 1, windowMs: 60_000 },
    });
    try {
      const delays: number[] = [];
      const counter = countingFetch();
      const p = new ClientCredentialsTokenProvider({
        baseUrl: limited.url,
        clientId: 'reader',
        clientSecret: 'reader-secret',
        scope: 'content',
        fetch: counter.fetch,
        sleep: async (ms) => void delays.push(ms),
        backoff: { maxAttempts: 3, maxDelayMs: 120_000 },
      });
      // The limit is per client (x-client-id) or, without it, per address: the first request passes.
      await p.getToken();
      p.invalidate();
      const error = await p.getToken().catch((e: unknown) => e);
      expect(error).toMatchObject({ status: 429 });
      expect(counter.tokenCalls()).toBe(4);
      expect(delays).toHaveLength(2);
      for (const delay of delays) {
        expect(delay).toBeGreaterThanOrEqual(1_000);
        expect(delay).toBeLessThanOrEqual(60_000);
        expect(delay % 1000).toBe(0); // whole seconds: taken from Retry-After, not from jitter
      }
    } finally {
      await limited.close();
    }
  });

  it('authorizedFetch sends x-auth-token and x-client-id, and renews once after a 401', async () => {
    const counter = countingFetch();
    const p = provider({ fetch: counter.fetch });
    const call = authorizedFetch(p, { fetch: counter.fetch });
    expect((await call(`${app.url}${GUARDED_ROUTES.content}`)).status).toBe(200);

    // Revoke the cached token behind the provider's back: the next call gets a 401, renews, retries.
    const { accessToken } = await p.getToken();
    const revoke = await fetch(`${server.url}/oauth2/revoke`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from('reader:reader-secret').toString('base64')}` },
      body: new URLSearchParams({ token: accessToken }),
    });
    expect(revoke.status).toBe(200);
    const before = counter.calls.length;
    const res = await call(`${app.url}${GUARDED_ROUTES.content}`);
    expect(res.status).toBe(200);
    expect(counter.calls.slice(before).map((u) => new URL(u).pathname)).toEqual([GUARDED_ROUTES.content, '/oauth2/token', GUARDED_ROUTES.content]);
    expect((await p.getToken()).accessToken).not.toBe(accessToken);

    // A 403 is not an authentication problem: no renewal, no retry.
    const forbidden = await call(`${app.url}${GUARDED_ROUTES.editorial}`);
    expect(forbidden.status).toBe(403);
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
