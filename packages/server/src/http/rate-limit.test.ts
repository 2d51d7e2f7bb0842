import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../testing/index.js';

describe('rate limits', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ rateLimit: { enabled: true, perClient: 1000, perUser: 2, windowMs: 60_000 } });
  });
  afterAll(async () => {
    await server?.close();
  });

  // A guarded route (the per-user limit needs an authenticated user).
  const pull = async (userId: string): Promise<Response> =>
    fetch(`${server.url}/v1/sync?mutationsSince=0&metadataOnly=true`, { headers: await server.authHeaders({ userId, scopes: ['sync'] }) });

  it('limits each user on its own, below the client limit, with Retry-After in the standard envelope', async () => {
    expect((await pull('alice')).status).toBe(200);
    expect((await pull('alice')).status).toBe(200);
    const limited = await pull('alice');
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await limited.json()).toMatchObject({ type: 'rate_limit_exceeded', success: false });
    // Another user of the same client is not affected.
    expect((await pull('bob')).status).toBe(200);
  });

  it('never limits health probes', async () => {
    for (let i = 0; i < 5; i++) expect((await fetch(`${server.url}/health`)).status).toBe(200);
  });
});
