import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseFingerprint, fingerprintDiff } from '../reliability/testing/db-fingerprint.js';
import { operationsOf } from '../reliability/testing/openapi-operations.js';
import { authorizeWithLogin, createTestClient, createTestUser, startTestServer, tokenRequest, type TestServer } from '../testing/index.js';

const USER_SCOPES = ['sync', 'bookmark', 'collection', 'note', 'reading_session', 'preference', 'app_state'];

/**
 * A body each write route accepts as JSON, so a refusal of the same values as a form or as text can only be
 * about the media type. Keyed by method and path template below the API prefix.
 */
const VALID_BODIES: Record<string, Record<string, unknown>> = {
  'POST /bookmarks': { type: 'ayah', key: 2, verseNumber: 255, mushafId: 4 },
  'POST /collections': { name: 'from a form' },
  'POST /collections/{id}': { name: 'renamed by a form' },
  'POST /collections/{id}/bookmarks': { type: 'ayah', key: 3, verseNumber: 7, mushafId: 4 },
  'DELETE /collections/{id}/bookmarks': { type: 'ayah', key: 2, verseNumber: 255, mushafId: 4 },
  'POST /notes': { body: 'a note sent as a form', ranges: ['2:255-2:255'] },
  'PATCH /notes/{id}': { body: 'a note edited by a form' },
  'POST /reading-sessions': { chapterNumber: 18, verseNumber: 10 },
  'POST /preferences': { group: 'theme', key: 'type', value: 'dark' },
  'POST /preferences/bulk': { theme: { type: 'dark' } },
  'POST /sync': { mutations: [{ type: 'CREATE', resource: 'COLLECTION', data: { name: 'pushed as a form' } }] },
  'PUT /resources/{resource_group}/{id}': { status: 'public', metadata: { name: 'from a form' } },
  'POST /resources/{resource_group}/{id}/rows': { delete: [1] },
};

/** The form a browser would post for `body`: scalars as they are, arrays repeated, objects as JSON. */
function asForm(body: Record<string, unknown>): string {
  const form = new URLSearchParams();
  for (const [key, value] of Object.entries(body)) {
    for (const item of Array.isArray(value) ? value : [value]) form.append(key, typeof item === 'object' ? JSON.stringify(item) : String(item));
  }
  return form.toString();
}

