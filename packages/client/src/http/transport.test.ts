import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '@quran-sync/server/testing';
import type { TokenProvider } from '../auth/token-provider.js';
import { closedPort, startFaultProxy, type FaultProxy } from '../testing/fault-proxy.js';
import { ApiError, NetworkError, isContentSyncError, parseErrorEnvelope } from './api-error.js';
import { HttpTransport, type RetryInfo } from './transport.js';

/** Real server, real sockets: faults are injected by a real HTTP proxy in front of it, never by a stub. */
describe('HttpTransport', () => {
  let server: TestServer;
  let provider: TokenProvider;
  const proxies: FaultProxy[] = [];
  const proxy = async (plan?: FaultProxy['plan'], port?: number) => {
    const p = await startFaultProxy(server.url, { ...(plan ? { plan } : {}), ...(port ? { port } : {}) });
    proxies.push(p);
    return p;
  };

  beforeAll(async () => {
    server = await startTestServer();
    const token = await server.mintToken({ userId: null, clientId: 'reader', scopes: ['content'] });
    provider = { getToken: async () => ({ accessToken: token, clientId: 'reader' }), invalidate: () => undefined };
  });
  afterAll(async () => {
    for (const p of proxies) await p.close();
    await server?.close();
  });

  const syncPath = '/api/v4/resources/sync?resources=translations:1&bootstrap=true';
  const noSleep = async () => undefined;

  it('sends x-auth-token and x-client-id, and types each error envelope', async () => {
    const t = new HttpTransport({ baseUrl: server.url, tokenProvider: provider });
    const ok = await t.request(syncPath);
    expect(ok.status).toBe(200);
    await ok.body?.cancel();

    const content = await t.request('/api/v4/resources/sync?resources=videos:1&bootstrap=true').catch((e: unknown) => e);
    expect(content).toBeInstanceOf(ApiError);
    expect(content).toMatchObject({ status: 422, envelope: 'content', code: 'unknown_resource_group', contentSyncCode: 'unknown_resource_group', attempts: 1 });
    expect(isContentSyncError(content, 'unknown_resource_group')).toBe(true);
    expect((content as ApiError).requestId).toBeTruthy();

    const standard = await new HttpTransport({ baseUrl: server.url }).request(syncPath).catch((e: unknown) => e);
    expect(standard).toMatchObject({ status: 401, envelope: 'standard', code: 'unauthorized', contentSyncCode: null });

    const oauth = await new HttpTransport({ baseUrl: server.url })
      .request('/oauth2/token', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=client_credentials' })
      .catch((e: unknown) => e);
    expect(oauth).toMatchObject({ envelope: 'oauth2' });
    expect([400, 401]).toContain((oauth as ApiError).status);

    expect(parseErrorEnvelope({ success: false, error: { code: 'OutOfSyncError', message: 'm' } })).toEqual({
      envelope: 'sync',
      code: 'OutOfSyncError',
      message: 'm',
    });
    expect(parseErrorEnvelope('<html>')).toBeNull();
  });

  it('honours Retry-After on 503 and 429 before retrying, then succeeds', async () => {
    const p = await proxy((_req, i) =>
      i === 0
        ? { kind: 'respond', status: 503, headers: { 'retry-after': '1' } }
        : i === 1
          ? { kind: 'respond', status: 429, headers: { 'retry-after': '1' } }
          : { kind: 'forward' },
    );
    const retries: RetryInfo[] = [];
    const t = new HttpTransport({ baseUrl: p.url, tokenProvider: provider, onRetry: (r) => retries.push(r) });
    const res = await t.request(syncPath);
    expect(res.status).toBe(200);
    await res.body?.cancel();
    expect(p.requests.map((r) => r.decision)).toEqual(['respond', 'respond', 'forward']);
    expect(retries.map((r) => [r.attempt, r.delayMs, (r.error as ApiError).status])).toEqual([
      [1, 1000, 503],
      [2, 1000, 429],
    ]);
    // The proxy saw each retry no earlier than Retry-After allowed (a lower bound: never flaky).
    expect(p.requests[1]!.at - p.requests[0]!.at).toBeGreaterThanOrEqual(1000);
    expect(p.requests[2]!.at - p.requests[1]!.at).toBeGreaterThanOrEqual(1000);
  });

  it('never retries without bound: maxAttempts, Retry-After beyond maxDelayMs, and the time budget each stop it', async () => {
    const always503 = await proxy(() => ({ kind: 'respond', status: 503 }));
    const t1 = new HttpTransport({ baseUrl: always503.url, tokenProvider: provider, retry: { maxAttempts: 4, baseDelayMs: 1 }, sleep: noSleep });
    const e1 = await t1.request(syncPath).catch((e: unknown) => e);
    expect(e1).toMatchObject({ status: 503, attempts: 4 });
    expect(always503.requests).toHaveLength(4);

    const longWait = await proxy(() => ({ kind: 'respond', status: 429, headers: { 'retry-after': '3600' } }));
    const e2 = await new HttpTransport({ baseUrl: longWait.url, tokenProvider: provider }).request(syncPath).catch((e: unknown) => e);
    expect(e2).toMatchObject({ status: 429, attempts: 1, retryAfterMs: 3_600_000 });
    expect(longWait.requests).toHaveLength(1);

    let clock = 0;
    const budget = await proxy(() => ({ kind: 'respond', status: 503, headers: { 'retry-after': '2' } }));
    const t3 = new HttpTransport({
      baseUrl: budget.url,
      tokenProvider: provider,
      retry: { maxAttempts: 100, totalBudgetMs: 5_000 },
      now: () => clock,
      sleep: async (ms) => {
        clock += ms;
      },
    });
    const e3 = await t3.request(syncPath).catch((e: unknown) => e);
    // Waits of 2 s at t=0 and t=2 s fit in 5 s; the third (ending at 6 s) does not.
    expect(e3).toMatchObject({ status: 503, attempts: 3 });
    expect(budget.requests).toHaveLength(3);
  });

  it('retries a refused connection, then reaches the server once it is up (offline → online)', async () => {
    const port = await closedPort();
    const t = new HttpTransport({ baseUrl: `http://127.0.0.1:${port}`, tokenProvider: provider, retry: { maxAttempts: 3 }, sleep: noSleep });
    const offline = await t.request(syncPath).catch((e: unknown) => e);
    expect(offline).toBeInstanceOf(NetworkError);
    expect(offline).toMatchObject({ attempts: 3 });
    expect((offline as NetworkError).message).toMatch(/ECONNREFUSED/);

    const p = await proxy(undefined, port);
    const res = await t.request(syncPath);
    expect(res.status).toBe(200);
    await res.body?.cancel();
    expect(p.requests).toHaveLength(1);
  });

  it('retries a lost answer only when the request is idempotent', async () => {
    const reset = await proxy(() => ({ kind: 'reset' }));
    const t = new HttpTransport({ baseUrl: reset.url, tokenProvider: provider, retry: { maxAttempts: 3 }, sleep: noSleep });
    await expect(t.request(syncPath)).rejects.toBeInstanceOf(NetworkError);
    expect(reset.requests).toHaveLength(3);
    await expect(t.request('/api/v4/anything', { method: 'POST', body: '{}' })).rejects.toBeInstanceOf(NetworkError);
    expect(reset.requests).toHaveLength(4);
    await expect(t.request('/api/v4/anything', { method: 'POST', body: '{}', headers: { 'Idempotency-Key': 'k1' } })).rejects.toBeInstanceOf(NetworkError);
    expect(reset.requests).toHaveLength(7);

    const error500 = await proxy(() => ({ kind: 'respond', status: 500, body: '{"message":"boom","type":"internal_server_error","success":false}' }));
    const t500 = new HttpTransport({ baseUrl: error500.url, tokenProvider: provider, retry: { maxAttempts: 3 }, sleep: noSleep });
    await expect(t500.request('/x', { method: 'POST', body: '{}' })).rejects.toMatchObject({ status: 500, code: 'internal_server_error', attempts: 1 });
    await expect(t500.request('/x')).rejects.toMatchObject({ status: 500, attempts: 3 });
  });

  it('times out an attempt that gets no answer, and retries it', async () => {
    const hang = await proxy(() => ({ kind: 'hang' }));
    const t = new HttpTransport({ baseUrl: hang.url, tokenProvider: provider, attemptTimeoutMs: 150, retry: { maxAttempts: 2 }, sleep: noSleep });
    const e = await t.request(syncPath).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(NetworkError);
    expect((e as NetworkError).message).toMatch(/within 150 ms/);
    expect(hang.requests).toHaveLength(2);
  });

  it('cancels a wait and a request in flight through AbortSignal, without further requests', async () => {
    const p = await proxy(() => ({ kind: 'respond', status: 503, headers: { 'retry-after': '20' } }));
    const controller = new AbortController();
    const t = new HttpTransport({ baseUrl: p.url, tokenProvider: provider });
    const pending = t.request(syncPath, { signal: controller.signal });
    setTimeout(() => controller.abort(new Error('user cancelled')), 100);
    await expect(pending).rejects.toThrow('user cancelled');
    expect(p.requests).toHaveLength(1);

    const hang = await proxy(() => ({ kind: 'hang' }));
    const c2 = new AbortController();
    const inFlight = new HttpTransport({ baseUrl: hang.url, tokenProvider: provider }).request(syncPath, { signal: c2.signal });
    setTimeout(() => c2.abort(new Error('stop now')), 100);
    await expect(inFlight).rejects.toThrow('stop now');
    expect(hang.requests).toHaveLength(1);
  });

  it('rethrows what is not a network failure without retrying', async () => {
    let calls = 0;
    const t = new HttpTransport({
      baseUrl: server.url,
      fetch: async () => {
        calls++;
        throw new RangeError('process crashed');
      },
    });
    await expect(t.request(syncPath)).rejects.toThrow(RangeError);
    expect(calls).toBe(1);
    expect(() => t.url('relative/path')).toThrow(TypeError);
    expect(t.url('/api/v4/resources/sync?cursor=a%2Bb')).toBe(`${server.url}/api/v4/resources/sync?cursor=a%2Bb`);
  });
});
