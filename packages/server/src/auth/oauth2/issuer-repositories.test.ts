import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../testing/index.js';
import { hashPassword } from '../password-hash.js';
import { saveAuthorizationCode } from './authorization-code-repository.js';
import { ClientValidationError, createClient, findClient, listClients } from './client-repository.js';
import { createGrant } from './grant-repository.js';
import { issuerDependencies } from './issuer-dependencies.js';
import { purgeExpiredIssuerState } from './issuer-maintenance.js';
import { generateOpaqueToken } from './opaque-token.js';
import { saveRefreshToken } from './refresh-token-repository.js';
import { createUser, UserValidationError, verifyUserCredentials } from './user-repository.js';

describe('issuer repositories and maintenance (real database)', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server?.close();
  });

  it('gives clients sensible grant defaults and stores secrets only as scrypt hashes', async () => {
    const machine = await createClient(server.ctx.db, { id: 'machine', secret: 'machine-secret', scopes: 'content' });
    expect(machine.grantTypes).toEqual(['client_credentials']);
    expect(machine.secretHash).toMatch(/^scrypt\$/);
    expect(machine.secretHash).not.toContain('machine-secret');
    const web = await createClient(server.ctx.db, {
      id: 'web-app',
      secret: 'web-app-secret',
      scopes: ['bookmark', 'openid'],
      redirectUris: ['https://a.example/cb'],
    });
    expect(web.grantTypes).toEqual(['client_credentials', 'authorization_code', 'refresh_token']);
    const spa = await createClient(server.ctx.db, { id: 'spa', scopes: 'bookmark', redirectUris: ['https://a.example/cb'] });
    expect(spa).toMatchObject({ secretHash: null, grantTypes: ['authorization_code', 'refresh_token'], name: 'spa' });
    expect((await listClients(server.ctx.db)).map((c) => c.id)).toEqual(['machine', 'web-app', 'spa']);
    expect(await findClient(server.ctx.db, 'nobody')).toBeNull();
  });

  it('reports every problem of an invalid client at once and stores nothing', async () => {
    const error = await createClient(server.ctx.db, {
      id: 'bad id',
      secret: 'short',
      scopes: 'content telepathy',
      grantTypes: ['password'],
      redirectUris: ['https://x.example/#frag'],
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ClientValidationError);
    expect((error as ClientValidationError).problems).toHaveLength(5);
    await expect(createClient(server.ctx.db, { id: 'machine', secret: 'other-secret', scopes: 'content' })).rejects.toThrow(/already exists/);
    expect((await listClients(server.ctx.db)).map((c) => c.id)).toEqual(['machine', 'web-app', 'spa']);
  });

  it('checks user credentials and upgrades a weak hash at the next successful login', async () => {
    const user = await createUser(server.ctx.db, { username: 'noor', password: 'noor-password' });
    expect(await verifyUserCredentials(server.ctx.db, 'noor', 'noor-password')).toMatchObject({ id: user.id, username: 'noor' });
    expect(await verifyUserCredentials(server.ctx.db, 'noor', 'wrong-password')).toBeNull();
    expect(await verifyUserCredentials(server.ctx.db, 'nobody', 'noor-password')).toBeNull();
    expect(await verifyUserCredentials(server.ctx.db, '', '')).toBeNull();
    await expect(createUser(server.ctx.db, { username: 'noor', password: 'another-password' })).rejects.toBeInstanceOf(UserValidationError);
    await expect(createUser(server.ctx.db, { username: 'x y', password: 'long-enough' })).rejects.toThrow(/username must be/);

    await server.ctx.db
      .updateTable('users')
      .set({ password_hash: await hashPassword('noor-password', { N: 16, r: 1, p: 1 }) })
      .where('id', '=', user.id)
      .execute();
    expect(await verifyUserCredentials(server.ctx.db, 'noor', 'noor-password')).not.toBeNull();
    const row = await server.ctx.db.selectFrom('users').select('password_hash').where('id', '=', user.id).executeTakeFirstOrThrow();
    expect(row.password_hash).toMatch(/^scrypt\$32768\$8\$1\$/);
  });

  it('purges expired codes, refresh tokens, finished grants and revocations, and keeps live ones', async () => {
    const db = server.ctx.db;
    const user = await createUser(db, { username: 'purge-me', password: 'purge-password' });
    const now = new Date();
    const ago = (ms: number) => new Date(now.getTime() - ms);
    const later = (ms: number) => new Date(now.getTime() + ms);
    const code = (grantId: string, expiresAt: Date) =>
      saveAuthorizationCode(db, generateOpaqueToken(), {
        grantId,
        clientId: 'spa',
        userId: user.id,
        redirectUri: 'https://a.example/cb',
        scopes: ['bookmark'],
        codeChallenge: 'c'.repeat(43),
        codeChallengeMethod: 'S256',
        nonce: null,
        authTime: now,
        expiresAt,
      });
    await code('g-old-code', ago(2 * 86_400_000));
    await code('g-fresh-code', later(60_000));
    await createGrant(db, { id: 'g-finished', clientId: 'spa', userId: user.id, scopes: ['bookmark'], authTime: ago(40 * 86_400_000) });
    await createGrant(db, { id: 'g-live', clientId: 'spa', userId: user.id, scopes: ['bookmark', 'offline_access'], authTime: now });
    await db
      .updateTable('oauth_grants')
      .set({ created_at: ago(40 * 86_400_000) } as never)
      .where('id', '=', 'g-finished')
      .execute();
    await saveRefreshToken(db, generateOpaqueToken(), { grantId: 'g-finished', clientId: 'spa', userId: user.id, scopes: ['bookmark'], expiresAt: ago(1000) });
    await saveRefreshToken(db, generateOpaqueToken(), {
      grantId: 'g-live',
      clientId: 'spa',
      userId: user.id,
      scopes: ['bookmark'],
      expiresAt: later(86_400_000),
    });
    await server.ctx.revocations!.revoke('token', 'jti-expired', ago(1000));
    await server.ctx.revocations!.revoke('token', 'jti-live', later(60_000));

    await purgeExpiredIssuerState(issuerDependencies(server.ctx)!, now);

    expect((await db.selectFrom('oauth_authorization_codes').select('grant_id').execute()).map((r) => r.grant_id)).toEqual(['g-fresh-code']);
    expect((await db.selectFrom('oauth_refresh_tokens').select('grant_id').execute()).map((r) => r.grant_id)).toEqual(['g-live']);
    expect((await db.selectFrom('oauth_grants').select('id').execute()).map((r) => r.id)).toEqual(['g-live']);
    expect((await db.selectFrom('oauth_revocations').select('id').execute()).map((r) => r.id)).toEqual(['jti-live']);
  });
});
