import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../testing/index.js';
import { SyncTestClient } from './testing/sync-test-client.js';

const ayah = (key: number, verseNumber: number, extra: Record<string, unknown> = {}) => ({
  type: 'CREATE',
  resource: 'BOOKMARK',
  data: { type: 'ayah', key, verseNumber, mushaf: 4, ...extra },
});
const validationError = (message: string, details?: string) => ({
  success: false,
  error: { code: 'ValidationError', message, ...(details ? { details } : {}) },
});

describe('user sync: push validation', () => {
  let server: TestServer;
  let client: SyncTestClient;
  let head: number;
  beforeAll(async () => {
    server = await startTestServer();
    client = new SyncTestClient(server, { userId: 'validation-user' });
    head = (await client.push(-1, [ayah(1, 1)])).body.data.lastMutationAt;
  });
  afterAll(async () => {
    await server?.close();
  });

  /** The push is refused with this message and the user's data is exactly as before. */
  async function expectRefused(mutations: unknown[], message: string, details?: string): Promise<void> {
    const before = await client.pullAll(0);
    const res = await client.push(head, mutations);
    expect(res.status).toBe(422);
    expect(res.body).toEqual(validationError(message, details));
    const after = await client.pullAll(0);
    expect(after).toEqual(before);
    expect(after.lastMutationAt).toBe(head);
  }

  it('refuses 101 mutations and applies none of them', async () => {
    const mutations = Array.from({ length: 101 }, (_, i) => ayah(2, i + 1));
    await expectRefused(mutations, 'Mutations must not exceed 100', '"mutations" has 101 items; push at most 100 per request');
    // 100 are fine.
    const ok = await client.push(head, mutations.slice(0, 100));
    expect(ok.status).toBe(200);
    expect(ok.body.data.mutations).toHaveLength(100);
    head = ok.body.data.lastMutationAt;
  });

  it('refuses a batch with one invalid mutation, naming its index, and applies nothing', async () => {
    await expectRefused(
      [ayah(3, 1), ayah(3, 2), ayah(3, 3), { type: 'CREATE', resource: 'BOOKMARK', data: { type: 'ayah', key: 1, verseNumber: 8 } }],
      'Invalid verseNumber at mutation[3]',
    );
    // A mutation that only the stored state can refuse: a link to a collection this user never had.
    await expectRefused(
      [ayah(3, 1), { type: 'CREATE', resource: 'COLLECTION_BOOKMARK', data: { collectionId: 'nosuchcollection', type: 'ayah', key: 3, verseNumber: 1 } }],
      'Invalid collectionId at mutation[1]',
    );
  });

  it('answers each documented message', async () => {
    const cases: Array<[unknown[], string]> = [
      [[{ type: 'CREATE', data: {} }, ayah(1, 2)], 'Missing resource at mutation[0]'],
      [[ayah(1, 2), ayah(1, 3), ayah(1, 4), { type: 'CREATE', resource: 'X', data: {} }], 'Invalid resource: "X" at mutation[3]'],
      [[{ resource: 'BOOKMARK', data: {} }], 'Missing mutation type at mutation[0]'],
      [[ayah(1, 2), { type: 'MOVE', resource: 'BOOKMARK', data: {} }], 'Invalid mutation type: "MOVE" at mutation[1]'],
      [[{ type: 'UPDATE', resource: 'BOOKMARK', data: { isReading: true } }], 'Missing resourceId at mutation[0]'],
      [[{ type: 'DELETE', resource: 'BOOKMARK', resourceId: 'has-dash' }], 'Invalid resourceId at mutation[0]'],
      [[{ type: 'DELETE', resource: 'BOOKMARK', resourceId: 42 }], 'Invalid resourceId at mutation[0]'],
      [[{ type: 'CREATE', resource: 'BOOKMARK' }], 'Missing data at mutation[0]'],
      [[{ type: 'CREATE', resource: 'BOOKMARK', data: { type: 'ayah', verseNumber: 1 } }], 'Missing key at mutation[0]'],
      [[{ type: 'CREATE', resource: 'BOOKMARK', data: { type: 'verse', key: 1 } }], 'Invalid type at mutation[0]'],
      [[{ type: 'CREATE', resource: 'BOOKMARK', data: { type: 'surah', key: 115 } }], 'Invalid key at mutation[0]'],
      [[{ type: 'CREATE', resource: 'BOOKMARK', data: { type: 'juz', key: 31 } }], 'Invalid key at mutation[0]'],
      [[{ type: 'CREATE', resource: 'BOOKMARK', data: { type: 'page', key: 605 } }], 'Invalid key at mutation[0]'],
      [[ayah(2, 286, { mushaf: 8 })], 'Invalid mushaf at mutation[0]'],
      [[ayah(2, 286, { mushaf: 4, mushafId: 5 })], 'Invalid mushaf at mutation[0]'],
      [[ayah(2, 287)], 'Invalid verseNumber at mutation[0]'],
      [[ayah(2, 1, { clientCreatedAt: 'last tuesday' })], 'Invalid clientCreatedAt at mutation[0]'],
      [[{ type: 'CREATE', resource: 'NOTE', data: { body: 'short', ranges: ['1:1'] } }], 'Invalid body at mutation[0]'],
      [[{ type: 'CREATE', resource: 'NOTE', data: { body: 'long enough', ranges: [] } }], 'Invalid ranges at mutation[0]'],
      [[{ type: 'CREATE', resource: 'NOTE', data: { body: 'long enough', ranges: ['2:10-2:5'] } }], 'Invalid ranges at mutation[0]'],
      [[{ type: 'CREATE', resource: 'NOTE', data: { body: 'long enough', ranges: ['1:8'] } }], 'Invalid ranges at mutation[0]'],
      [[{ type: 'CREATE', resource: 'NOTE', data: { body: 'long enough' } }], 'Missing ranges at mutation[0]'],
      [[{ type: 'CREATE', resource: 'COLLECTION', data: { name: '   ' } }], 'Invalid name at mutation[0]'],
      [[{ type: 'CREATE', resource: 'COLLECTION', data: { name: 'x'.repeat(256) } }], 'Invalid name at mutation[0]'],
      [[{ type: 'CREATE', resource: 'READING_SESSION', data: { chapterNumber: 1, verseNumber: 8 } }], 'Invalid verseNumber at mutation[0]'],
      [[{ type: 'CREATE', resource: 'PREFERENCE', data: { group: 'theme', value: { type: 'neon' } } }], 'Invalid value.type at mutation[0]'],
      [[{ type: 'CREATE', resource: 'PREFERENCE', data: { group: 'colours', value: {} } }], 'Invalid group at mutation[0]'],
      [[{ type: 'CREATE', resource: 'COLLECTION_BOOKMARK', data: { bookmarkId: 'abc' } }], 'Missing collectionId at mutation[0]'],
      [
        [{ type: 'CREATE', resource: 'COLLECTION_BOOKMARK', data: { collectionId: 'nosuchcollection', type: 'ayah', key: 1, verseNumber: 1 } }],
        'Invalid collectionId at mutation[0]',
      ],
      [[{ type: 'DELETE', resource: 'COLLECTION_BOOKMARK', resourceId: 'no-such-link' }], 'Invalid resourceId at mutation[0]'],
      [[{ type: 'DELETE', resource: 'COLLECTION', resourceId: '__default__' }], 'The default collection cannot be deleted at mutation[0]'],
      [
        [{ type: 'UPDATE', resource: 'COLLECTION', resourceId: '__default__', data: { name: 'Starred' } }],
        'The default collection cannot be renamed at mutation[0]',
      ],
    ];
    for (const [mutations, message] of cases) await expectRefused(mutations, message);
  });

  it('answers a body that is not a batch, or not JSON, with 422 Invalid mutations and details saying what was wrong', async () => {
    const before = await client.pullAll(0);
    const refused = (details: string) => validationError('Invalid mutations', details);
    const cases: Array<[unknown, string]> = [
      [{}, 'body has no "mutations" key'],
      [{ mutation: [ayah(1, 1)] }, 'body has no "mutations" key (it has "mutation")'],
      [{ mutations: [] }, '"mutations" must contain at least one item'],
      [{ mutations: 'all' }, '"mutations" is a string, not an array'],
      [{ mutations: null }, '"mutations" is null, not an array'],
      [[ayah(1, 1)], 'body is an array, not an object {"mutations": [...]}'],
      ['hello', 'body is a string, not an object {"mutations": [...]}'],
    ];
    for (const [body, details] of cases) {
      const res = await client.request('POST', '/sync', { query: { lastMutationAt: head }, body });
      expect(res.status).toBe(422);
      expect(res.body).toEqual(refused(details));
    }
    const malformed = await client.request('POST', '/sync', { query: { lastMutationAt: head }, rawBody: '{"mutations": [' });
    expect(malformed.status).toBe(422);
    expect(malformed.body.error).toMatchObject({ code: 'ValidationError', message: 'Invalid mutations' });
    expect(malformed.body.error.details).toBe('body is not valid JSON: Unexpected end of JSON input');
    const misplaced = await client.request('POST', '/sync', { query: { lastMutationAt: head }, rawBody: '{"mutations" []}' });
    expect(misplaced.body).toEqual(refused("body is not valid JSON: Expected ':' after property name in JSON at position 13"));
    const poisoned = await client.request('POST', '/sync', { query: { lastMutationAt: head }, rawBody: '{"mutations": [], "__proto__": {"x": 1}}' });
    expect(poisoned.status).toBe(422);
    expect(poisoned.body.error.details).toMatch(/^body is not valid JSON: /);
    // A large body that is not JSON at all: the reason quotes only the start of it.
    const junk = await client.request('POST', '/sync', { query: { lastMutationAt: head }, rawBody: 'x'.repeat(2_000_000) });
    expect(junk.status).toBe(422);
    expect(junk.body.error.message).toBe('Invalid mutations');
    expect(junk.body.error.details).toMatch(/^body is not valid JSON: Unexpected token 'x', "xxxxxxxxxx"\.\.\. is not valid JSON$/);
    expect(junk.body.error.details.length).toBeLessThanOrEqual(200);
    const deep = await client.request('POST', '/sync', { query: { lastMutationAt: head }, rawBody: `{"mutations": ${'['.repeat(100)}${']'.repeat(100)}}` });
    expect(deep.body).toEqual(refused('Request body nests deeper than 64 levels'));
    const noBody = await client.request('POST', '/sync', { query: { lastMutationAt: head }, headers: { 'content-type': 'application/json' } });
    expect(noBody.status).toBe(422);
    expect(noBody.body).toEqual(refused('the request has no body: send {"mutations": [...]} as application/json'));
    expect(await client.pullAll(0)).toEqual(before);
  });

  it('answers a body that is not JSON by its Content-Type with 415 naming the type', async () => {
    const res = await client.request('POST', '/sync', {
      query: { lastMutationAt: head },
      rawBody: JSON.stringify({ mutations: [ayah(1, 2)] }),
      headers: { 'content-type': 'text/plain' },
    });
    expect(res.status).toBe(415);
    expect(res.body).toEqual({
      message: 'Unsupported Content-Type "text/plain": send the body as application/json',
      type: 'unsupported_media_type',
      success: false,
    });
  });

  it('answers a body over the limit with 413', async () => {
    const res = await client.request('POST', '/sync', { query: { lastMutationAt: head }, rawBody: `{"mutations": ["${'x'.repeat(6 * 1_048_576)}"]}` });
    expect(res.status).toBe(413);
    expect(res.body).toMatchObject({ type: 'payload_too_large', success: false });
  });

  it('adds no details where the message already names the mutation and field', async () => {
    const res = await client.push(head, [ayah(2, 287)]);
    expect(res.body).toEqual(validationError('Invalid verseNumber at mutation[0]'));
  });

  it('accepts the extra keys real clients send and ignores unknown ones', async () => {
    const res = await client.push(head, [
      {
        type: 'CREATE',
        resource: 'BOOKMARK',
        resourceId: null,
        localId: 'device-7',
        data: {
          bookmarkType: 'AYAH',
          key: 36,
          verseNumber: 1,
          mushafId: 2,
          isReading: false,
          isInDefaultCollection: true,
          bookmarkGroup: 'verses',
          somethingNew: 1,
        },
      },
      { type: 'CREATE', resource: 'COLLECTION', data: { name: ' Tafsir notes ', isDefault: true, isSystem: true, colour: 'green' } },
      {
        type: 'CREATE',
        resource: 'NOTE',
        data: { body: 'A reflection on Ya-Sin', ranges: ['36:1-36:12'], saveToQR: true, attachedEntity: { entityId: 'r1', entityType: 'reflection' } },
      },
    ]);
    expect(res.status).toBe(200);
    head = res.body.data.lastMutationAt;
    const [bookmarkAck, collectionAck, noteAck] = res.body.data.mutations;
    expect(bookmarkAck.data).toMatchObject({ type: 'ayah', key: 36, verseNumber: 1, mushaf: 2, mushafId: 2, isInDefaultCollection: false });
    expect(collectionAck.data).toMatchObject({ name: 'Tafsir notes', slug: 'tafsir-notes', isDefault: false, isSystem: false });
    expect(noteAck.data).toMatchObject({ ranges: ['36:1-36:12'], saveToQR: true, attachedEntities: [{ entityId: 'r1', entityType: 'reflection' }] });
  });

  it('accepts client timestamps as ISO with or without fraction and as epoch ms, and echoes ISO', async () => {
    const res = await client.push(head, [
      ayah(50, 1, { clientCreatedAt: '2024-05-01T10:00:00Z', clientUpdatedAt: '2024-05-01T10:00:00.123+02:00' }),
      ayah(50, 2, { clientCreatedAt: 1714557600000, clientUpdatedAt: '1714557600456' }),
      ayah(50, 3, { clientCreatedAt: null }),
    ]);
    expect(res.status).toBe(200);
    head = res.body.data.lastMutationAt;
    const [a, b, c] = res.body.data.mutations.map((m: any) => m.data);
    expect(a).toMatchObject({ clientCreatedAt: '2024-05-01T10:00:00.000Z', clientUpdatedAt: '2024-05-01T08:00:00.123Z' });
    expect(b).toMatchObject({ clientCreatedAt: '2024-05-01T10:00:00.000Z', clientUpdatedAt: '2024-05-01T10:00:00.456Z' });
    expect(c).toMatchObject({ clientCreatedAt: null, clientUpdatedAt: null });
    // They never move the cursor: the server's timestamps are recent, whatever the client's clock says.
    for (const ack of res.body.data.mutations) expect(ack.timestamp).toBeGreaterThan(Date.parse('2025-01-01'));
  });
});
