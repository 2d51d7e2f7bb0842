import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import fc from 'fast-check';
import { SignJWT, base64url, decodeJwt, decodeProtectedHeader, exportJWK, type CryptoKey, type JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HEADERS, parseContentFilter, type ContentSyncResponse } from '@quran-sync/protocol';
import { createTestClient, createTestUser, loginForTokens, startTestServer, tokenRequest, type TestServer } from '../testing/index.js';
import { SyncTokenCodec } from '../content-sync/sync-token-codec.js';
import { databaseFingerprint, fingerprintDiff } from './testing/db-fingerprint.js';
import { errorEnvelopeProblem, routeFamilyOf } from './testing/error-envelope-check.js';

/**
 * Token attacks against the REAL guarded routes of every API family, not a test app:
 * forged, re-signed, edited, expired, premature, foreign, revoked and misbound access tokens must all be
 * 401/403 in the route's envelope and change nothing; tampered or cross-filter sync tokens and cursors must
 * get the contract's content-sync errors and never another filter's data.
 */
const ALL_SCOPES = ['content', 'content.write', 'sync', 'bookmark', 'collection', 'note', 'reading_session', 'preference', 'openid'];

interface Target {
  readonly name: string;
  readonly method: string;
  /** `{head}` is replaced by the victim's current head, `{note}` by one of the victim's note ids. */
  readonly path: string;
  readonly template: string;
  readonly body?: unknown;
  /** A user token is required (client-credentials tokens are refused with 403). */
  readonly user: boolean;
}

const TARGETS: readonly Target[] = [
  {
    name: 'content sync',
    method: 'GET',
    path: '/api/v4/resources/sync?resources=translations:*&bootstrap=true',
    template: '/api/v4/resources/sync',
    user: false,
  },
  {
    name: 'snapshot',
    method: 'GET',
    path: '/content/api/v4/resources/snapshots/translations/19',
    template: '/api/v4/resources/snapshots/{resource_group}/{id}',
    user: false,
  },
  { name: 'pull', method: 'GET', path: '/v1/sync?mutationsSince=0', template: '/v1/sync', user: true },
  {
    name: 'push',
    method: 'POST',
    path: '/auth/v1/sync?lastMutationAt={head}',
    template: '/v1/sync',
    user: true,
    body: { mutations: [{ type: 'CREATE', resource: 'BOOKMARK', data: { type: 'ayah', key: 3, verseNumber: 3 } }] },
  },
  { name: 'direct read', method: 'GET', path: '/v1/notes/{note}', template: '/v1/notes/{id}', user: true },
  { name: 'direct write', method: 'POST', path: '/v1/collections?lastMutationAt={head}', template: '/v1/collections', user: true, body: { name: 'attacker' } },
  { name: 'direct delete', method: 'DELETE', path: '/v1/notes/{note}?lastMutationAt={head}', template: '/v1/notes/{id}', user: true },
  {
    name: 'editorial write',
    method: 'PUT',
    path: '/admin/v1/resources/translations/19',
    template: '/admin/v1/resources/{resource_group}/{id}',
    user: false,
    body: { status: 'hidden' },
  },
  { name: 'editorial compaction', method: 'POST', path: '/admin/v1/compact', template: '/admin/v1/compact', user: false },
];

