import { randomUUID } from 'node:crypto';
import { OAuth2ErrorBody, StandardErrorBody } from '@quran-sync/protocol';
import { Validator } from '@seriousme/openapi-schema-validator';
import { Value } from '@sinclair/typebox/value';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../testing/index.js';

/** Every error body in exactly one envelope, with exactly its keys. */
function expectStandard(body: unknown, status: number): void {
  expect(Value.Check(StandardErrorBody, body)).toBe(true);
  expect(Object.keys(body as object).sort()).toEqual(['message', 'success', 'type']);
  const expectedType = { 400: 'invalid_request', 401: 'unauthorized', 403: 'forbidden', 404: 'not_found', 429: 'rate_limit_exceeded' }[status];
  expect((body as { type: string }).type).toBe(expectedType);
}

function expectOAuth2(body: unknown, status: number): void {
  expect(Value.Check(OAuth2ErrorBody, body)).toBe(true);
  expect(Object.keys(body as object).sort()).toEqual(['error', 'error_description', 'status_code']);
  expect((body as { status_code: number }).status_code).toBe(status);
}

const redisUrl = process.env.QS_TEST_REDIS_URL || null;

describe('rate limiting answers 429 with Retry-After in the standard envelope', () => {
  const backends = [{ name: 'in memory', redisUrl: null as string | null }, ...(redisUrl ? [{ name: 'Redis', redisUrl }] : [])];
  for (const backend of backends) {
    it(`per client (${backend.name})`, async () => {
      const server = await startTestServer({ redisUrl: backend.redisUrl, rateLimit: { enabled: true, perClient: 2, windowMs: 60_000 } });
      try {
        const call = (id: string) => fetch(`${server.url}/.well-known/jwks.json`, { headers: { 'x-client-id': id } });
        // The limiter fails open while Redis is still connecting (losing the limiter must not take the API
        // down): wait until it counts, on a throwaway client.
        const probe = `rl-probe-${randomUUID()}`;
        for (let attempt = 0; attempt < 100 && (await call(probe)).status !== 429; attempt++) await new Promise((r) => setTimeout(r, 20));
        // A fresh client id per run: Redis counters outlive the test process.
        const clientId = `rl-${randomUUID()}`;
        expect((await call(clientId)).status).toBe(200);
        expect((await call(clientId)).status).toBe(200);
        const limited = await call(clientId);
        expect(limited.status).toBe(429);
        const retryAfter = Number(limited.headers.get('retry-after'));
        expect(Number.isInteger(retryAfter)).toBe(true);
        expect(retryAfter).toBeGreaterThanOrEqual(1);
        expect(retryAfter).toBeLessThanOrEqual(60);
        expect(limited.headers.get('x-request-id')).toBeTruthy();
        expectStandard(await limited.json(), 429);
        // Limits are per client: another app is unaffected.
        expect((await call(`rl-${randomUUID()}`)).status).toBe(200);
        // Probes are never limited.
        expect((await fetch(`${server.url}/health`, { headers: { 'x-client-id': clientId } })).status).toBe(200);
      } finally {
        await server.close();
      }
    });
  }

  it.skipIf(!redisUrl)('shares the counters between nodes through Redis (needs QS_TEST_REDIS_URL)', async () => {
    const a = await startTestServer({ redisUrl, rateLimit: { enabled: true, perClient: 2, windowMs: 60_000 } });
    const b = await startTestServer({ redisUrl, rateLimit: { enabled: true, perClient: 2, windowMs: 60_000 } });
    try {
      for (const node of [a, b]) {
        const probe = { 'x-client-id': `rl-probe-${randomUUID()}` };
        for (let attempt = 0; attempt < 100 && (await fetch(`${node.url}/.well-known/jwks.json`, { headers: probe })).status !== 429; attempt++)
          await new Promise((r) => setTimeout(r, 20));
      }
      const clientId = `rl-${randomUUID()}`;
      const headers = { 'x-client-id': clientId };
      expect((await fetch(`${a.url}/.well-known/jwks.json`, { headers })).status).toBe(200);
      expect((await fetch(`${b.url}/.well-known/jwks.json`, { headers })).status).toBe(200);
      expect((await fetch(`${a.url}/.well-known/jwks.json`, { headers })).status).toBe(429);
      expect((await fetch(`${b.url}/.well-known/jwks.json`, { headers })).status).toBe(429);
    } finally {
      await b.close();
      await a.close();
    }
  });
});

describe('error envelopes and the OpenAPI document', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server?.close();
  });

  it('uses the oauth2 envelope on every /oauth2 error, including framework-level ones', async () => {
    const cases: Array<[RequestInit & { path: string }, number]> = [
      [{ path: '/oauth2/token', method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=client_credentials' }, 401],
      [{ path: '/oauth2/token', method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: '' }, 400],
      [{ path: '/oauth2/token', method: 'POST', headers: { 'content-type': 'application/xml' }, body: '<x/>' }, 415],
      [{ path: '/oauth2/token', method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'hello' }, 400],
      [{ path: '/oauth2/token', method: 'POST', headers: { 'content-type': 'application/json' }, body: '{not json' }, 400],
      [{ path: '/oauth2/introspect', method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'token=x' }, 401],
      [{ path: '/oauth2/revoke', method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'token=x' }, 401],
      [{ path: '/oauth2/nope', method: 'GET' }, 404],
      [{ path: '/oauth2/userinfo', method: 'GET' }, 401],
    ];
    for (const [{ path, ...init }, status] of cases) {
      const res = await fetch(`${server.url}${path}`, init);
      expect({ path, status: res.status }).toEqual({ path, status });
      expect(res.headers.get('x-request-id')).toBeTruthy();
      expectOAuth2(await res.json(), status);
    }
  });

  it('uses the standard envelope elsewhere', async () => {
    const res = await fetch(`${server.url}/no/such/route`);
    expect(res.status).toBe(404);
    expectStandard(await res.json(), 404);
  });

  it('serves /openapi.json as a valid OpenAPI 3.1 document that documents the issuer', async () => {
    const doc = (await (await fetch(`${server.url}/openapi.json`)).json()) as { openapi: string; paths: Record<string, Record<string, unknown>> };
    const validator = new Validator();
    const result = await validator.validate(doc);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/oauth2/token',
        '/oauth2/auth',
        '/oauth2/introspect',
        '/oauth2/revoke',
        '/userinfo',
        '/.well-known/openid-configuration',
        '/.well-known/jwks.json',
      ]),
    );
    const token = doc.paths['/oauth2/token']!.post as { requestBody: { content: Record<string, unknown> } };
    expect(Object.keys(token.requestBody.content)).toEqual(['application/x-www-form-urlencoded']);
  });
});