describe('request bodies: JSON routes take JSON only, OAuth2 routes take forms', () => {
  let server: TestServer;
  let headers: Record<string, string>;
  let ids: Record<string, string>;

  const call = async (method: string, path: string, init: { contentType?: string; body?: string } = {}) => {
    const res = await fetch(`${server.url}${path}`, {
      method,
      headers: { ...headers, ...(init.contentType ? { 'content-type': init.contentType } : {}) },
      ...(init.body !== undefined ? { body: init.body } : {}),
    });
    const text = await res.text();
    return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : null };
  };
  const head = async (): Promise<number> => (await call('GET', '/v1/sync?mutationsSince=0&metadataOnly=true')).body.data.lastMutationAt;

  beforeAll(async () => {
    server = await startTestServer();
    headers = await server.authHeaders({ userId: 'media-user', scopes: [...USER_SCOPES, 'content.write'] });
    // Real ids, so every refused request names resources it could otherwise have changed.
    const json = async (method: string, path: string, body: unknown) => {
      const res = await call(method, `${path}?lastMutationAt=${await head()}`, { contentType: 'application/json', body: JSON.stringify(body) });
      expect(res.status).toBe(200);
      return res.body.data;
    };
    const bookmark = await json('POST', '/v1/bookmarks', { type: 'ayah', key: 2, verseNumber: 255, mushafId: 4 });
    const collection = await json('POST', '/v1/collections', { name: 'existing' });
    const note = await json('POST', '/v1/notes', { body: 'an existing note', ranges: ['1:1-1:7'] });
    ids = { bookmark: bookmark.id, collection: collection.id, note: note.id };
  });
  afterAll(async () => {
    await server?.close();
  });

  it('refuses form, text/plain and multipart bodies on every JSON write route with 415 in the standard envelope, storing nothing', async () => {
    const doc = await (await fetch(`${server.url}/openapi.json`)).json();
    const writes = operationsOf(doc).filter((op) => op.method !== 'GET' && !op.path.startsWith('/oauth2/'));
    const covered = new Set<string>();
    const before = await databaseFingerprint(server.ctx.db);
    const lastMutationAt = await head();
    for (const op of writes) {
      const relative = op.path.replace(/^\/(auth\/v1|v1|admin\/v1)/, '');
      const key = `${op.method} ${relative}`;
      covered.add(key);
      const path = op.path
        .replace('{resource_group}', 'translations')
        .replace(/\/(bookmarks)\/\{id\}/, `/$1/${ids.bookmark}`)
        .replace(/\/(collections)\/\{id\}/, `/$1/${ids.collection}`)
        .replace(/\/(notes)\/\{id\}/, `/$1/${ids.note}`)
        .replace('{bookmarkId}', ids.bookmark!)
        .replace('{id}', '20');
      const body = VALID_BODIES[key] ?? { name: 'anything' };
      const attempts = [
        { contentType: 'application/x-www-form-urlencoded', body: asForm(body) },
        { contentType: 'application/x-www-form-urlencoded; charset=UTF-8', body: asForm(body) },
        // What a cross-origin page can send without a preflight: JSON text labelled text/plain.
        { contentType: 'text/plain', body: JSON.stringify(body) },
        { contentType: 'text/plain;charset=UTF-8', body: JSON.stringify(body) },
        { contentType: 'multipart/form-data; boundary=x', body: `--x\r\nContent-Disposition: form-data; name="name"\r\n\r\nx\r\n--x--\r\n` },
      ];
      for (const attempt of attempts) {
        const res = await call(op.method, `${path}?lastMutationAt=${lastMutationAt}`, attempt);
        expect(res.status, `${op.method} ${path} as ${attempt.contentType}: ${JSON.stringify(res.body)}`).toBe(415);
        expect(res.body).toEqual({ message: expect.stringContaining('application/json'), type: 'unsupported_media_type', success: false });
        expect(res.headers.get('x-request-id')).toBeTruthy();
      }
    }
    expect(fingerprintDiff(before, await databaseFingerprint(server.ctx.db))).toEqual([]);
    // The routes the attack named, under both user prefixes, and the editorial API are all among them.
    for (const key of [
      'POST /collections',
      'POST /preferences',
      'POST /bookmarks',
      'DELETE /bookmarks/{id}',
      'POST /collections/{id}/bookmarks',
      'PATCH /notes/{id}',
      'POST /reading-sessions',
      'POST /sync',
      'PUT /resources/{resource_group}/{id}',
      'POST /compact',
    ]) {
      expect(covered, key).toContain(key);
    }
    expect(writes.filter((op) => op.path.startsWith('/auth/v1/')).length).toBeGreaterThan(10);
  });

  it('the attack as reported: a form body creates no collection and sets no preference; the same values as JSON do', async () => {
    const h = await head();
    const form = await call('POST', `/v1/collections?lastMutationAt=${h}`, { contentType: 'application/x-www-form-urlencoded', body: 'name=x' });
    expect(form.status).toBe(415);
    const prefs = await call('POST', `/v1/preferences?lastMutationAt=${h}`, {
      contentType: 'application/x-www-form-urlencoded',
      body: 'group=theme&key=type&value=dark',
    });
    expect(prefs.status).toBe(415);
    expect(await head()).toBe(h);
    expect((await call('GET', '/v1/collections')).body.data.map((c: { name: string }) => c.name)).not.toContain('x');

    const json = await call('POST', `/v1/collections?lastMutationAt=${h}`, { contentType: 'application/json', body: JSON.stringify({ name: 'x' }) });
    expect(json.status).toBe(200);
    expect(json.body.data).toMatchObject({ name: 'x' });
  });

  it('bodiless requests may carry any Content-Type (clients label bodiless DELETEs), and a JSON charset is fine', async () => {
    const created = await call('POST', `/v1/notes?lastMutationAt=${await head()}`, {
      contentType: 'application/json; charset=utf-8',
      body: JSON.stringify({ body: 'to be deleted', ranges: ['1:1'] }),
    });
    expect(created.status).toBe(200);
    const deleted = await call('DELETE', `/v1/notes/${created.body.data.id}?lastMutationAt=${await head()}`, { contentType: 'text/plain' });
    expect(deleted.status).toBe(200);
  });

  it('the OAuth2 routes still take forms: token, introspection, revocation and the login form', async () => {
    await createTestClient(server.ctx.db, { id: 'form-app', secret: 'form-secret', scopes: 'content bookmark' });
    await createTestUser(server.ctx.db, 'form-user', 'form-password');
    const basic = { clientId: 'form-app', clientSecret: 'form-secret' };
    const token = await tokenRequest(server.url, { grant_type: 'client_credentials', scope: 'content' }, basic);
    expect(token.status).toBe(200);
    const accessToken = ((await token.json()) as { access_token: string }).access_token;

    const form = (path: string, fields: Record<string, string>) =>
      fetch(`${server.url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from('form-app:form-secret').toString('base64')}` },
        body: new URLSearchParams(fields),
      });
    const introspection = await form('/oauth2/introspect', { token: accessToken });
    expect(introspection.status).toBe(200);
    expect(await introspection.json()).toMatchObject({ active: true, client_id: 'form-app' });
    expect((await form('/oauth2/revoke', { token: accessToken })).status).toBe(200);

    // The login page posts a form (username, password, the hidden fields) and redirects with a code.
    await createTestClient(server.ctx.db, { id: 'form-login-app', scopes: 'bookmark' });
    const authorization = await authorizeWithLogin(server.url, {
      clientId: 'form-login-app',
      scope: 'bookmark',
      username: 'form-user',
      password: 'form-password',
    });
    expect(authorization.code).toBeTruthy();
  });
});
