import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError, oauth2Error } from '../../http/api-error.js';
import { verifyPassword } from '../password-hash.js';
import { createTestClient, startTestServer, tokenRequest, type TestServer } from '../../testing/index.js';
import type { ClientAuthAttempt } from './client-auth-throttle.js';
import { ClientAuthenticator } from './client-authentication.js';

const SECRET = 'the-right-secret';
const CLIENT_CREDENTIALS = { grant_type: 'client_credentials', scope: 'content' };

/** General limits far away, so only the failed-authentication counters can answer 429. */
const generous = { enabled: true, perClient: 1_000_000, perUser: 1_000_000, windowMs: 60_000 };

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs `tasks` with at most `concurrency` in flight, like the attack run (8 concurrent). */
async function pooled<T>(count: number, concurrency: number, task: (i: number) => Promise<T>): Promise<T[]> {
  const results: T[] = new Array(count);
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        const i = next++;
        results[i] = await task(i);
      }
    }),
  );
  return results;
}

async function guess(url: string, clientId: string, secret: string): Promise<{ status: number; retryAfter: string | null; body: Record<string, unknown> }> {
  const res = await tokenRequest(url, CLIENT_CREDENTIALS, { clientId, clientSecret: secret });
  return { status: res.status, retryAfter: res.headers.get('retry-after'), body: (await res.json()) as Record<string, unknown> };
}

