import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveServerConfig } from '../config/server-config.js';
// The default issuer depends on the port, so these tests start servers on real, known ports.
import { createTestClient, freePort, startTestServer, tokenRequest, type TestServer } from '../testing/index.js';
import { signAccessToken } from './access-token-signer.js';
import { settleIssuer } from './deployment-issuer.js';
import { loadKeyRing, loadOrCreateKeyRing, rotateSigningKeys } from './signing-keys.js';

async function clientToken(server: TestServer): Promise<string> {
  const res = await tokenRequest(server.url, { grant_type: 'client_credentials', scope: 'content' }, { clientId: 'node-app', clientSecret: 'node-secret' });
  expect(res.status).toBe(200);
  return ((await res.json()) as { access_token: string }).access_token;
}

async function introspect(server: TestServer, token: string): Promise<Record<string, unknown>> {
  const res = await fetch(`${server.url}/oauth2/introspect`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from('node-app:node-secret').toString('base64')}` },
    body: new URLSearchParams({ token }),
  });
  expect(res.status).toBe(200);
  return (await res.json()) as Record<string, unknown>;
}

const pull = (server: TestServer, token: string) =>
  fetch(`${server.url}/v1/sync?mutationsSince=0&metadataOnly=true`, { headers: { 'x-auth-token': token, 'x-client-id': 'node-app' } });

describe('one issuer per deployment', () => {
  let dir: string;
  let keysFile: string;
  let a: TestServer;
  let b: TestServer;
  let portA: number;
  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'qs-issuer-'));
    keysFile = path.join(dir, 'keys.json');
    portA = await freePort();
    // As the README sets nodes up: one database, one key file, no QS_ISSUER; each its own port.
    a = await startTestServer({ issuer: undefined, port: portA, signingKeysFile: keysFile });
    b = await startTestServer({ issuer: undefined, port: await freePort(), signingKeysFile: keysFile, database: a.database });
    await createTestClient(a.ctx.db, { id: 'node-app', secret: 'node-secret', scopes: 'content sync' });
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
    await fs.rm(dir, { recursive: true, force: true });
  });

  it("nodes on different ports without QS_ISSUER accept each other's tokens: the first node's issuer is recorded in the key file", async () => {
    expect(a.ctx.config.issuer).toBe(`http://127.0.0.1:${portA}`);
    expect(b.ctx.config.issuer).toBe(a.ctx.config.issuer);
    expect((await loadKeyRing(keysFile)).issuer).toBe(a.ctx.config.issuer);
    for (const discovery of [a, b]) {
      const body = (await (await fetch(`${discovery.url}/.well-known/openid-configuration`)).json()) as { issuer: string };
      expect(body.issuer).toBe(a.ctx.config.issuer);
    }

    const fromA = await clientToken(a);
    const fromB = await clientToken(b);
    expect(await introspect(b, fromA)).toMatchObject({ active: true, client_id: 'node-app', iss: a.ctx.config.issuer });
    expect(await introspect(a, fromB)).toMatchObject({ active: true, client_id: 'node-app' });
    // User tokens on a real API route, in both directions.
    expect((await pull(b, await a.mintToken({ userId: 'u-1', clientId: 'node-app', scopes: ['sync'] }))).status).toBe(200);
    expect((await pull(a, await b.mintToken({ userId: 'u-1', clientId: 'node-app', scopes: ['sync'] }))).status).toBe(200);
  });

  it('a 401 for a foreign issuer says which issuer was expected', async () => {
    const foreign = await signAccessToken(a.ctx.keys, {
      issuer: 'http://127.0.0.1:8080',
      clientId: 'node-app',
      userId: 'u-1',
      scopes: ['sync'],
      ttlSeconds: 600,
    });
    const res = await pull(b, foreign.token);
    expect(res.status).toBe(401);
    const body = (await res.json()) as { message: string; type: string };
    expect(body.type).toBe('unauthorized');
    expect(body.message).toBe(`Invalid access token: token claim "iss" is invalid: expected "${a.ctx.config.issuer}", got "http://127.0.0.1:8080"`);
  });
});

describe('settling the issuer', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'qs-issuer-settle-'));
  });
  afterAll(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  const configFor = (keysFile: string, input: { port?: number; issuer?: string; publicUrl?: string }) =>
    resolveServerConfig({ host: '127.0.0.1', dataDir: dir, signingKeysFile: keysFile, inMemoryDatabase: true, ...input }, {});

  it('a key file that records none (written before issuers were recorded) gets one, the same for nodes starting together', async () => {
    const keysFile = path.join(dir, 'legacy.json');
    const keys = await loadOrCreateKeyRing(keysFile);
    expect(keys.issuer).toBeNull();
    const settled = await Promise.all([18001, 18002, 18003, 18004, 18005].map((port) => settleIssuer(configFor(keysFile, { port }), keys)));
    const recorded = (await loadKeyRing(keysFile)).issuer;
    expect(recorded).toMatch(/^http:\/\/127\.0\.0\.1:1800[1-5]$/);
    expect(settled.map((s) => s.issuer)).toEqual(Array(5).fill(recorded));
    // Rotation keeps the record; no lock or temporary file is left behind.
    expect((await rotateSigningKeys(keysFile)).issuer).toBe(recorded);
    expect((await fs.readdir(dir)).filter((n) => n.endsWith('.lock') || n.endsWith('.tmp'))).toEqual([]);
  });

  it('QS_ISSUER wins and is recorded for the CLI and the other nodes; QS_PUBLIC_URL does not silently change a recorded issuer', async () => {
    const keysFile = path.join(dir, 'explicit.json');
    const keys = await loadOrCreateKeyRing(keysFile, { issuer: 'http://127.0.0.1:8080' });
    expect(keys.issuer).toBe('http://127.0.0.1:8080');

    const explicit = await settleIssuer(configFor(keysFile, { issuer: 'https://sync.example' }), keys);
    expect(explicit.issuer).toBe('https://sync.example');
    expect(explicit.warnings.join('\n')).toMatch(/issuer changed from http:\/\/127\.0\.0\.1:8080 to https:\/\/sync\.example/);
    const after = await loadKeyRing(keysFile);
    expect(after.issuer).toBe('https://sync.example');

    const other = await settleIssuer(configFor(keysFile, { port: 9999, publicUrl: 'https://elsewhere.example' }), after);
    expect(other.issuer).toBe('https://sync.example');
    expect(other.warnings.join('\n')).toMatch(/set QS_ISSUER=https:\/\/elsewhere\.example to change it/);
  });
});