describe('access-token attacks on every guarded route family', () => {
  let server: TestServer;
  let foreign: TestServer;
  const victim = 'victim-user';
  let noteId: string;
  let validClaims: Record<string, unknown>;
  let attacks: Array<{ name: string; status: 401 | 403; headers: () => Promise<Record<string, string>> }>;

  beforeAll(async () => {
    server = await startTestServer();
    foreign = await startTestServer();
    await createTestClient(server.ctx.db, {
      id: 'app-a',
      secret: 'secret-a',
      scopes: 'content content.write sync bookmark collection note openid offline_access',
    });
    await createTestClient(server.ctx.db, { id: 'app-b', secret: 'secret-b', scopes: 'content' });
    await createTestUser(server.ctx.db, 'victim');

    const owner = await server.authHeaders({ userId: victim, clientId: 'app-a', scopes: ALL_SCOPES });
    await fetch(`${server.url}/admin/v1/resources/translations/19`, {
      method: 'PUT',
      headers: { ...owner, 'content-type': 'application/json' },
      body: JSON.stringify({ status: 'public' }),
    });
    const note = await fetch(`${server.url}/v1/notes?lastMutationAt=-1`, {
      method: 'POST',
      headers: { ...owner, 'content-type': 'application/json' },
      body: JSON.stringify({ body: 'private thoughts', ranges: ['1:1'] }),
    });
    noteId = ((await note.json()) as { data: { id: string } }).data.id;

    const valid = await server.mintToken({ userId: victim, clientId: 'app-a', scopes: ALL_SCOPES });
    validClaims = decodeJwt(valid) as Record<string, unknown>;
    const { kid, alg } = server.ctx.keys.active;
    const signed = (claims: Record<string, unknown>, header: Record<string, unknown> = {}) =>
      new SignJWT(claims).setProtectedHeader({ alg, kid, typ: 'at+jwt', ...header }).sign(server.ctx.keys.active.privateKey);
    const now = Math.floor(Date.now() / 1000);
    const as = (token: string, clientId = 'app-a') => ({ [HEADERS.authToken]: token, [HEADERS.clientId]: clientId });
    const editPayload = (token: string, edit: (claims: Record<string, unknown>) => void): string => {
      const [h, p, s] = token.split('.') as [string, string, string];
      const claims = JSON.parse(Buffer.from(p, 'base64url').toString()) as Record<string, unknown>;
      edit(claims);
      return `${h}.${base64url.encode(JSON.stringify(claims))}.${s}`;
    };
    const attackerKey = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const attackerJwk = await exportJWK(attackerKey.publicKey as unknown as CryptoKey);
    const publicPem = createPublicKey({ key: server.ctx.keys.active.publicJwk as JWK & { kty: string }, format: 'jwk' }).export({
      type: 'spki',
      format: 'pem',
    }) as string;

    // A revocable client token and a user token whose login (refresh-token family) gets revoked.
    const clientRes = await tokenRequest(
      server.url,
      { grant_type: 'client_credentials', scope: 'content content.write' },
      { clientId: 'app-a', clientSecret: 'secret-a' },
    );
    const revokedClientToken = ((await clientRes.json()) as { access_token: string }).access_token;
    const login = await loginForTokens(server.url, {
      clientId: 'app-a',
      clientSecret: 'secret-a',
      scope: 'sync bookmark collection note offline_access',
      username: 'victim',
      password: 'correct horse battery',
    });
    const basicA = `Basic ${Buffer.from('app-a:secret-a').toString('base64')}`;
    for (const token of [revokedClientToken, login.refresh_token!]) {
      const res = await fetch(`${server.url}/oauth2/revoke`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basicA },
        body: new URLSearchParams({ token }),
      });
      expect(res.status).toBe(200);
    }

    attacks = [
      { name: 'no token', status: 401, headers: async () => ({ [HEADERS.clientId]: 'app-a' }) },
      {
        name: 'alg: none',
        status: 401,
        headers: async () => as(`${base64url.encode(JSON.stringify({ alg: 'none', typ: 'at+jwt' }))}.${base64url.encode(JSON.stringify(validClaims))}.`),
      },
      {
        name: 'HS256 keyed with the public JWK',
        status: 401,
        headers: async () =>
          as(
            await new SignJWT(validClaims)
              .setProtectedHeader({ alg: 'HS256', kid, typ: 'at+jwt' })
              .sign(new TextEncoder().encode(JSON.stringify(server.ctx.keys.active.publicJwk))),
          ),
      },
      {
        name: 'HS256 keyed with the public PEM',
        status: 401,
        headers: async () =>
          as(await new SignJWT(validClaims).setProtectedHeader({ alg: 'HS256', kid, typ: 'at+jwt' }).sign(new TextEncoder().encode(publicPem))),
      },
      { name: 'unknown kid', status: 401, headers: async () => as(await signed(validClaims, { kid: 'not-a-key-of-ours' })) },
      {
        name: 'our kid, attacker key',
        status: 401,
        headers: async () =>
          as(await new SignJWT(validClaims).setProtectedHeader({ alg: 'ES256', kid, typ: 'at+jwt' }).sign(attackerKey.privateKey as unknown as CryptoKey)),
      },
      {
        name: 'attacker key embedded in the header (jwk)',
        status: 401,
        headers: async () =>
          as(
            await new SignJWT(validClaims)
              .setProtectedHeader({ alg: 'ES256', jwk: attackerJwk, typ: 'at+jwt' })
              .sign(attackerKey.privateKey as unknown as CryptoKey),
          ),
      },
      {
        name: 'signed by another Quran Sync server',
        status: 401,
        headers: async () => as(await foreign.mintToken({ userId: victim, clientId: 'app-a', scopes: ALL_SCOPES })),
      },
      { name: 'expired', status: 401, headers: async () => as(await signed({ ...validClaims, iat: now - 7200, nbf: now - 7200, exp: now - 3600 })) },
      { name: 'not yet valid (nbf in an hour)', status: 401, headers: async () => as(await signed({ ...validClaims, nbf: now + 3600, exp: now + 7200 })) },
      { name: 'wrong issuer', status: 401, headers: async () => as(await signed({ ...validClaims, iss: 'https://evil.example' })) },
      { name: 'no expiry', status: 401, headers: async () => as(await signed(Object.fromEntries(Object.entries(validClaims).filter(([k]) => k !== 'exp')))) },
      { name: 'typ JWT (an ID-token-like JWT, not an access token)', status: 401, headers: async () => as(await signed(validClaims, { typ: 'JWT' })) },
      {
        name: 'scopes widened by editing the payload',
        status: 401,
        headers: async () =>
          as(editPayload(await server.mintToken({ userId: victim, clientId: 'app-a', scopes: ['content'] }), (c) => (c.scope = ALL_SCOPES.join(' ')))),
      },
      {
        name: 'subject changed by editing the payload',
        status: 401,
        headers: async () => as(editPayload(await server.mintToken({ userId: 'attacker', clientId: 'app-a', scopes: ALL_SCOPES }), (c) => (c.sub = victim))),
      },
      { name: 'signature stripped', status: 401, headers: async () => as(`${valid.split('.').slice(0, 2).join('.')}.`) },
      { name: '16 KB of garbage', status: 401, headers: async () => as(`${'A'.repeat(8000)}.${'B'.repeat(8000)}.C`) },
      { name: 'revoked client token', status: 401, headers: async () => as(revokedClientToken) },
      { name: 'access token of a revoked login', status: 401, headers: async () => as(login.access_token) },
      { name: 'refresh token used as an access token', status: 401, headers: async () => as(login.refresh_token!) },
      { name: "client A's token with x-client-id of client B", status: 403, headers: async () => as(valid, 'app-b') },
      {
        name: 'Bearer token of client A with x-client-id of client B',
        status: 403,
        headers: async () => ({ authorization: `Bearer ${valid}`, [HEADERS.clientId]: 'app-b' }),
      },
      {
        name: 'a valid token with no scope',
        status: 403,
        headers: async () => as(await server.mintToken({ userId: victim, clientId: 'app-a', scopes: ['openid'] })),
      },
    ];
    expect(decodeProtectedHeader(valid).typ).toBe('at+jwt');
  });
  afterAll(async () => {
    await foreign?.close();
    await server?.close();
  });

  const head = async (): Promise<number> => {
    const res = await fetch(`${server.url}/v1/sync?mutationsSince=0&metadataOnly=true`, {
      headers: await server.authHeaders({ userId: victim, clientId: 'app-a', scopes: ['sync'] }),
    });
    return ((await res.json()) as { data: { lastMutationAt: number } }).data.lastMutationAt;
  };
  const send = async (target: Target, headers: Record<string, string>) =>
    fetch(`${server.url}${target.path.replace('{head}', String(await head())).replace('{note}', noteId)}`, {
      method: target.method,
      headers: { ...headers, ...(target.body ? { 'content-type': 'application/json' } : {}) },
      ...(target.body ? { body: JSON.stringify(target.body) } : {}),
    });

  it('every attack on every route family: 401/403 in the route envelope, nothing changed', async () => {
    const before = await databaseFingerprint(server.ctx.db);
    const failures: string[] = [];
    for (const attack of attacks) {
      for (const target of TARGETS) {
        const res = await send(target, await attack.headers());
        const text = await res.text();
        const problem = errorEnvelopeProblem(routeFamilyOf(target.template), res.status, res.headers.get('content-type') ?? undefined, text);
        if (res.status !== attack.status || problem || !res.headers.get(HEADERS.requestId))
          failures.push(`${attack.name} → ${target.name}: ${res.status} ${problem ?? ''} ${text.slice(0, 120)}`);
      }
    }
    expect(failures).toEqual([]);
    expect(fingerprintDiff(before, await databaseFingerprint(server.ctx.db))).toEqual([]);
  });

  it('the legitimate token of the same user passes every route (the attacks failed for the right reason)', async () => {
    const owner = await server.authHeaders({ userId: victim, clientId: 'app-a', scopes: ALL_SCOPES });
    for (const target of TARGETS) {
      const res = await send(target, owner);
      expect(res.status, `${target.name}: ${await res.clone().text()}`).toBeLessThan(300);
      if (target.name === 'editorial write') await send({ ...target, body: { status: 'public' } }, owner);
      if (target.name === 'direct delete') {
        const again = await fetch(`${server.url}/v1/notes?lastMutationAt=${await head()}`, {
          method: 'POST',
          headers: { ...owner, 'content-type': 'application/json' },
          body: JSON.stringify({ body: 'private thoughts', ranges: ['1:1'] }),
        });
        noteId = ((await again.json()) as { data: { id: string } }).data.id;
      }
    }
  });

  it('client-credentials tokens (no user) never reach user data; content-only tokens never reach the editorial API', async () => {
    const client = await server.authHeaders({ userId: null, clientId: 'app-a', scopes: ALL_SCOPES });
    const reader = await server.authHeaders({ userId: victim, clientId: 'app-a', scopes: ['content', 'sync', 'bookmark'] });
    for (const target of TARGETS) {
      if (target.user) expect((await send(target, client)).status, target.name).toBe(403);
      if (target.path.startsWith('/admin/')) expect((await send(target, reader)).status, target.name).toBe(403);
    }
  });
});

