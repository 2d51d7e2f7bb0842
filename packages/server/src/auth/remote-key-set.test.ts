import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../testing/index.js';

const ISSUER = 'https://issuer.example';

interface IssuerKey {
  readonly kid: string;
  readonly privateKey: CryptoKey;
  readonly publicJwk: JWK;
}

async function newKey(): Promise<IssuerKey> {
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  const kid = randomUUID();
  return { kid, privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' } };
}

/** A real HTTP server standing in for the external issuer's JWKS endpoint; its keys can rotate. */
class JwksEndpoint {
  fetches = 0;
  keys: IssuerKey[] = [];
  private readonly server = http.createServer((_req, res) => {
    this.fetches++;
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: this.keys.map((k) => k.publicJwk) }));
  });
  url = '';

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as { port: number }).port}/jwks.json`;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/** A user token for `sync`, as the issuer would sign it with `key` (or a made-up `kid`). */
async function tokenFrom(key: IssuerKey, kid = key.kid): Promise<string> {
  return new SignJWT({ client_id: 'app', scope: 'sync' })
    .setProtectedHeader({ alg: 'ES256', kid, typ: 'at+jwt' })
    .setIssuer(ISSUER)
    .setSubject('user-1')
    .setIssuedAt()
    .setExpirationTime('10m')
    .sign(key.privateKey);
}

describe('external JWKS mode: key rotation', () => {
  const jwks = new JwksEndpoint();
  let server: TestServer | null = null;
  beforeAll(async () => {
    await jwks.start();
  });
  afterEach(async () => {
    await server?.close();
    server = null;
  });
  afterAll(async () => {
    await jwks.close();
  });

  // A long interval, so that no refetch is allowed by time passing during a test: every fetch counted is
  // one the policy chose.
  const startVerifier = async (): Promise<TestServer> =>
    (server = await startTestServer({ authMode: 'jwks', jwksUrl: jwks.url, externalIssuer: ISSUER, jwksRefetchIntervalMs: 600_000 }));
  const pull = (node: TestServer, token: string) =>
    fetch(`${node.url}/v1/sync?mutationsSince=0&metadataOnly=true`, { headers: { 'x-auth-token': token, 'x-client-id': 'app' } });

  it('accepts a token signed with a key rotated in right after a fetch, and a burst of them costs one fetch', async () => {
    const [first, second] = [await newKey(), await newKey()];
    jwks.keys = [first];
    jwks.fetches = 0;
    const node = await startVerifier();
    expect((await pull(node, await tokenFrom(first))).status).toBe(200);
    expect(jwks.fetches).toBe(1);

    // The issuer rotates: publishes the new key and signs with it at once.
    jwks.keys = [second, first];
    const statuses = await Promise.all(Array.from({ length: 10 }, async () => (await pull(node, await tokenFrom(second))).status));
    expect(statuses).toEqual(Array(10).fill(200));
    expect(jwks.fetches).toBe(2);
    // The old key still verifies, from the cache.
    expect((await pull(node, await tokenFrom(first))).status).toBe(200);
    expect(jwks.fetches).toBe(2);
  });

  it('refuses tokens with made-up kids with 401 and lets them cause at most one fetch per interval', async () => {
    const key = await newKey();
    jwks.keys = [key];
    jwks.fetches = 0;
    const node = await startVerifier();
    expect((await pull(node, await tokenFrom(key))).status).toBe(200);
    expect(jwks.fetches).toBe(1);

    const flood = await Promise.all(Array.from({ length: 50 }, async () => pull(node, await tokenFrom(key, randomUUID()))));
    for (const res of flood) {
      expect(res.status).toBe(401);
      expect(((await res.json()) as { message: string }).message).toBe('Invalid access token: token was signed by an unknown key');
    }
    const later = await Promise.all(Array.from({ length: 20 }, async () => (await pull(node, await tokenFrom(key, randomUUID()))).status));
    expect(later).toEqual(Array(20).fill(401));
    expect(jwks.fetches).toBe(2);
    expect((await pull(node, await tokenFrom(key))).status).toBe(200);
    expect(jwks.fetches).toBe(2);
  });
});
