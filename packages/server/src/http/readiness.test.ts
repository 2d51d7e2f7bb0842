import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildApp, type QuranSyncApp } from '../app.js';
import { signAccessToken } from '../auth/access-token-signer.js';
import { loadOrCreateKeyRing } from '../auth/signing-keys.js';
import { resolveServerConfig } from '../config/server-config.js';
import { createTestDatabase, TEST_ISSUER } from '../testing/index.js';

describe('readiness while the embedded server seeds', () => {
  const cleanups: Array<() => Promise<unknown>> = [];
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  it('/ready answers 503 with the reason while seeding, and ordinary requests are served, not shed as "overloaded"', async () => {
    const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'quran-sync-readiness-'));
    cleanups.push(() => fs.rm(dataDir, { recursive: true, force: true }));
    const database = await createTestDatabase();
    cleanups.push(() => database.close());
    const config = resolveServerConfig(
      {
        host: '127.0.0.1',
        port: 0,
        dataDir,
        issuer: TEST_ISSUER,
        logLevel: 'silent',
        seedOnStart: true,
        createDevCredentials: false,
        readerDir: false,
        rateLimit: { enabled: false },
        // The strictest threshold: seeding on the embedded database lags the event loop far beyond it, so any
        // of that lag counted as load would shed the requests below.
        overload: { enabled: true, maxEventLoopDelayMs: 10 },
      },
      {},
    );
    const keys = await loadOrCreateKeyRing(config.signingKeysFile);
    const token = (await signAccessToken(keys, { issuer: TEST_ISSUER, clientId: 'ready-app', userId: 'ready-user', scopes: ['sync'], ttlSeconds: 600 })).token;
    const headers = { 'x-auth-token': token, 'x-client-id': 'ready-app' };

    const server: QuranSyncApp = await buildApp(config, { database, keys });
    let started = false;
    const listening = server.listen().then((url) => {
      started = true;
      return url;
    });
    // Closing while the seed still runs would only add errors to a failure: wait for it first.
    cleanups.push(() =>
      listening.then(
        () => server.close(),
        () => server.close(),
      ),
    );
    while (!server.app.server.listening) await new Promise((resolve) => setTimeout(resolve, 5));
    const address = server.app.server.address();
    const base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;

    // During seeding: alive, not ready (with the reason), and a user's request is served once the database is free.
    const health = await fetch(`${base}/health`);
    const ready = await fetch(`${base}/ready`);
    const answeredDuringSeeding = !started;
    const pullDuringSeeding = fetch(`${base}/v1/sync?mutationsSince=0&metadataOnly=true`, { headers });
    expect(answeredDuringSeeding, 'seeding ended before /ready was asked: listen() must not resolve before seeding').toBe(true);
    expect(health.status).toBe(200);
    expect(ready.status).toBe(503);
    expect(ready.headers.get('retry-after')).toBeTruthy();
    expect(await ready.json()).toEqual({ message: 'Not ready: seeding the bundled content', type: 'service_unavailable', success: false });
    const pull = await pullDuringSeeding;
    expect(pull.status, JSON.stringify(await pull.clone().json())).toBe(200);

    // Seeded: listen() resolves, /ready is 200, and the first requests after start are not shed either (the lag
    // monitor's last samples still cover the seeding).
    const url = await listening;
    expect((await fetch(`${url}/ready`)).status).toBe(200);
    const burst = await Promise.all(Array.from({ length: 20 }, () => fetch(`${url}/v1/sync?mutationsSince=0&metadataOnly=true`, { headers })));
    expect(burst.map((res) => res.status)).toEqual(burst.map(() => 200));
    const sync = await fetch(`${url}/api/v4/resources/sync?resources=translations:20&bootstrap=true`, {
      headers: {
        'x-auth-token': (await signAccessToken(keys, { issuer: TEST_ISSUER, clientId: 'ready-app', userId: null, scopes: ['content'], ttlSeconds: 600 })).token,
        'x-client-id': 'ready-app',
      },
    });
    expect(sync.status).toBe(200);
  });
});