describe('external issuer (JWKS mode): issuer and audience are enforced on real routes', () => {
  let issuer: TestServer;
  let server: TestServer;
  beforeAll(async () => {
    issuer = await startTestServer();
    server = await startTestServer({
      authMode: 'jwks',
      jwksUrl: `${issuer.url}/.well-known/jwks.json`,
      externalIssuer: 'https://issuer.example',
      externalAudience: 'quran-sync',
    });
  });
  afterAll(async () => {
    await server?.close();
    await issuer?.close();
  });

  it('accepts only tokens with the configured issuer and audience, asymmetric algorithms only', async () => {
    const { kid } = issuer.ctx.keys.active;
    const sign = (claims: Record<string, unknown>, alg = 'ES256', key: CryptoKey | Uint8Array = issuer.ctx.keys.active.privateKey) =>
      new SignJWT({ client_id: 'app', scope: 'content', gty: 'client_credentials', ...claims })
        .setProtectedHeader({ alg, kid })
        .setSubject('app')
        .setIssuedAt()
        .setExpirationTime('1h')
        .sign(key);
    const sync = async (token: string) =>
      (
        await fetch(`${server.url}/api/v4/resources/sync?resources=translations:*&bootstrap=true`, {
          headers: { [HEADERS.authToken]: token, [HEADERS.clientId]: 'app' },
        })
      ).status;
    expect(await sync(await sign({ iss: 'https://issuer.example', aud: 'quran-sync' }))).toBe(200);
    expect(await sync(await sign({ iss: 'https://issuer.example', aud: 'another-api' }))).toBe(401);
    expect(await sync(await sign({ iss: 'https://issuer.example' }))).toBe(401);
    expect(await sync(await sign({ iss: 'https://evil.example', aud: 'quran-sync' }))).toBe(401);
    expect(
      await sync(
        await sign({ iss: 'https://issuer.example', aud: 'quran-sync' }, 'HS256', new TextEncoder().encode(JSON.stringify(issuer.ctx.keys.active.publicJwk))),
      ),
    ).toBe(401);
  });
});

