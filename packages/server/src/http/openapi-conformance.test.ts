import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_PREFIXES, HEADERS } from '@quran-sync/protocol';
import {
  authorizationParams,
  createTestClient,
  createTestUser,
  newPkcePair,
  openLoginPage,
  startTestServer,
  submitLogin,
  TEST_REDIRECT_URI,
  type TestServer,
} from '../testing/index.js';
import { OpenApiAnswerCheck } from './testing/openapi-answer-check.js';

/**
 * Every operation of the served `/openapi.json`, reached over real HTTP on a real server and database: a
 * success and the main errors of each, and each answer checked against the document (status listed,
 * Content-Type listed, body valid against that status's schema, objects closed). It fails when a route is
 * added without response schemas, or when no request here reaches an operation: a new route needs both.
 */
const METRICS_TOKEN = 'conformance-metrics-token-0123456789';
const USER_SCOPES = ['sync', 'bookmark', 'collection', 'note', 'reading_session', 'preference', 'app_state', 'openid', 'offline_access'];
const CLIENT = 'conformance-app';
const SECRET = 'conformance-secret-0123456789';

interface Call {
  /** Values of the template's `{name}` parts. */
  readonly params?: Record<string, string>;
  readonly query?: Record<string, string | number | boolean>;
  readonly headers?: Record<string, string>;
  /** JSON body (or a form, or raw text, below). */
  readonly body?: unknown;
  readonly form?: Record<string, string>;
  readonly raw?: { readonly contentType: string; readonly text: string };
  /** Credentials: a user token (default on secured routes), the admin's, none. */
  readonly as?: 'user' | 'admin' | 'content' | 'none';
  readonly expect: number;
}

interface Answer {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  readonly json: any;
}

