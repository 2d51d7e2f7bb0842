import { createRemoteJWKSet, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestClient, startTestServer, tokenRequest, type TestServer } from '../../testing/index.js';

interface Discovery {
  issuer: string;
  token_endpoint: string;
  authorization_endpoint: string;
  introspection_endpoint: string;
  revocation_endpoint: string;
  userinfo_endpoint: string;
  jwks_uri: string;
  code_challenge_methods_supported: string[];
  grant_types_supported: string[];
  scopes_supported: string[];
}

describe('discovery and JWKS', () => {
  let server: TestServer;
  let proxied: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
    proxied = await startTestServer({ publicUrl: 'https://sync.example.org/' });
    await createTestClient(server.ctx.db, { id: 'app', secret: 'app-secret', scopes: 'content' });
  });
  afterAll(async () => {
    await proxied?.close();
    await server?.close();
  });

  it('advertises endpoints built from the request host when no public URL is configured', async () => {
    const res = await fetch(`${server.url}/.well-known/openid-configuration`);
    expect(res.status).toBe(200);
    const doc = (await res.json()) as Discovery;
    expect(doc).toMatchObject({
      issuer: server.ctx.config.issuer,
      token_endpoint: `${server.url}/oauth2/token`,
      authorization_endpoint: `${server.url}/oauth2/auth`,
      introspection_endpoint: `${server.url}/oauth2/introspect`,
      revocation_endpoint: `${server.url}/oauth2/revoke`,
      userinfo_endpoint: `${server.url}/userinfo`,
      jwks_uri: `${server.url}/.well-known/jwks.json`,
      code_challenge_methods_supported: ['S256'],
    });
    expect(doc.grant_types_supported.sort()).toEqual(['authorization_code', 'client_credentials', 'refresh_token']);
    expect(doc.scopes_supported).toEqual(expect.arrayContaining(['content', 'bookmark.read', 'offline_access', 'content.write']));
    const rfc8414 = await fetch(`${server.url}/.well-known/oauth-authorization-server`);
    expect(await rfc8414.json()).toEqual(doc);
  });

  it('uses the configured public URL behind a proxy', async () => {
    const doc = (await (await fetch(`${proxied.url}/.well-known/openid-configuration`)).json()) as Discovery;
    expect(doc.token_endpoint).toBe('https://sync.example.org/oauth2/token');
    expect(doc.jwks_uri).toBe('https://sync.example.org/.well-known/jwks.json');
  });

  it('serves public keys only, and they verify the tokens the server issues', async () => {
    const res = await fetch(`${server.url}/.well-known/jwks.json`);
    expect(res.headers.get('cache-control')).toMatch(/max-age=/);
    const jwks = (await res.json()) as { keys: Array<Record<string, unknown>> };
    expect(jwks.keys.map((k) => k.kid)).toEqual([server.ctx.keys.active.kid]);
    for (const key of jwks.keys) {
      expect(key).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig' });
      expect(key.d).toBeUndefined();
    }
    const token = await tokenRequest(server.url, { grant_type: 'client_credentials', scope: 'content' }, { clientId: 'app', clientSecret: 'app-secret' });
    const { access_token } = (await token.json()) as { access_token: string };
    const { payload } = await jwtVerify(access_token, createRemoteJWKSet(new URL(`${server.url}/.well-known/jwks.json`)), {
      issuer: server.ctx.config.issuer,
      typ: 'at+jwt',
    });
    expect(payload.client_id).toBe('app');
  });
});