describe('sync tokens and cursors: tampering and cross-filter replay', () => {
  let server: TestServer;
  let other: TestServer;
  let reader: Record<string, string>;
  const RESOURCES = ['translations:19', 'translations:20', 'tafsirs:151', 'tafsirs:152', 'recitations:7'];

  beforeAll(async () => {
    server = await startTestServer();
    other = await startTestServer();
    const editor = await server.authHeaders({ userId: null, clientId: 'editor', scopes: ['content.write'] });
    reader = await server.authHeaders({ userId: null, clientId: 'reader', scopes: ['content'] });
    for (const r of RESOURCES) {
      const [group, id] = r.split(':') as [string, string];
      await fetch(`${server.url}/admin/v1/resources/${group}/${id}`, {
        method: 'PUT',
        headers: { ...editor, 'content-type': 'application/json' },
        body: JSON.stringify({ status: 'public', ...(group === 'recitations' ? { resource_content_id: 70 } : {}) }),
      });
    }
  });
  afterAll(async () => {
    await other?.close();
    await server?.close();
  });

  const get = async (query: string) => {
    const res = await fetch(`${server.url}/api/v4/resources/sync?${query}`, { headers: reader });
    return { status: res.status, body: (await res.json()) as ContentSyncResponse & { error?: { code: string } } };
  };
  const inFilter = (filter: string, m: { resource_group: string; resource_id: number }) => {
    const parsed = parseContentFilter(filter);
    if (!parsed.ok) throw new Error(filter);
    return parsed.filter.parts.some((p) => p.group === m.resource_group && (p.ids === '*' || p.ids.includes(m.resource_id)));
  };

  const filterArb = fc.constantFrom(
    'translations:19',
    'translations:19,20',
    'translations:*',
    'tafsirs:*',
    'tafsirs:151;translations:20',
    'recitations:*;tafsirs:152',
  );

  it('property: a token or cursor of filter A never serves filter B; a cursor alone serves only A', async () => {
    await fc.assert(
      fc.asyncProperty(filterArb, filterArb, async (a, b) => {
        fc.pre(parseContentFilter(a).ok && parseContentFilter(b).ok);
        const canonical = (f: string) => (parseContentFilter(f) as { filter: { canonical: string } }).filter.canonical;
        const first = await get(`resources=${encodeURIComponent(a)}&bootstrap=true&per_page=1`);
        expect(first.status).toBe(200);
        for (const m of first.body.sync.mutations) expect(inFilter(a, m)).toBe(true);
        if (first.body.sync.next_page_url) {
          const cursor = new URL(first.body.sync.next_page_url, 'http://x').searchParams.get('cursor')!;
          const alone = await get(`cursor=${encodeURIComponent(cursor)}`);
          expect(alone.status).toBe(200);
          for (const m of alone.body.sync.mutations) expect(inFilter(a, m), `${a}: ${m.resource_group}:${m.resource_id}`).toBe(true);
          const replayed = await get(`cursor=${encodeURIComponent(cursor)}&resources=${encodeURIComponent(b)}`);
          if (canonical(a) === canonical(b)) expect(replayed.status).toBe(200);
          else expect([replayed.status, replayed.body.error?.code]).toEqual([422, 'cursor_filter_mismatch']);
        }
        // Finish A's run to get its token, then present it for B.
        let page = first;
        while (page.body.sync.has_more) page = await get(new URL(page.body.sync.next_page_url!, 'http://x').search.slice(1));
        const token = page.body.sync.next_sync_token!;
        const crossed = await get(`resources=${encodeURIComponent(b)}&sync_token=${encodeURIComponent(token)}`);
        if (canonical(a) === canonical(b)) expect(crossed.status).toBe(200);
        else expect([crossed.status, crossed.body.error?.code]).toEqual([422, 'token_filter_mismatch']);
      }),
      { numRuns: 40 },
    );
  });

  it('tampered, truncated, re-versioned, swapped or foreign tokens and cursors are 410 resync_required, never data', async () => {
    const boot = await get('resources=translations:*&bootstrap=true&per_page=1');
    const cursor = new URL(boot.body.sync.next_page_url!, 'http://x').searchParams.get('cursor')!;
    let page = boot;
    while (page.body.sync.has_more) page = await get(new URL(page.body.sync.next_page_url!, 'http://x').search.slice(1));
    const token = page.body.sync.next_sync_token!;
    const foreignCodec = new SyncTokenCodec(other.ctx.keys.syncTokenSecret);
    const ownCodec = new SyncTokenCodec(server.ctx.keys.syncTokenSecret);
    // Edits the FIRST character of a part: its six bits are all data, whereas the last character of a
    // base64url part may carry padding bits that decoders ignore (an edit there could change nothing).
    const flip = (value: string, part: number) =>
      value
        .split('.')
        .map((p, i) => (i === part ? `${p.startsWith('A') ? 'B' : 'A'}${p.slice(1)}` : p))
        .join('.');
    const variants: Array<[string, string]> = [
      ['token: payload edited', `sync_token=${encodeURIComponent(flip(token, 1))}`],
      ['token: signature edited', `sync_token=${encodeURIComponent(flip(token, 2))}`],
      ['token: signature removed', `sync_token=${encodeURIComponent(token.split('.').slice(0, 2).join('.'))}`],
      ['token: version v2', `sync_token=${encodeURIComponent(token.replace(/^v1\./, 'v2.'))}`],
      ['token: a cursor presented as a token', `sync_token=${encodeURIComponent(cursor)}`],
      [
        'token: signed by another server',
        `sync_token=${encodeURIComponent(foreignCodec.encodeToken({ sequence: 1, filterHash: 'x', issuedAt: Math.floor(Date.now() / 1000) }))}`,
      ],
      [
        'token: ahead of the head (our own secret)',
        `sync_token=${encodeURIComponent(ownCodec.encodeToken({ sequence: 10_000_000, filterHash: ownCodec.decodeToken(token)!.filterHash, issuedAt: Math.floor(Date.now() / 1000) }))}`,
      ],
      [
        'token: older than retention (our own secret)',
        `sync_token=${encodeURIComponent(ownCodec.encodeToken({ sequence: 1, filterHash: ownCodec.decodeToken(token)!.filterHash, issuedAt: 1 }))}`,
      ],
      ['token: 10 KB', `sync_token=${'A'.repeat(10_000)}`],
      ['token: 13 KB', `sync_token=${'A'.repeat(13_000)}`],
      ['cursor: payload edited', `cursor=${encodeURIComponent(flip(cursor, 1))}`],
      ['cursor: a token presented as a cursor', `cursor=${encodeURIComponent(token)}`],
      ['cursor: signed by another server', `cursor=${encodeURIComponent(foreignCodec.encodeCursor({ ...ownCodec.decodeCursor(cursor)! }))}`],
      ['cursor: expired (our own secret)', `cursor=${encodeURIComponent(ownCodec.encodeCursor({ ...ownCodec.decodeCursor(cursor)!, issuedAt: 1 }))}`],
    ];
    for (const [what, query] of variants) {
      const res = await fetch(`${server.url}/api/v4/resources/sync?${query.startsWith('cursor') ? query : `resources=translations:*&${query}`}`, {
        headers: reader,
      });
      const text = await res.text();
      if (query.length > 12_000) {
        // Beyond the URL limit the request never reaches the codec.
        expect(res.status, what).toBe(414);
        continue;
      }
      expect([res.status, JSON.parse(text).error?.code], `${what}: ${text}`).toEqual([410, 'resync_required']);
      expect(errorEnvelopeProblem('content-sync', res.status, res.headers.get('content-type') ?? undefined, text)).toBeNull();
    }
  });
});