describe('the OpenAPI document describes every real answer', () => {
  let server: TestServer;
  let check: OpenApiAnswerCheck;
  const tokens: Record<string, Record<string, string>> = {};

  beforeAll(async () => {
    server = await startTestServer({ metrics: { token: METRICS_TOKEN } });
    tokens.user = await server.authHeaders({ userId: 'conformance-user', clientId: CLIENT, scopes: USER_SCOPES });
    tokens.other = await server.authHeaders({ userId: 'conformance-user-2', clientId: CLIENT, scopes: USER_SCOPES });
    tokens.admin = await server.authHeaders({ userId: null, clientId: CLIENT, scopes: ['content', 'content.write'] });
    tokens.content = await server.authHeaders({ userId: null, clientId: CLIENT, scopes: ['content'] });
    check = new OpenApiAnswerCheck((await (await fetch(`${server.url}/openapi.json`)).json()) as ConstructorParameters<typeof OpenApiAnswerCheck>[0]);
  });
  afterAll(async () => server?.close());

  /** Sends one request to operation `key` (`METHOD /template`), checks the answer against the document. */
  async function call(key: string, c: Call, credentials?: Record<string, string>): Promise<Answer> {
    const [method, template] = key.split(' ') as [string, string];
    const path = template.replace(/\{([^}]+)\}/g, (_m, name: string) => encodeURIComponent(c.params?.[name] ?? 'x'));
    const query = c.query ? `?${new URLSearchParams(Object.entries(c.query).map(([k, v]): [string, string] => [k, String(v)]))}` : '';
    const who = c.as ?? (check.isSecured(key) ? 'user' : 'none');
    const headers: Record<string, string> = { ...(who === 'none' ? {} : (credentials ?? tokens[who])), ...c.headers };
    let body: string | undefined;
    if (c.raw) [headers['content-type'], body] = [c.raw.contentType, c.raw.text];
    else if (c.form) [headers['content-type'], body] = ['application/x-www-form-urlencoded', new URLSearchParams(c.form).toString()];
    else if (c.body !== undefined) [headers['content-type'], body] = ['application/json', JSON.stringify(c.body)];
    const res = await fetch(`${server.url}${path}${query}`, { method, headers, body, redirect: 'manual' });
    const text = await res.text();
    check.check(key, { status: res.status, contentType: res.headers.get('content-type'), text });
    expect(res.status, `${key} ${path}${query}: ${text.slice(0, 300)}`).toBe(c.expect);
    let json: unknown = null;
    try {
      json = JSON.parse(text);
    } catch {
      // Not every answer is JSON (pages, metrics, empty bodies).
    }
    return { status: res.status, headers: res.headers, text, json };
  }

  it('/docs loads /openapi.json', async () => {
    const initializer = await (await fetch(`${server.url}/docs/static/swagger-initializer.js`)).text();
    expect(initializer).toContain('"urls":[{"name":"Quran Sync","url":"/openapi.json"}]');
  });

  it('probes: /health, /ready and /metrics', async () => {
    await call('GET /health', { expect: 200 });
    await call('GET /ready', { expect: 200 });
    const metrics = await call('GET /metrics', { headers: { authorization: `Bearer ${METRICS_TOKEN}` }, expect: 200 });
    expect(metrics.text).toContain('qs_http_requests_total');
    await call('GET /metrics', { headers: { authorization: 'Bearer wrong' }, expect: 401 });
  });

  it('content sync under both prefixes, and the editorial API', async () => {
    const admin = (key: string, c: Omit<Call, 'as'>) => call(`${key.split(' ')[0]} ${API_PREFIXES.admin}${key.split(' ')[1]}`, { ...c, as: 'admin' });
    const resource = { resource_group: 'translations', id: '19' };
    await admin('PUT /resources/{resource_group}/{id}', { params: resource, body: {}, expect: 200 });
    await admin('PUT /resources/{resource_group}/{id}', { params: resource, body: { status: 'bogus' }, expect: 400 });
    await admin('POST /resources/{resource_group}/{id}/rows', {
      params: resource,
      body: { upsert: [{ id: 1, verse_key: '1:1', text: 'In the name of God' }] },
      expect: 200,
    });
    await admin('POST /resources/{resource_group}/{id}/rows', { params: resource, body: { upsert: [{ id: 2 }] }, expect: 422 });
    await admin('GET /resources/{resource_group}/{id}', { params: resource, expect: 200 });
    await admin('GET /resources/{resource_group}/{id}', { params: { ...resource, id: '999' }, expect: 404 });
    await admin('PUT /resources/{resource_group}/{id}', { params: { ...resource, id: '20' }, body: { status: 'hidden' }, expect: 200 });
    await admin('POST /resources/{resource_group}/{id}/invalidate', { params: resource, expect: 200 });
    await admin('POST /resources/{resource_group}/{id}/invalidate', { params: { ...resource, id: '20' }, expect: 409 });
    await admin('POST /compact', { expect: 200 });

    for (const prefix of API_PREFIXES.content) {
      const content = (key: string, c: Omit<Call, 'as'>) => call(`${key.split(' ')[0]} ${prefix}${key.split(' ')[1]}`, { ...c, as: 'content' });
      const first = await content('GET /resources/sync', { query: { resources: 'translations:19', bootstrap: true, per_page: 1 }, expect: 200 });
      // Pages worth compressing go out gzip-compressed: the same document for the decompressed body.
      await content('GET /resources/sync', {
        query: { resources: 'translations:*', bootstrap: true, per_page: 100 },
        headers: { 'accept-encoding': 'gzip' },
        expect: 200,
      });
      if (first.json.sync.next_page_url)
        await content('GET /resources/sync', { query: Object.fromEntries(new URL(first.json.sync.next_page_url, server.url).searchParams), expect: 200 });
      await content('GET /resources/sync', { query: { resources: 'translations:19', bootstrap: true, per_page: 0 }, expect: 422 });
      await content('GET /resources/sync', { query: { resources: 'translations:19', sync_token: 'garbage' }, expect: 410 });

      // Integrity digests: at the head, at a run's token, and the sync route's refusals.
      const run = await content('GET /resources/sync', { query: { resources: 'translations:*', bootstrap: true, per_page: 100 }, expect: 200 });
      const atHead = await content('GET /resources/digests', { query: { resources: 'translations:*' }, expect: 200 });
      expect(atHead.json.digests.resources.map((r: { resource_id: number }) => r.resource_id)).toContain(19);
      if (run.json.sync.next_sync_token)
        await content('GET /resources/digests', { query: { resources: 'translations:*', sync_token: run.json.sync.next_sync_token }, expect: 200 });
      await content('GET /resources/digests', { query: { resources: 'translations:19', sync_token: 'garbage' }, expect: 410 });
      await content('GET /resources/digests', { query: { resources: 'no-such-group:1' }, expect: 422 });

      const snapshot = `GET /resources/snapshots/{resource_group}/{id}`;
      const whole = await content(snapshot, { params: resource, expect: 200 });
      await content(snapshot, { params: resource, headers: { 'accept-encoding': 'br' }, expect: 200 });
      await content(snapshot, { params: resource, headers: { 'accept-encoding': 'gzip' }, expect: 200 });
      await content(snapshot, { params: resource, headers: { [HEADERS.ifNoneMatch]: whole.headers.get('etag')! }, expect: 304 });
      await content(snapshot, { params: { ...resource, id: '999' }, expect: 404 });
      await content(snapshot, { params: { resource_group: 'no-such-group', id: '1' }, expect: 422 });
    }
  });

  it('OAuth2: authorization page, token, introspection, revocation, userinfo, discovery', async () => {
    await createTestClient(server.ctx.db, { id: CLIENT, secret: SECRET, scopes: ['content', ...USER_SCOPES], redirectUris: [TEST_REDIRECT_URI] });
    await createTestUser(server.ctx.db, 'conformance-reader', 'a long enough password');
    const pkce = newPkcePair();
    const params = authorizationParams({ clientId: CLIENT, scope: 'openid offline_access bookmark', pkce });
    await call('GET /oauth2/auth', { query: params, expect: 200 });
    await call('GET /oauth2/auth', { query: { ...params, client_id: 'no-such-client' }, expect: 400 });
    await call('GET /oauth2/auth', { query: { ...params, scope: 'no-such-scope' }, expect: 302 });
    await call('POST /oauth2/auth', { form: { ...params, username: 'conformance-reader', password: 'x' }, expect: 400 });
    const page = await openLoginPage(server.url, params);
    const wrong = await submitLogin(server.url, page, { username: 'conformance-reader', password: 'wrong password' });
    check.check('POST /oauth2/auth', { status: wrong.status, contentType: wrong.headers.get('content-type'), text: await wrong.text() });
    expect(wrong.status).toBe(401);
    const again = await openLoginPage(server.url, params, page.cookie ?? undefined);
    const signedIn = await submitLogin(server.url, again, { username: 'conformance-reader', password: 'a long enough password' });
    check.check('POST /oauth2/auth', { status: signedIn.status, contentType: signedIn.headers.get('content-type'), text: await signedIn.text() });
    expect(signedIn.status).toBe(302);
    const code = new URL(signedIn.headers.get('location')!).searchParams.get('code')!;

    const basic = { authorization: `Basic ${Buffer.from(`${CLIENT}:${SECRET}`).toString('base64')}` };
    const issued = await call('POST /oauth2/token', {
      headers: basic,
      form: { grant_type: 'authorization_code', code, redirect_uri: TEST_REDIRECT_URI, code_verifier: pkce.verifier },
      expect: 200,
    });
    await call('POST /oauth2/token', { headers: basic, form: { grant_type: 'client_credentials', scope: 'content' }, expect: 200 });
    await call('POST /oauth2/token', { form: { grant_type: 'client_credentials', client_id: CLIENT, client_secret: 'wrong' }, expect: 401 });
    await call('POST /oauth2/token', { headers: basic, form: {}, expect: 400 });
    await call('POST /oauth2/token', { headers: basic, raw: { contentType: 'application/xml', text: '<x/>' }, expect: 415 });

    const accessToken = issued.json.access_token as string;
    await call('POST /oauth2/introspect', { headers: basic, form: { token: accessToken }, expect: 200 });
    await call('POST /oauth2/introspect', { headers: basic, form: { token: 'not-a-token' }, expect: 200 });
    await call('POST /oauth2/introspect', { form: { token: accessToken }, expect: 401 });
    await call('POST /oauth2/introspect', { headers: basic, form: {}, expect: 400 });

    const bearer = { [HEADERS.authToken]: accessToken, [HEADERS.clientId]: CLIENT };
    for (const path of ['/userinfo', '/oauth2/userinfo']) {
      await call(`GET ${path}`, { headers: bearer, expect: 200 });
      await call(`GET ${path}`, { expect: 401 });
    }
    await call('GET /.well-known/openid-configuration', { expect: 200 });
    await call('GET /.well-known/oauth-authorization-server', { expect: 200 });
    await call('GET /.well-known/jwks.json', { expect: 200 });

    await call('POST /oauth2/revoke', { headers: basic, form: { token: issued.json.refresh_token }, expect: 200 });
    await call('POST /oauth2/revoke', { headers: basic, form: {}, expect: 400 });
    await call('POST /oauth2/revoke', { form: { token: accessToken, client_id: CLIENT, client_secret: 'wrong' }, expect: 401 });
  });

  for (const prefix of API_PREFIXES.user) {
    it(`user data sync and direct endpoints under ${prefix}`, async () => {
      const credentials = prefix === API_PREFIXES.user[0] ? tokens.user! : tokens.other!;
      let head = -1;
      const user = async (key: string, c: Omit<Call, 'as'> & { write?: boolean; stale?: boolean }): Promise<Answer> => {
        const query = c.write ? { lastMutationAt: c.stale ? head - 1 : head, ...c.query } : c.query;
        const answer = await call(`${key.split(' ')[0]} ${prefix}${key.split(' ')[1]}`, { ...c, ...(query ? { query } : {}), as: 'user' }, credentials);
        const at = answer.headers.get(HEADERS.mutationAt);
        if (answer.status === 200 && at !== null) head = Number(at);
        return answer;
      };

      // Pull and push.
      await user('GET /sync', { query: { mutationsSince: -1 }, expect: 200 });
      await user('GET /sync', { query: { mutationsSince: 0, metadataOnly: true }, expect: 200 });
      const digest = await user('GET /sync', { query: { mutationsSince: 0, metadataOnly: true, stateDigest: true }, expect: 200 });
      expect(digest.json.data.stateDigest.head).toBe(digest.json.data.lastMutationAt);
      await user('GET /sync', { query: { mutationsSince: 0, metadataOnly: true, stateDigest: 'maybe' }, expect: 422 });
      await user('GET /sync', { expect: 400 });
      await user('GET /sync', { query: { mutationsSince: 0, limit: 0 }, expect: 422 });
      const pushed = { mutations: [{ type: 'CREATE', resource: 'BOOKMARK', data: { type: 'ayah', key: 1, verseNumber: 1, mushaf: 1 } }] };
      await user('POST /sync', { write: true, body: pushed, expect: 200 });
      await user('POST /sync', {
        write: true,
        stale: true,
        body: { mutations: [{ type: 'CREATE', resource: 'BOOKMARK', data: { type: 'ayah', key: 1, verseNumber: 2, mushaf: 1 } }] },
        expect: 409,
      });
      await user('POST /sync', { write: true, body: { mutations: [{ type: 'CREATE', resource: 'BOOKMARK', data: { type: 'ayah', key: 999 } }] }, expect: 422 });
      await user('POST /sync', { write: true, raw: { contentType: 'application/json', text: '{"mutations": [' }, expect: 422 });
      await user('POST /sync', { body: pushed, expect: 422 });
      await user('GET /sync', { query: { mutationsSince: -1 }, headers: { 'accept-encoding': 'gzip' }, expect: 200 });

      // Bookmarks.
      const details = { type: 'ayah', key: 2, verseNumber: 255 };
      const bookmark = (await user('POST /bookmarks', { write: true, body: { ...details, mushaf: 1 }, expect: 200 })).json.data.id as string;
      await user('POST /bookmarks', { body: { ...details, mushaf: 1 }, expect: 400 });
      await user('POST /bookmarks', { write: true, stale: true, body: { type: 'ayah', key: 3, verseNumber: 1, mushaf: 1 }, expect: 409 });
      await user('POST /bookmarks', { write: true, body: { type: 'ayah', key: 999, verseNumber: 1 }, expect: 422 });
      await user('GET /bookmarks', { expect: 200 });
      await user('GET /bookmarks', { query: { first: 0 }, expect: 422 });
      await user('GET /bookmarks/bookmark', { query: details, expect: 200 });
      await user('GET /bookmarks/bookmark', { query: { type: 'surah', key: 9 }, expect: 200 });
      await user('GET /bookmarks/bookmark', { query: { type: 'nope', key: 1 }, expect: 422 });
      await user('GET /bookmarks/ayahs-range', { query: { chapterNumber: 2, rangeStartAyahNumber: 250, rangeEndAyahNumber: 256 }, expect: 200 });
      await user('GET /bookmarks/ayahs-range', { query: { chapterNumber: 2 }, expect: 422 });

      // Collections and their bookmarks.
      const collection = (await user('POST /collections', { write: true, body: { name: 'Read later' }, expect: 200 })).json.data.id as string;
      await user('POST /collections', { write: true, body: { name: '' }, expect: 422 });
      await user('GET /collections', { expect: 200 });
      await user('GET /collections', { query: { sortBy: 'bogus' }, expect: 422 });
      await user('POST /collections/{id}', { write: true, params: { id: collection }, body: { name: 'Read soon' }, expect: 200 });
      await user('POST /collections/{id}', { write: true, params: { id: 'no-such-collection' }, body: { name: 'Nope' }, expect: 404 });
      await user('POST /collections/{id}/bookmarks', { write: true, params: { id: collection }, body: { bookmarkId: bookmark }, expect: 200 });
      await user('POST /collections/{id}/bookmarks', { write: true, params: { id: 'no-such-collection' }, body: { bookmarkId: bookmark }, expect: 404 });
      await user('GET /collections/all', { expect: 200 });
      await user('GET /collections/all', { query: { sortBy: 'bogus' }, expect: 422 });
      await user('GET /collections/{id}', { params: { id: collection }, expect: 200 });
      await user('GET /collections/{id}', { params: { id: 'no-such-collection' }, expect: 404 });
      await user('GET /bookmarks/collections', { query: details, expect: 200 });
      await user('GET /bookmarks/collections', { query: { type: 'surah', key: 9 }, expect: 200 });
      await user('GET /bookmarks/collections', { query: { type: 'ayah', key: 'x' }, expect: 422 });
      await user('DELETE /collections/{id}/bookmarks/{bookmarkId}', { write: true, params: { id: collection, bookmarkId: bookmark }, expect: 200 });
      await user('DELETE /collections/{id}/bookmarks/{bookmarkId}', {
        write: true,
        stale: true,
        params: { id: collection, bookmarkId: bookmark },
        expect: 409,
      });
      await user('POST /collections/{id}/bookmarks', { write: true, params: { id: collection }, body: { ...details, mushaf: 1 }, expect: 200 });
      await user('DELETE /collections/{id}/bookmarks', { write: true, params: { id: collection }, body: { ...details, mushaf: 1 }, expect: 200 });
      await user('DELETE /collections/{id}/bookmarks', { write: true, params: { id: collection }, body: { type: 'ayah', key: 999 }, expect: 422 });
      await user('DELETE /collections/{id}', { write: true, params: { id: collection }, expect: 200 });
      await user('DELETE /collections/{id}', { write: true, params: { id: 'no-such-collection' }, expect: 404 });

      // Notes.
      const note = (await user('POST /notes', { write: true, body: { body: 'A reflection on the opening', ranges: ['1:1-1:7'] }, expect: 200 })).json.data
        .id as string;
      await user('POST /notes', { write: true, body: { body: 'short', ranges: [] }, expect: 422 });
      await user('GET /notes', { expect: 200 });
      await user('GET /notes', { query: { limit: 0 }, expect: 422 });
      await user('GET /notes/by-verse/{verseKey}', { params: { verseKey: '1:3' }, expect: 200 });
      await user('GET /notes/by-verse/{verseKey}', { params: { verseKey: 'nope' }, expect: 422 });
      await user('GET /notes/by-range', { query: { range: '1:1-1:7' }, expect: 200 });
      await user('GET /notes/by-range', { expect: 422 });
      await user('GET /notes/count-within-range', { query: { range: '1:1-1:7' }, expect: 200 });
      await user('GET /notes/count-within-range', { query: { range: 'nope' }, expect: 422 });
      await user('GET /notes/{id}', { params: { id: note }, expect: 200 });
      await user('GET /notes/{id}', { params: { id: 'no-such-note' }, expect: 404 });
      await user('PATCH /notes/{id}', { write: true, params: { id: note }, body: { body: 'A longer reflection on the opening' }, expect: 200 });
      await user('PATCH /notes/{id}', { write: true, params: { id: note }, body: { ranges: ['nope'] }, expect: 422 });
      await user('DELETE /notes/{id}', { write: true, params: { id: note }, expect: 200 });
      await user('DELETE /notes/{id}', { write: true, params: { id: 'no-such-note' }, expect: 404 });

      // Reading sessions and preferences.
      await user('POST /reading-sessions', { write: true, body: { chapterNumber: 18, verseNumber: 10 }, expect: 200 });
      await user('POST /reading-sessions', { write: true, body: { chapterNumber: 115, verseNumber: 1 }, expect: 422 });
      await user('GET /reading-sessions', { expect: 200 });
      await user('GET /reading-sessions', { query: { first: 99 }, expect: 422 });
      await user('POST /preferences', { write: true, body: { group: 'theme', key: 'type', value: 'dark' }, expect: 200 });
      await user('POST /preferences', { write: true, body: { group: 'theme', key: 'type', value: 'neon' }, expect: 422 });
      await user('POST /preferences/bulk', { write: true, body: { theme: { type: 'sepia' }, reading: { isReadingByRevelationOrder: false } }, expect: 200 });
      await user('POST /preferences/bulk', { write: true, body: {}, expect: 422 });
      await user('GET /preferences', { expect: 200 });
      await user('GET /preferences', { query: { mushafId: 999 }, expect: 422 });

      await user('DELETE /bookmarks/{id}', { write: true, stale: true, params: { id: bookmark }, expect: 409 });
      await user('DELETE /bookmarks/{id}', { write: true, params: { id: bookmark }, expect: 200 });
      await user('DELETE /bookmarks/{id}', { params: { id: bookmark }, expect: 400 });
    });
  }

  for (const prefix of API_PREFIXES.user) {
    it(`App State under ${prefix}`, async () => {
      let n = 0;
      const idempotent = () => ({ 'idempotency-key': `conformance-${prefix.length}-${String(++n).padStart(8, '0')}` });
      const appState = (key: string, c: Omit<Call, 'as'>) => call(`${key.split(' ')[0]} ${prefix}${key.split(' ')[1]}`, { ...c, as: 'user' });
      await appState('GET /app-state:config', { expect: 200 });
      const boot = await appState('GET /app-state:bootstrap', { expect: 200 });
      const doc = { collection: 'drafts', key: 'conformance' };
      const created = await appState('PUT /app-state/{collection}/{key}', {
        params: doc,
        headers: idempotent(),
        body: { value: { text: 'draft' }, schemaVersion: 1 },
        expect: 201,
      });
      const replaced = await appState('PUT /app-state/{collection}/{key}', {
        params: doc,
        headers: { ...idempotent(), 'if-match': created.headers.get('etag')! },
        body: { value: { text: 'again' }, schemaVersion: 1 },
        expect: 200,
      });
      await appState('PUT /app-state/{collection}/{key}', {
        params: doc,
        headers: { ...idempotent(), 'if-match': created.headers.get('etag')! },
        body: { value: 1, schemaVersion: 1 },
        expect: 412,
      });
      await appState('PUT /app-state/{collection}/{key}', {
        params: { collection: 'settings', key: 'p' },
        headers: idempotent(),
        body: { value: 1, schemaVersion: 1 },
        expect: 428,
      });
      await appState('GET /app-state/{collection}/{key}', { params: doc, expect: 200 });
      await appState('GET /app-state/{collection}/{key}', { params: { ...doc, key: 'missing' }, expect: 404 });
      await appState('GET /app-state/{collection}', { params: { collection: 'drafts' }, expect: 200 });
      await appState('GET /app-state:changes', { query: { since: boot.json.data.nextSyncToken }, expect: 200 });
      await appState('GET /app-state:changes', { query: { since: 'garbage' }, expect: 400 });
      await appState('DELETE /app-state/{collection}/{key}', {
        params: doc,
        headers: { ...idempotent(), 'if-match': created.headers.get('etag')! },
        expect: 412,
      });
      await appState('DELETE /app-state/{collection}/{key}', {
        params: doc,
        headers: { ...idempotent(), 'if-match': replaced.headers.get('etag')! },
        expect: 204,
      });
    });
  }

  it('plumbing answers on every operation: 401 without credentials, 415 for a body of another type, 414 for a long URL', async () => {
    const asFor = (key: string): Call['as'] => (key.includes(API_PREFIXES.admin) ? 'admin' : /\/resources\//.test(key) ? 'content' : 'user');
    for (const key of check.operations) {
      if (check.isSecured(key)) await call(key, { as: 'none', expect: 401 });
      const [method, path] = key.split(' ') as [string, string];
      if (method !== 'GET' && !path.startsWith('/oauth2/')) await call(key, { as: asFor(key), raw: { contentType: 'text/plain', text: 'hello' }, expect: 415 });
      await call(key, { as: check.isSecured(key) ? asFor(key) : 'none', query: { padding: 'x'.repeat(13_000) }, expect: 414 });
    }
  });

  it('every operation was reached, with a success and an error, and every answer matched the document', () => {
    expect(check.problems).toEqual([]);
    expect(check.unexercised()).toEqual([]);
    expect(check.withoutSuccessAnswer()).toEqual([]);
    expect(check.withoutErrorAnswer()).toEqual([]);
  });
});
