import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HEADERS } from '@quran-sync/protocol';
import { startTestServer, type TestServer } from '../testing/index.js';
import { fingerprintDiff, userDataFingerprint } from './testing/db-fingerprint.js';
import { operationsOf, type ApiOperation } from './testing/openapi-operations.js';

/**
 * Isolation, exhaustively: user B calls EVERY user-API operation of the OpenAPI document
 * (both prefixes) with every one of user A's resource ids in every id position — path parameters, body
 * fields, push `resourceId`s of every resource type and mutation type, composite link ids, lookups by A's
 * bookmark location, A's Idempotency-Key. B must never see A's data (no id or content of A in any answer)
 * and A's stored rows must not change by a single byte. Both users hold every scope, so nothing is refused
 * for lack of one: isolation must come from ownership checks alone.
 */
const SCOPES = ['sync', 'bookmark', 'collection', 'note', 'reading_session', 'preference'];
const A = 'isolation-user-a';
const B = 'isolation-user-b';
const SECRET_NOTE = 'SECRET NOTE OF USER A';
const SECRET_COLLECTION = 'Secret collection of A';

describe('cross-user isolation on every user endpoint', () => {
  let server: TestServer;
  let headersA: Record<string, string>;
  let headersB: Record<string, string>;
  let idsOfA: { bookmark: string; readingBookmark: string; collection: string; defaultCollection: string; note: string; session: string };
  let operations: ApiOperation[];

  const head = async (headers: Record<string, string>): Promise<number> => {
    const res = await fetch(`${server.url}/v1/sync?mutationsSince=0&metadataOnly=true`, { headers });
    return ((await res.json()) as { data: { lastMutationAt: number } }).data.lastMutationAt;
  };
  const pullAll = async (headers: Record<string, string>) => {
    const res = await fetch(`${server.url}/v1/sync?mutationsSince=0&limit=1000`, { headers });
    return ((await res.json()) as { data: { mutations: Array<{ resource: string; resourceId: string | null; data: unknown }> } }).data.mutations;
  };

  beforeAll(async () => {
    server = await startTestServer();
    headersA = await server.authHeaders({ userId: A, scopes: SCOPES });
    headersB = await server.authHeaders({ userId: B, scopes: SCOPES });
    const push = await fetch(`${server.url}/v1/sync?lastMutationAt=-1`, {
      method: 'POST',
      headers: { ...headersA, 'content-type': 'application/json' },
      body: JSON.stringify({
        mutations: [
          { type: 'CREATE', resource: 'BOOKMARK', data: { type: 'ayah', key: 2, verseNumber: 255, mushaf: 1 } },
          { type: 'CREATE', resource: 'BOOKMARK', data: { type: 'surah', key: 18, mushaf: 1, isReading: true } },
          { type: 'CREATE', resource: 'COLLECTION', data: { name: SECRET_COLLECTION } },
          { type: 'CREATE', resource: 'NOTE', data: { body: SECRET_NOTE, ranges: ['2:255'] } },
          { type: 'CREATE', resource: 'READING_SESSION', data: { chapterNumber: 36, verseNumber: 12 } },
          { type: 'UPDATE', resource: 'PREFERENCE', resourceId: 'theme', data: { group: 'theme', value: { type: 'sepia' } } },
        ],
      }),
    });
    expect(push.status).toBe(200);
    const acks = ((await push.json()) as { data: { mutations: Array<{ resource: string; resourceId: string }> } }).data.mutations;
    const collections = (await pullAll(headersA)).filter((m) => m.resource === 'COLLECTION');
    idsOfA = {
      bookmark: acks[0]!.resourceId,
      readingBookmark: acks[1]!.resourceId,
      collection: acks[2]!.resourceId,
      note: acks[3]!.resourceId,
      session: acks[4]!.resourceId,
      defaultCollection: collections.find((c) => (c.data as { isDefault: boolean }).isDefault)!.resourceId!,
    };
    const link = await fetch(`${server.url}/v1/collections/${idsOfA.collection}/bookmarks?lastMutationAt=${await head(headersA)}`, {
      method: 'POST',
      headers: { ...headersA, 'content-type': 'application/json', 'idempotency-key': 'shared-key' },
      body: JSON.stringify({ bookmarkId: idsOfA.bookmark }),
    });
    expect(link.status).toBe(200);
    // B has data of its own too (a non-empty user behaves differently from a new one).
    await fetch(`${server.url}/v1/sync?lastMutationAt=-1`, {
      method: 'POST',
      headers: { ...headersB, 'content-type': 'application/json' },
      body: JSON.stringify({ mutations: [{ type: 'CREATE', resource: 'BOOKMARK', data: { type: 'ayah', key: 1, verseNumber: 1 } }] }),
    });
    operations = operationsOf(await (await fetch(`${server.url}/openapi.json`)).json()).filter((o) => o.family === 'user-direct' || o.family === 'user-sync');
  });
  afterAll(async () => server?.close());

  /** Everything that would reveal A: ids and distinctive content. */
  const secretsOfA = () => [...Object.values(idsOfA), SECRET_NOTE, SECRET_COLLECTION, 'sepia'];

  it('covers every user operation of the OpenAPI document', () => {
    expect(operations.length).toBeGreaterThanOrEqual(2 * 26);
  });

  it("B, using A's ids everywhere on every operation, never reads A's data and never changes it", async () => {
    const before = await userDataFingerprint(server.ctx.db, A);
    const pulledBefore = await pullAll(headersA);
    const idChoices = Object.values(idsOfA);
    const leaks: string[] = [];
    let requests = 0;
    for (const op of operations) {
      const pathIds = op.path.includes('{') ? idChoices : [null];
      for (const id of pathIds) {
        for (const body of bodiesFor(op, idsOfA)) {
          const path = op.path
            .replace('{id}', encodeURIComponent(id ?? ''))
            .replace('{bookmarkId}', encodeURIComponent(idsOfA.bookmark))
            .replace('{verseKey}', '2:255');
          const query = new URLSearchParams({
            lastMutationAt: String(await head(headersB)),
            type: 'ayah',
            key: '2',
            verseNumber: '255',
            mushafId: '1',
            chapterNumber: '2',
            rangeStartAyahNumber: '1',
            rangeEndAyahNumber: '286',
            range: '2:255',
            mutationsSince: '0',
          });
          const res = await fetch(`${server.url}${path}?${query}`, {
            method: op.method,
            headers: { ...headersB, 'idempotency-key': 'shared-key', ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
            ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
          });
          requests++;
          const text = await res.text();
          expect(res.status, `${op.method} ${path}: ${text}`).toBeLessThan(500);
          for (const secret of secretsOfA())
            if (text.includes(secret)) leaks.push(`${op.method} ${path} ${JSON.stringify(body)} → ${res.status} reveals ${secret}`);
          const diff = fingerprintDiff(before, await userDataFingerprint(server.ctx.db, A));
          if (diff.length > 0) throw new Error(`${op.method} ${path} ${JSON.stringify(body)} → ${res.status} changed A's ${diff.join(', ')}: ${text}`);
        }
      }
    }
    expect(leaks).toEqual([]);
    expect(requests).toBeGreaterThan(200);
    // A sees exactly what it saw before; B sees nothing of A.
    expect(await pullAll(headersA)).toEqual(pulledBefore);
    const pulledB = JSON.stringify(await pullAll(headersB));
    for (const secret of secretsOfA()) expect(pulledB).not.toContain(secret);
  });

  it("B's pushes naming A's ids in every resource and mutation type are refused as unknown ids (or create B's own, or delete nothing), never touching A", async () => {
    const before = await userDataFingerprint(server.ctx.db, A);
    for (const mutation of pushMutationsWithIdsOf(idsOfA)) {
      const res = await fetch(`${server.url}/v1/sync?lastMutationAt=${await head(headersB)}`, {
        method: 'POST',
        headers: { ...headersB, 'content-type': 'application/json' },
        body: JSON.stringify({ mutations: [mutation] }),
      });
      const text = await res.text();
      expect([200, 422], `${JSON.stringify(mutation)} → ${text}`).toContain(res.status);
      if (res.status === 200) {
        // Accepted only as B's own resource under a fresh id, never under A's; or, for a delete, acknowledged
        // as a no-op exactly as for an id nobody has, echoing the ids B sent and nothing else of A's.
        const sent = JSON.stringify(mutation);
        const echoed = (mutation as { type: string }).type === 'DELETE' ? sent : '';
        for (const secret of secretsOfA()) if (!echoed.includes(secret)) expect(text, sent).not.toContain(secret);
      }
      expect(fingerprintDiff(before, await userDataFingerprint(server.ctx.db, A)), JSON.stringify(mutation)).toEqual([]);
    }
  });

  it("another user replaying A's exact request with A's Idempotency-Key gets its own outcome, not A's stored response", async () => {
    // B used the key above; C never did. Keys are per user, so C's replay is evaluated afresh: A's ids are unknown to C.
    const headersC = await server.authHeaders({ userId: 'isolation-user-c', scopes: SCOPES });
    const res = await fetch(`${server.url}/v1/collections/${idsOfA.collection}/bookmarks?lastMutationAt=-1`, {
      method: 'POST',
      headers: { ...headersC, 'content-type': 'application/json', 'idempotency-key': 'shared-key' },
      body: JSON.stringify({ bookmarkId: idsOfA.bookmark }),
    });
    const text = await res.text();
    expect(res.status, text).toBe(404);
    for (const secret of secretsOfA()) expect(text).not.toContain(secret);
    expect(res.headers.get(HEADERS.mutationAt)).toBeNull();
  });
});

/** Bodies for an operation that name A's resources (plus no body at all). */
function bodiesFor(op: ApiOperation, ids: Record<string, string>): unknown[] {
  if (op.method === 'GET' || op.body === null) return [undefined];
  if (op.family === 'user-sync') return [{ mutations: pushMutationsWithIdsOf(ids).slice(0, 3) }];
  const path = op.path;
  if (path.includes('/collections/{id}/bookmarks')) return [{ bookmarkId: ids.bookmark }, { type: 'ayah', key: 2, verseNumber: 255, mushaf: 1 }];
  if (path.endsWith('/collections/{id}') || path.endsWith('/collections')) return [{ name: SECRET_COLLECTION }, { name: 'hijacked' }];
  if (path.includes('/notes')) return [{ body: 'hijacked note body', ranges: ['2:255'] }];
  if (path.endsWith('/bookmarks')) return [{ type: 'ayah', key: 2, verseNumber: 255, mushaf: 1, isReading: true }];
  if (path.endsWith('/reading-sessions')) return [{ chapterNumber: 36, verseNumber: 12 }];
  if (path.endsWith('/preferences')) return [{ group: 'theme', key: 'type', value: 'dark' }];
  if (path.endsWith('/preferences/bulk')) return [{ theme: { type: 'dark' } }];
  return [{}];
}

/** Push mutations of B that name A's ids in every position the push accepts an id. */
function pushMutationsWithIdsOf(ids: Record<string, string>): unknown[] {
  const out: unknown[] = [];
  const bookmarkData = { type: 'ayah', key: 2, verseNumber: 255, mushaf: 1 };
  for (const id of [ids.bookmark, ids.readingBookmark]) {
    out.push({ type: 'CREATE', resource: 'BOOKMARK', resourceId: id, data: { type: 'ayah', key: 3, verseNumber: 3 } });
    out.push({ type: 'UPDATE', resource: 'BOOKMARK', resourceId: id, data: { isReading: true } });
    out.push({ type: 'DELETE', resource: 'BOOKMARK', resourceId: id });
  }
  for (const id of [ids.collection, ids.defaultCollection]) {
    out.push({ type: 'CREATE', resource: 'COLLECTION', resourceId: id, data: { name: 'hijacked' } });
    out.push({ type: 'UPDATE', resource: 'COLLECTION', resourceId: id, data: { name: 'hijacked' } });
    out.push({ type: 'DELETE', resource: 'COLLECTION', resourceId: id });
    out.push({ type: 'CREATE', resource: 'COLLECTION_BOOKMARK', data: { collectionId: id, bookmarkId: ids.bookmark } });
    out.push({ type: 'CREATE', resource: 'COLLECTION_BOOKMARK', data: { collectionId: id, ...bookmarkData } });
    out.push({ type: 'DELETE', resource: 'COLLECTION_BOOKMARK', resourceId: `${id}-${ids.bookmark}` });
    out.push({ type: 'DELETE', resource: 'COLLECTION_BOOKMARK', data: { collectionId: id, bookmarkId: ids.bookmark } });
  }
  out.push({ type: 'CREATE', resource: 'COLLECTION_BOOKMARK', data: { collectionId: '__default__', bookmarkId: ids.bookmark } });
  out.push({ type: 'DELETE', resource: 'COLLECTION_BOOKMARK', data: { collectionId: '__default__', bookmarkId: ids.bookmark } });
  out.push({ type: 'CREATE', resource: 'NOTE', resourceId: ids.note, data: { body: 'hijacked note body', ranges: ['2:255'] } });
  out.push({ type: 'UPDATE', resource: 'NOTE', resourceId: ids.note, data: { body: 'hijacked note body' } });
  out.push({ type: 'DELETE', resource: 'NOTE', resourceId: ids.note });
  out.push({ type: 'CREATE', resource: 'READING_SESSION', resourceId: ids.session, data: { chapterNumber: 1, verseNumber: 1 } });
  out.push({ type: 'UPDATE', resource: 'READING_SESSION', resourceId: ids.session, data: { chapterNumber: 1, verseNumber: 2 } });
  out.push({ type: 'DELETE', resource: 'READING_SESSION', resourceId: ids.session });
  return out;
}