/** POST /oauth2/token from a chosen loopback address (127.0.0.2 is another caller to the server). */
function tokenRequestFrom(localAddress: string, baseUrl: string, clientId: string, secret: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const body = new URLSearchParams(CLIENT_CREDENTIALS).toString();
    const req = http.request(
      `${baseUrl}/oauth2/token`,
      {
        method: 'POST',
        localAddress,
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          authorization: `Basic ${Buffer.from(`${clientId}:${secret}`).toString('base64')}`,
        },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

function expectThrottled(answer: { status: number; retryAfter: string | null; body: Record<string, unknown> }, scope: RegExp): void {
  expect(answer.status).toBe(429);
  expect(Object.keys(answer.body).sort()).toEqual(['error', 'error_description', 'status_code']);
  expect(answer.body).toMatchObject({ error: 'invalid_client', status_code: 429 });
  expect(answer.body.error_description).toMatch(scope);
  const retryAfter = Number(answer.retryAfter);
  expect(Number.isInteger(retryAfter) && retryAfter >= 1).toBe(true);
}

describe('failed client authentications are throttled', () => {
  it('per client id: 429 + Retry-After once over the limit, the right secret refused too, and accepted again once the window has passed', async () => {
    const limit = 5;
    // The window must outlast the burst (five scrypts in a row on a busy machine), and is waited out at the end.
    const server = await startTestServer({
      rateLimit: { ...generous, clientAuthFailuresPerClient: limit, clientAuthFailuresPerAddress: 1000, clientAuthFailureWindowMs: 6_000 },
    });
    try {
      await createTestClient(server.ctx.db, { id: 'guessed-app', secret: SECRET, grantTypes: ['client_credentials'] });
      // The attack run: many wrong secrets, 8 at a time, on a process that has not verified the right one yet.
      const answers = await pooled(40, 8, (i) => guess(server.url, 'guessed-app', `wrong-${i}`));
      const statuses = answers.map((a) => a.status);
      // Hashing for one client runs one attempt at a time and each failure is counted before the next:
      // exactly `limit` wrong secrets were checked, every other attempt was refused before hashing.
      expect(statuses.filter((s) => s === 401)).toHaveLength(limit);
      expect(statuses.filter((s) => s === 429)).toHaveLength(40 - limit);
      expectThrottled(answers.find((a) => a.status === 429)!, /for this client/);

      // While throttled the right secret is refused as well: otherwise the 429 would be an oracle.
      expectThrottled(await guess(server.url, 'guessed-app', SECRET), /for this client/);
      // The other endpoints that authenticate clients share the counters.
      const introspect = await fetch(`${server.url}/oauth2/introspect`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`guessed-app:${SECRET}`).toString('base64')}` },
        body: new URLSearchParams({ token: 'x.y.z' }),
      });
      expect(introspect.status).toBe(429);
      expect(await introspect.json()).toMatchObject({ error: 'invalid_client', status_code: 429 });

      // Once the window has passed the right secret works again.
      let status = 429;
      for (let i = 0; i < 100 && status === 429; i++) {
        await sleep(100);
        status = (await guess(server.url, 'guessed-app', SECRET)).status;
      }
      expect(status).toBe(200);
    } finally {
      await server.close();
    }
  });

  it('per source address, across client ids: that address is refused for every client, another address is not', async () => {
    const server = await startTestServer({
      rateLimit: { ...generous, clientAuthFailuresPerClient: 1000, clientAuthFailuresPerAddress: 3, clientAuthFailureWindowMs: 60_000 },
    });
    try {
      await createTestClient(server.ctx.db, { id: 'bystander', secret: SECRET, grantTypes: ['client_credentials'] });
      // Made-up client ids cost no hashing but still count against the address.
      for (let i = 0; i < 3; i++) expect((await guess(server.url, `made-up-${i}`, 'whatever')).status).toBe(401);
      expectThrottled(await guess(server.url, 'made-up-9', 'whatever'), /from this address/);
      expectThrottled(await guess(server.url, 'bystander', SECRET), /from this address/);
      expect(await tokenRequestFrom('127.0.0.2', server.url, 'bystander', SECRET)).toBe(200);
    } finally {
      await server.close();
    }
  });

  const redisUrl = process.env.QS_TEST_REDIS_URL || null;
  it.skipIf(!redisUrl)('shares the counters between nodes through Redis (needs QS_TEST_REDIS_URL)', async () => {
    const rateLimit = { ...generous, clientAuthFailuresPerClient: 3, clientAuthFailuresPerAddress: 1_000_000, clientAuthFailureWindowMs: 60_000 };
    const a = await startTestServer({ redisUrl, rateLimit });
    const b = await startTestServer({ redisUrl, rateLimit, database: a.database });
    try {
      // Redis counters outlive a test run: fresh client ids every time.
      const probeId = `probe-${randomUUID()}`;
      const clientId = `shared-${randomUUID()}`;
      await createTestClient(a.ctx.db, { id: probeId, secret: SECRET, grantTypes: ['client_credentials'] });
      await createTestClient(a.ctx.db, { id: clientId, secret: SECRET, grantTypes: ['client_credentials'] });
      // The limiter fails open while Redis is still connecting: wait until both nodes count.
      for (const node of [a, b]) {
        let probed = 0;
        for (let attempt = 0; attempt < 200 && probed !== 429; attempt++) probed = (await guess(node.url, probeId, `probe-${attempt}`)).status;
        expect(probed).toBe(429);
      }
      for (let i = 0; i < 3; i++) expect((await guess(a.url, clientId, `wrong-${i}`)).status).toBe(401);
      expectThrottled(await guess(b.url, clientId, SECRET), /for this client/);
    } finally {
      await b.close();
      await a.close();
    }
  });
});

describe('the cost of checking a client secret', () => {
  let server: TestServer;
  let hashings = 0;
  const countingVerify = async (secret: string, stored: string): Promise<boolean> => {
    hashings++;
    return verifyPassword(secret, stored);
  };
  beforeAll(async () => {
    server = await startTestServer();
    await createTestClient(server.ctx.db, { id: 'costly', secret: SECRET, grantTypes: ['client_credentials'] });
  });
  afterAll(async () => {
    await server?.close();
  });

  it('is one scrypt per distinct secret and client, however many requests present it', async () => {
    const authenticator = new ClientAuthenticator(server.ctx.db, 1000, countingVerify);
    hashings = 0;
    // Concurrent first requests with the right secret: one hashing, the others wait for it.
    const clients = await Promise.all(Array.from({ length: 8 }, () => authenticator.authenticate('costly', SECRET)));
    expect(clients.every((c) => c?.id === 'costly')).toBe(true);
    expect(hashings).toBe(1);
    // Once the right secret is known, wrong ones are refused by comparing digests.
    const wrong = await Promise.all(Array.from({ length: 20 }, (_, i) => authenticator.authenticate('costly', `wrong-${i}`)));
    expect(wrong.every((c) => c === null)).toBe(true);
    expect(hashings).toBe(1);

    // A wrong secret retried (a misconfigured client) costs one hashing, not one per retry.
    const fresh = new ClientAuthenticator(server.ctx.db, 1000, countingVerify);
    hashings = 0;
    for (let i = 0; i < 5; i++) expect(await fresh.authenticate('costly', 'stale-secret')).toBeNull();
    expect(hashings).toBe(1);
  });

  it('never exceeds the failure limit in scrypts of wrong secrets, even for concurrent guesses', async () => {
    const authenticator = new ClientAuthenticator(server.ctx.db, 1000, countingVerify);
    // The throttle's contract, counted in memory: refuse once `limit` failures were reported.
    const limit = 3;
    let failures = 0;
    const attempt: ClientAuthAttempt = {
      admit: async () => {
        if (failures >= limit)
          throw oauth2Error('invalid_client', 'Too many failed client authentications for this client; retry in 60 s', 429, { 'retry-after': '60' });
      },
      failed: async () => {
        failures++;
      },
    };
    hashings = 0;
    const outcomes = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        authenticator.authenticate('costly', `guess-${i}`, attempt).then(
          (c) => c,
          (error: unknown) => error,
        ),
      ),
    );
    expect(hashings).toBe(limit);
    expect(outcomes.filter((o) => o === null)).toHaveLength(limit);
    expect(outcomes.filter((o) => o instanceof ApiError && o.statusCode === 429)).toHaveLength(30 - limit);
  });
});
