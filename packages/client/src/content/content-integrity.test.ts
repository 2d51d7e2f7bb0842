import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { resetContent, rows, serverPublicState, startContentFixture, storeState, type ContentFixture } from '../testing/content-sync-fixture.js';
import { STORE_KINDS, createStore } from '../testing/store-factories.js';
import type { ContentIntegrityReport } from './content-integrity.js';
import { ContentSyncClient } from './content-sync-client.js';
import type { ContentStore } from './content-store.js';

/** Integrity checks of the content client against a real server: a corrupted store is detected and healed. */
describe.each(STORE_KINDS)('content integrity (%s store)', (kind) => {
  let fx: ContentFixture;
  beforeAll(async () => {
    fx = await startContentFixture();
  });
  afterAll(async () => fx?.close());
  beforeEach(async () => resetContent(fx.server));

  const FILTER = 'translations:*';
  const newClient = (store: ContentStore) => new ContentSyncClient({ baseUrl: fx.server.url, resources: FILTER, store, tokenProvider: fx.tokenProvider });

  async function seed(): Promise<void> {
    await fx.editor.put('translations', 1, {});
    await fx.editor.rows('translations', 1, { upsert: [1, 2, 3, 4, 5].map((i) => rows.translation(i, i, `t1-${i}`)) });
    await fx.editor.put('translations', 2, {});
    await fx.editor.rows('translations', 2, { upsert: [1, 2, 3].map((i) => rows.translation(i, i, `t2-${i}`)) });
  }

  /** Drop a row, alter a field, add a stray row, add a stray resource — all behind the sync client's back. */
  async function corrupt(store: ContentStore): Promise<void> {
    const one = (await store.getResource('translations', 1))!;
    await store.write([
      { op: 'deleteRow', group: 'translations', resourceId: 1, recordType: 'translation', recordKey: '2' },
      {
        op: 'upsertRow',
        group: 'translations',
        resourceId: 2,
        recordType: 'translation',
        recordKey: '1',
        data: { ...rows.translation(1, 1, 'tampered'), resource_content_id: 2 },
      },
      {
        op: 'upsertRow',
        group: 'translations',
        resourceId: 1,
        recordType: 'translation',
        recordKey: '99',
        data: { ...rows.translation(99, 7, 'stray'), resource_content_id: 1 },
      },
      {
        op: 'replaceResource',
        resource: { ...one, id: 7, resourceContentId: 7 },
        rows: [{ recordType: 'translation', recordKey: '1', data: { ...rows.translation(1, 1, 'x'), resource_content_id: 7 } }],
      },
    ]);
  }

  it('a client started on a corrupted store detects every difference on its first sync and heals it', async () => {
    await seed();
    const store = await createStore(kind);
    try {
      const first = newClient(store);
      const firstRun = await first.sync();
      expect(firstRun.integrity).toMatchObject({ full: true, checked: 2, repairs: [] });
      await first.close();

      await corrupt(store);
      expect(await storeState(store)).not.toEqual(await serverPublicState(fx.server, FILTER));

      const restarted = newClient(store);
      const events: ContentIntegrityReport[] = [];
      restarted.on('integrity', (r) => events.push(r));
      const summary = await restarted.sync();
      expect(summary.integrity?.full).toBe(true);
      expect(events).toHaveLength(1);
      const repairs = [...events[0]!.repairs].sort((a, b) => a.id - b.id);
      expect(repairs.map((r) => [r.id, r.problem, r.healed])).toEqual([
        [1, 'digest_mismatch', true],
        [2, 'digest_mismatch', true],
        [7, 'stray', true],
      ]);
      expect(repairs[0]!.local?.count).toBe(5);
      expect(repairs[0]!.server?.count).toBe(5);
      expect(await storeState(store)).toEqual(await serverPublicState(fx.server, FILTER));

      // Healed: the next full check finds nothing.
      expect(await restarted.verifyIntegrity()).toMatchObject({ full: true, checked: 2, repairs: [] });
      await restarted.close();
    } finally {
      await store.close();
    }
  });

  it('verifyIntegrity() on a running client heals a store changed behind its back; incremental runs verify what they changed', async () => {
    await seed();
    const store = await createStore(kind);
    const client = newClient(store);
    try {
      await client.sync();
      await fx.editor.rows('translations', 2, { upsert: [rows.translation(4, 4, 't2-4')] });
      const incremental = await client.sync();
      expect(incremental.mode).toBe('incremental');
      expect(incremental.integrity).toMatchObject({ full: false, checked: 2, repairs: [] });
      // Nothing changed: no check, no request beyond the sync page.
      expect((await client.sync()).integrity).toBeUndefined();

      await store.write([{ op: 'deleteRow', group: 'translations', resourceId: 2, recordType: 'translation', recordKey: '4' }]);
      const report = await client.verifyIntegrity();
      expect(report?.repairs.map((r) => [r.id, r.problem, r.local?.count, r.server?.count, r.healed])).toEqual([[2, 'digest_mismatch', 3, 4, true]]);
      expect(await storeState(store)).toEqual(await serverPublicState(fx.server, FILTER));
    } finally {
      await client.close();
      await store.close();
    }
  });

  it('the check after an incremental run compares the digests the store kept and reads no rows', async () => {
    await seed();
    const inner = await createStore(kind);
    let rowsRead = 0;
    const store = new Proxy(inner, {
      get(target, property) {
        const value = Reflect.get(target, property, target) as unknown;
        if (typeof value !== 'function') return value;
        return (...args: unknown[]) => {
          if (property === 'listRows') rowsRead++;
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      },
    });
    const client = newClient(store);
    try {
      expect((await client.sync()).integrity).toMatchObject({ full: true, checked: 2, repairs: [] });
      await fx.editor.rows('translations', 1, {
        upsert: [rows.translation(2, 2, 't1-2 edited'), rows.translation(6, 6, 't1-6')],
        delete: [{ record_type: 'translation', id: 3 }],
      });
      rowsRead = 0;
      const incremental = await client.sync();
      expect(incremental.mode).toBe('incremental');
      expect(incremental.integrity).toMatchObject({ full: false, checked: 2, repairs: [] });
      expect(rowsRead).toBe(0);
      expect(await storeState(store)).toEqual(await serverPublicState(fx.server, FILTER));
    } finally {
      await client.close();
      await store.close();
    }
  });

  it('a resource missing from the store is fetched again', async () => {
    await seed();
    const store = await createStore(kind);
    try {
      const client = newClient(store);
      await client.sync();
      await store.write([{ op: 'removeResource', group: 'translations', resourceId: 1 }]);
      const report = await client.verifyIntegrity();
      expect(report?.repairs.map((r) => [r.id, r.problem, r.healed])).toEqual([[1, 'missing', true]]);
      expect(await storeState(store)).toEqual(await serverPublicState(fx.server, FILTER));
      await client.close();
    } finally {
      await store.close();
    }
  });
});
