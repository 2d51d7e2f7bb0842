import { RESOURCE_GROUP_NAMES } from '@quran-sync/protocol';
import type { TestServer } from '../../testing/index.js';
import type { ApiOperation } from './openapi-operations.js';

/**
 * Data the fuzz tests start from (public content with rows, a user with every resource type) and the
 * plausible values per parameter name that let generated requests get past the first check: real ids,
 * real sync tokens and cursors, valid filters. Hostile values are mixed in by the caller.
 */
export interface FuzzPools {
  /** Real values for a path parameter of an operation (first is the most typical). */
  pathValues(op: ApiOperation, name: string): string[];
  /** Plausible values for a query or header parameter (`{{head}}` = the user's current head). */
  plausible(op: ApiOperation, name: string): string[];
}

export async function seedFuzzData(server: TestServer, userHeaders: Record<string, string>, userId: string): Promise<FuzzPools> {
  const json = async (method: string, path: string, body?: unknown, headers: Record<string, string> = userHeaders): Promise<any> => {
    const res = await fetch(`${server.url}${path}`, {
      method,
      headers: { ...headers, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    if (res.status >= 300) throw new Error(`seed ${method} ${path} → ${res.status} ${text}`);
    return { body: text ? JSON.parse(text) : null, headers: res.headers };
  };

  // Content: a translation with rows, a recitation with its own resource_content_id, a hidden tafsir.
  await json('PUT', '/admin/v1/resources/translations/19', { status: 'public', metadata: { name: 'Fuzz' } });
  await json('POST', '/admin/v1/resources/translations/19/rows', { upsert: [1, 2, 3].map((i) => ({ id: 100 + i, verse_key: `1:${i}`, text: `row ${i}` })) });
  await json('PUT', '/admin/v1/resources/recitations/7', { status: 'public', resource_content_id: 70 });
  await json('PUT', '/admin/v1/resources/tafsirs/151', { status: 'hidden' });

  // A bootstrap with a small page gives a real cursor; its final page a real token.
  const first = await json('GET', '/api/v4/resources/sync?resources=translations:*;recitations:*&bootstrap=true&per_page=1');
  const cursorUrl: string = first.body.sync.next_page_url;
  const cursor = new URL(cursorUrl, 'http://x').searchParams.get('cursor')!;
  const last = await json('GET', cursorUrl);
  const syncToken: string = last.body.sync.next_sync_token;

  // User data: every resource type, through a push.
  const pushed = await json('POST', `/v1/sync?lastMutationAt=-1`, {
    mutations: [
      { type: 'CREATE', resource: 'BOOKMARK', data: { type: 'ayah', key: 2, verseNumber: 255, mushaf: 1 } },
      { type: 'CREATE', resource: 'COLLECTION', data: { name: 'Fuzzed' } },
      { type: 'CREATE', resource: 'NOTE', data: { body: 'a note to fuzz', ranges: ['2:255-2:256'] } },
      { type: 'CREATE', resource: 'READING_SESSION', data: { chapterNumber: 18, verseNumber: 10 } },
      { type: 'UPDATE', resource: 'PREFERENCE', resourceId: 'theme', data: { group: 'theme', value: { type: 'dark' } } },
    ],
  });
  const acks: Array<{ resource: string; resourceId: string }> = pushed.body.data.mutations;
  const idOf = (resource: string) => acks.find((a) => a.resource === resource)!.resourceId;
  const bookmarkId = idOf('BOOKMARK');
  const collectionId = idOf('COLLECTION');
  const noteId = idOf('NOTE');
  const sessionId = idOf('READING_SESSION');
  await json('POST', `/v1/collections/${collectionId}/bookmarks?lastMutationAt=${Number(pushed.headers.get('x-mutation-at'))}`, { bookmarkId });
  void userId;

  const contentFilters = ['translations:19', 'translations:*;recitations:7', 'tafsirs:151', 'recitations:*', 'translations:19,20;tafsirs:*'];
  const byName: Record<string, string[]> = {
    // content sync
    bootstrap: ['true', 'false', '1'],
    sync_token: [syncToken, `${syncToken}x`, syncToken.replace(/\.[^.]*$/, '.AAAA')],
    cursor: [cursor, cursor.slice(0, -2), cursor.split('.').reverse().join('.')],
    per_page: ['1', '3', '50', '100', '101', '0'],
    // user sync
    lastMutationAt: ['{{head}}', '{{head}}', '-1', '0'],
    'x-mutation-at': ['{{head}}', '-1'],
    'idempotency-key': ['key-1', 'key-2'],
    mutationsSince: ['0', '-1', '{{head}}'],
    lastSyncedAt: ['0', '{{head}}'],
    metadataOnly: ['true', 'false'],
    limit: ['1', '20', '50', '1000'],
    page: ['1', '2'],
    first: ['1', '20'],
    last: ['1', '20'],
    after: [],
    before: [],
    type: ['ayah', 'surah', 'juz', 'page'],
    key: ['1', '2', '114', '115'],
    verseNumber: ['1', '255', '287'],
    mushafId: ['1', '4', '8'],
    mushaf: ['1', '2'],
    isReading: ['true', 'false'],
    chapterNumber: ['2', '114', '115'],
    rangeStartAyahNumber: ['1', '250'],
    rangeEndAyahNumber: ['256', '300'],
    range: ['2:255-2:256', '1:1', '114:6-1:1'],
    from: ['2:255'],
    to: ['2:256'],
    sortBy: ['newest', 'oldest', 'alphabetical', 'recentlyUpdated', 'recentlyAdded', 'verseKey'],
    // oauth2 authorization request
    response_type: ['code'],
    client_id: ['dev-client', 'fuzz-client'],
    redirect_uri: ['http://localhost/cb'],
    code_challenge_method: ['S256', 'plain'],
  };
  return {
    pathValues(op, name) {
      if (name === 'resource_group')
        return [op.path.includes('snapshots') ? 'translations' : 'translations', 'recitations', 'tafsirs', ...RESOURCE_GROUP_NAMES];
      if (name === 'verseKey') return ['2:255', '1:1', '115:1'];
      if (name === 'bookmarkId') return [bookmarkId];
      if (name === 'id') {
        if (op.family === 'admin' || op.family === 'content-snapshot') return ['19', '7', '151', '2147483647'];
        if (op.path.includes('/bookmarks/{id}')) return [bookmarkId];
        if (op.path.includes('/collections/')) return [collectionId, '__default__'];
        if (op.path.includes('/notes/')) return [noteId];
        return [bookmarkId, collectionId, noteId, sessionId];
      }
      return [];
    },
    plausible(op, name) {
      if (name === 'resources') return op.family === 'user-sync' ? ['BOOKMARK,NOTE', 'COLLECTION_BOOKMARK', 'PREFERENCE'] : contentFilters;
      return byName[name] ?? [];
    },
  };
}
