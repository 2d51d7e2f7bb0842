import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ResourceGroupName } from '@quran-sync/protocol';
import type { ContentCheckpoint, ContentStore, ContentStoreOp, StoredResource, StoredRowInput } from '../content/content-store.js';
import { computeStoredDigest } from '../content/content-store-digests.js';
import { closingAfterEach, type StoreConformanceFactory } from './store-conformance-factory.js';

/**
 * The behaviour every `ContentStore` must have, as a vitest suite any implementation registers with its own
 * factory (memory, IndexedDB, SQLite here; the same suite in real Chromium later). It asserts outcomes
 * through the public interface only.
 */
export type ContentStoreFactory = StoreConformanceFactory<ContentStore>;

export function resource(group: ResourceGroupName, id: number, extra: Partial<StoredResource> = {}): StoredResource {
  return {
    group,
    id,
    resourceContentId: id,
    status: 'available',
    unavailableReason: null,
    etag: `W/"${group}-${id}"`,
    sequence: 1,
    changedAt: '2026-01-01T00:00:00Z',
    freshAt: 1000,
    ...extra,
  };
}

const translation = (id: number, verseKey: string, text: string): StoredRowInput => ({
  recordType: 'translation',
  recordKey: String(id),
  data: { id, resource_content_id: 19, verse_key: verseKey, text },
});

export function describeContentStoreConformance(name: string, factory: ContentStoreFactory): void {
  describe(`ContentStore conformance: ${name}`, () => {
    const stores = closingAfterEach(factory);
    const create = stores.create;

    it('starts empty', async () => {
      const s = await create();
      expect(await s.readCheckpoint()).toBeNull();
      expect(await s.listResources()).toEqual([]);
      expect(await s.getResource('translations', 19)).toBeNull();
      expect(await s.getRow('translations', 19, 'translation', '1')).toBeNull();
      expect(await s.listRows('translations', 19)).toEqual([]);
      expect(await s.countRows('translations', 19)).toBe(0);
    });

    it('replaceResource stores the record and rows; a second replace drops every old row; other resources stay', async () => {
      const s = await create();
      await s.write([
        {
          op: 'replaceResource',
          resource: resource('translations', 19),
          rows: [translation(1, '1:1', 'a'), translation(2, '1:2', 'b'), translation(3, '1:3', 'c')],
        },
        { op: 'replaceResource', resource: resource('translations', 20), rows: [translation(1, '1:1', 'other')] },
      ]);
      expect(await s.getResource('translations', 19)).toEqual(resource('translations', 19));
      expect(await s.countRows('translations', 19)).toBe(3);
      expect((await s.getRow('translations', 19, 'translation', 2))?.data).toEqual({ id: 2, resource_content_id: 19, verse_key: '1:2', text: 'b' });

      await s.write([
        {
          op: 'replaceResource',
          resource: resource('translations', 19, { etag: 'W/"new"', sequence: 7 }),
          rows: [translation(2, '1:2', 'B'), translation(4, '1:4', 'd')],
        },
      ]);
      expect((await s.listRows('translations', 19)).map((r) => [r.recordKey, r.data.text])).toEqual([
        ['2', 'B'],
        ['4', 'd'],
      ]);
      expect((await s.getResource('translations', 19))?.etag).toBe('W/"new"');
      expect((await s.listRows('translations', 20)).map((r) => r.data.text)).toEqual(['other']);
    });

    it('an unavailable resource is a record without rows', async () => {
      const s = await create();
      await s.write([
        {
          op: 'replaceResource',
          resource: resource('tafsirs', 5),
          rows: [{ recordType: 'tafsir', recordKey: '1', data: { id: 1, resource_content_id: 5, verse_key: '1:1', text: 't' } }],
        },
      ]);
      await s.write([
        { op: 'replaceResource', resource: resource('tafsirs', 5, { status: 'unavailable', unavailableReason: 'snapshot_not_found', etag: null }), rows: [] },
      ]);
      expect(await s.getResource('tafsirs', 5)).toMatchObject({ status: 'unavailable', unavailableReason: 'snapshot_not_found', etag: null });
      expect(await s.countRows('tafsirs', 5)).toBe(0);
      await expect(
        s.write([
          {
            op: 'replaceResource',
            resource: resource('tafsirs', 6, { status: 'unavailable' }),
            rows: [{ recordType: 'tafsir', recordKey: '1', data: { id: 1 } }],
          },
        ]),
      ).rejects.toThrow();
    });

    it('upserts and deletes single rows; deleting a missing row is a no-op', async () => {
      const s = await create();
      await s.write([{ op: 'replaceResource', resource: resource('translations', 19), rows: [translation(1, '1:1', 'a')] }]);
      await s.write([
        { op: 'upsertRow', group: 'translations', resourceId: 19, ...translation(1, '1:1', 'A') },
        { op: 'upsertRow', group: 'translations', resourceId: 19, ...translation(2, '1:2', 'b') },
        { op: 'deleteRow', group: 'translations', resourceId: 19, recordType: 'translation', recordKey: '99' },
      ]);
      expect((await s.listRows('translations', 19)).map((r) => r.data.text)).toEqual(['A', 'b']);
      await s.write([{ op: 'deleteRow', group: 'translations', resourceId: 19, recordType: 'translation', recordKey: '1' }]);
      expect((await s.listRows('translations', 19)).map((r) => r.recordKey)).toEqual(['2']);
      expect(await s.getRow('translations', 19, 'translation', '1')).toBeNull();
    });

    it('removeResource removes the record and every row, and nothing else', async () => {
      const s = await create();
      await s.write([
        { op: 'replaceResource', resource: resource('translations', 19), rows: [translation(1, '1:1', 'a'), translation(2, '1:2', 'b')] },
        { op: 'replaceResource', resource: resource('translations', 190), rows: [translation(1, '1:1', 'x')] },
        {
          op: 'replaceResource',
          resource: resource('tafsirs', 19),
          rows: [{ recordType: 'tafsir', recordKey: '1', data: { id: 1, resource_content_id: 19, verse_key: '1:1', text: 't' } }],
        },
      ]);
      await s.write([{ op: 'removeResource', group: 'translations', resourceId: 19 }]);
      expect(await s.getResource('translations', 19)).toBeNull();
      expect(await s.countRows('translations', 19)).toBe(0);
      expect(await s.countRows('translations', 190)).toBe(1);
      expect(await s.countRows('tafsirs', 19)).toBe(1);
      expect((await s.listResources()).map((r) => `${r.group}:${r.id}`)).toEqual(['tafsirs:19', 'translations:190']);
    });

    it('putResource changes the record only (freshness, ETag)', async () => {
      const s = await create();
      await s.write([{ op: 'replaceResource', resource: resource('translations', 19), rows: [translation(1, '1:1', 'a')] }]);
      await s.write([
        { op: 'putResource', resource: resource('translations', 19, { etag: null, freshAt: 5000, sequence: 9, changedAt: '2026-02-01T00:00:00Z' }) },
      ]);
      expect(await s.getResource('translations', 19)).toEqual(
        resource('translations', 19, { etag: null, freshAt: 5000, sequence: 9, changedAt: '2026-02-01T00:00:00Z' }),
      );
      expect(await s.countRows('translations', 19)).toBe(1);
    });

    it("keeps each resource's digest through upserts, deletes, snapshots and removal", async () => {
      const s = await create();
      if (!s.readDigest) return;
      const digestOf = (rows: StoredRowInput[]) =>
        computeStoredDigest({ listRows: async () => rows.map((r) => ({ group: 'translations', resourceId: 1, ...r })) }, 'translations', 1);
      const a = translation(1, '1:1', 'a');
      const b = translation(2, '1:2', 'b');
      const b2 = translation(2, '1:2', 'b, edited');
      await s.write([{ op: 'replaceResource', resource: resource('translations', 19), rows: [a, b] }]);
      expect(await s.readDigest('translations', 19)).toEqual(await digestOf([a, b]));
      await s.write([{ op: 'upsertRow', group: 'translations', resourceId: 19, ...b2 }]);
      expect(await s.readDigest('translations', 19)).toEqual(await digestOf([a, b2]));
      await s.write([
        { op: 'deleteRow', group: 'translations', resourceId: 19, recordType: 'translation', recordKey: '1' },
        { op: 'deleteRow', group: 'translations', resourceId: 19, recordType: 'translation', recordKey: '9' },
      ]);
      expect(await s.readDigest('translations', 19)).toEqual({ ...(await digestOf([b2])), count: 1 });
      await s.write([{ op: 'putResource', resource: resource('translations', 19, { etag: null }) }]);
      expect(await s.readDigest('translations', 19)).toEqual(await digestOf([b2]));
      await s.write([{ op: 'removeResource', group: 'translations', resourceId: 19 }]);
      expect(await s.readDigest('translations', 19)).toBeNull();
      // A batch failing validation moves no digest either.
      await s.write([{ op: 'replaceResource', resource: resource('translations', 19), rows: [a] }]);
      await expect(
        s.write([
          { op: 'upsertRow', group: 'translations', resourceId: 19, ...b },
          { op: 'deleteRow', group: 'translations', resourceId: 0, recordType: 'translation', recordKey: '1' },
        ]),
      ).rejects.toThrow();
      expect(await s.readDigest('translations', 19)).toEqual(await digestOf([a]));
    });

    it('lists resources ordered by group then numeric id', async () => {
      const s = await create();
      await s.write(
        [10, 9, 100]
          .map((id): ContentStoreOp => ({ op: 'putResource', resource: resource('translations', id) }))
          .concat([{ op: 'putResource', resource: resource('articles', 3, { resourceContentId: null }) }]),
      );
      expect((await s.listResources()).map((r) => `${r.group}:${r.id}`)).toEqual(['articles:3', 'translations:9', 'translations:10', 'translations:100']);
      expect((await s.getResource('articles', 3))?.resourceContentId).toBeNull();
    });

    it('writes, replaces and clears the checkpoint', async () => {
      const s = await create();
      const a: ContentCheckpoint = { filter: 'translations:19', token: 'tok-1', sequence: 10, syncedAt: 111 };
      await s.write([{ op: 'writeCheckpoint', checkpoint: a }]);
      expect(await s.readCheckpoint()).toEqual(a);
      await s.write([{ op: 'writeCheckpoint', checkpoint: { ...a, token: 'tok-2', sequence: 12 } }]);
      expect(await s.readCheckpoint()).toEqual({ ...a, token: 'tok-2', sequence: 12 });
      await s.write([{ op: 'clearCheckpoint' }]);
      expect(await s.readCheckpoint()).toBeNull();
    });

    it('applies a batch atomically: an invalid op anywhere changes nothing', async () => {
      const s = await create();
      const before: ContentCheckpoint = { filter: 'translations:19', token: 'old', sequence: 1, syncedAt: 1 };
      await s.write([
        { op: 'replaceResource', resource: resource('translations', 19), rows: [translation(1, '1:1', 'a')] },
        { op: 'writeCheckpoint', checkpoint: before },
      ]);
      const bad: unknown[] = [
        { op: 'upsertRow', group: 'videos', resourceId: 1, recordType: 'x', recordKey: '1', data: {} },
        { op: 'upsertRow', group: 'translations', resourceId: 19, recordType: 'translation', recordKey: '5', data: 'not an object' },
        { op: 'upsertRow', group: 'translations', resourceId: 0, recordType: 'translation', recordKey: '5', data: {} },
        { op: 'deleteRow', group: 'translations', resourceId: 19, recordType: '', recordKey: '1' },
        { op: 'replaceResource', resource: resource('translations', 19), rows: [translation(7, '1:7', 'x'), translation(7, '1:7', 'y')] },
        { op: 'writeCheckpoint', checkpoint: { filter: '', token: 't', sequence: 1, syncedAt: 1 } },
        { op: 'explode' },
      ];
      for (const op of bad) {
        await expect(
          s.write([
            { op: 'replaceResource', resource: resource('translations', 19, { etag: 'changed' }), rows: [] },
            { op: 'upsertRow', group: 'translations', resourceId: 20, ...translation(1, '1:1', 'z') },
            { op: 'writeCheckpoint', checkpoint: { ...before, token: 'new' } },
            op as ContentStoreOp,
          ]),
        ).rejects.toThrow();
      }
      expect(await s.readCheckpoint()).toEqual(before);
      expect((await s.getResource('translations', 19))?.etag).toBe(resource('translations', 19).etag);
      expect((await s.listRows('translations', 19)).map((r) => r.data.text)).toEqual(['a']);
      expect(await s.countRows('translations', 20)).toBe(0);
    });

    it("lists rows in the group's snapshot order (word-by-word: word_id, priority, id; multi-type groups by record type)", async () => {
      const s = await create();
      const w = (id: number, word: number, priority: number | null) => ({
        recordType: 'word_translation',
        recordKey: String(id),
        data: { id, resource_content_id: 7, resource_id: 7, word_id: word, language_id: 38, priority },
      });
      await s.write([
        {
          op: 'replaceResource',
          resource: resource('word_by_word_translations', 7),
          rows: [w(1, 20, 1), w(2, 10, null), w(3, 10, 2), w(4, 10, 2), w(10, 9, 5)],
        },
      ]);
      expect((await s.listRows('word_by_word_translations', 7)).map((r) => r.recordKey)).toEqual(['10', '3', '4', '2', '1']);

      const core = [
        {
          recordType: 'verse',
          recordKey: '1',
          data: { record_type: 'verse', id: 1, chapter_id: 1, verse_number: 1, verse_index: 1, verse_key: '1:1', text_uthmani: 'v' },
        },
        { recordType: 'juz', recordKey: '1', data: { record_type: 'juz', id: 1, juz_number: 1 } },
        { recordType: 'chapter', recordKey: '2', data: { record_type: 'chapter', id: 2, chapter_number: 2 } },
        { recordType: 'chapter', recordKey: '10', data: { record_type: 'chapter', id: 10, chapter_number: 10 } },
      ];
      await s.write([{ op: 'replaceResource', resource: resource('quran_core', 1), rows: core }]);
      expect((await s.listRows('quran_core', 1)).map((r) => `${r.recordType}:${r.recordKey}`)).toEqual(['chapter:2', 'chapter:10', 'verse:1', 'juz:1']);
      expect((await s.listRows('quran_core', 1, { recordType: 'chapter' })).map((r) => r.recordKey)).toEqual(['2', '10']);
    });

    it('filters rows by verse-key range in Quran order, with limit and offset', async () => {
      const s = await create();
      const keys = ['1:7', '2:1', '2:2', '2:9', '2:10', '2:286', '3:1', '9:1', '10:1', '114:6'];
      await s.write([
        {
          op: 'replaceResource',
          resource: resource('translations', 19),
          rows: [...keys.map((k, i) => translation(i + 1, k, k)), { recordType: 'translation', recordKey: '99', data: { id: 99, text: 'no verse key' } }],
        },
      ]);
      const texts = async (o: Parameters<ContentStore['listRows']>[2]) => (await s.listRows('translations', 19, o)).map((r) => r.data.text);
      expect(await texts({ verseKeyFrom: '2:1', verseKeyTo: '2:10' })).toEqual(['2:1', '2:2', '2:9', '2:10']);
      expect(await texts({ verseKeyFrom: '9:1', verseKeyTo: '10:1' })).toEqual(['9:1', '10:1']);
      expect(await texts({ verseKeyFrom: '3:1' })).toEqual(['3:1', '9:1', '10:1', '114:6']);
      expect(await texts({ verseKeyTo: '1:7' })).toEqual(['1:7']);
      expect(await texts({ verseKeyFrom: '2:2', verseKeyTo: '2:1' })).toEqual([]);
      expect(await texts({ verseKeyFrom: '2:1', limit: 2, offset: 1 })).toEqual(['2:2', '2:9']);
      expect(await texts({ limit: 1, offset: 10 })).toEqual(['no verse key']);
      await expect(s.listRows('translations', 19, { verseKeyFrom: '2:999' })).rejects.toThrow();
      await expect(s.listRows('translations', 19, { limit: -1 })).rejects.toThrow();
    });

    it('round-trips row data exactly and isolates it from callers', async () => {
      const s = await create();
      const data = {
        id: 5,
        resource_content_id: 19,
        verse_key: '2:255',
        text: 'ٱللَّهُ لَآ إِلَـٰهَ — “quotes” \u0000 ✓',
        foot_notes: [{ id: 1, text: 'n' }],
        verse_id: null,
        nested: { a: [1, 2.5, -3, true, null] },
      };
      const input = structuredClone(data);
      await s.write([{ op: 'replaceResource', resource: resource('translations', 19), rows: [{ recordType: 'translation', recordKey: '5', data: input }] }]);
      input.text = 'mutated after write';
      const row = await s.getRow('translations', 19, 'translation', 5);
      expect(row).toEqual({ group: 'translations', resourceId: 19, recordType: 'translation', recordKey: '5', data });
      (row!.data as Record<string, unknown>).text = 'mutated after read';
      expect((await s.getRow('translations', 19, 'translation', '5'))?.data).toEqual(data);
    });

    it('replaces a large resource (6236 rows) in one batch', async () => {
      const s = await create();
      const rows = Array.from({ length: 6236 }, (_, i) => translation(i + 1, '1:1', `verse ${i + 1} ${'x'.repeat(200)}`));
      await s.write([{ op: 'replaceResource', resource: resource('translations', 20), rows }]);
      expect(await s.countRows('translations', 20)).toBe(6236);
      await s.write([{ op: 'replaceResource', resource: resource('translations', 20), rows: rows.slice(0, 10) }]);
      expect(await s.countRows('translations', 20)).toBe(10);
    });

    const reopen = stores.reopen;
    if (reopen) {
      it('keeps everything across close and reopen', async () => {
        const s = await create();
        await s.write([
          { op: 'replaceResource', resource: resource('translations', 19), rows: [translation(1, '1:1', 'a')] },
          { op: 'writeCheckpoint', checkpoint: { filter: 'translations:19', token: 'tok', sequence: 3, syncedAt: 4 } },
        ]);
        const again = await reopen(s);
        expect(await again.readCheckpoint()).toEqual({ filter: 'translations:19', token: 'tok', sequence: 3, syncedAt: 4 });
        expect(await again.getResource('translations', 19)).toEqual(resource('translations', 19));
        expect((await again.listRows('translations', 19)).map((r) => r.data.text)).toEqual(['a']);
      });
    }

    it('model test: any sequence of batches leaves the same state as a plain reference model', async () => {
      const group = fc.constantFrom<ResourceGroupName>('translations', 'tafsirs');
      const id = fc.integer({ min: 1, max: 3 });
      const row = fc.record({ key: fc.integer({ min: 1, max: 5 }), verse: fc.integer({ min: 1, max: 7 }), text: fc.string({ maxLength: 4 }) });
      const toRow = (g: ResourceGroupName, r: { key: number; verse: number; text: string }): StoredRowInput => ({
        recordType: g === 'translations' ? 'translation' : 'tafsir',
        recordKey: String(r.key),
        data: { id: r.key, verse_key: `1:${r.verse}`, text: r.text },
      });
      const op: fc.Arbitrary<ContentStoreOp> = fc.oneof(
        fc
          .record({ g: group, id, rows: fc.uniqueArray(row, { selector: (r) => r.key, maxLength: 4 }), seq: fc.nat(100) })
          .map(
            ({ g, id: i, rows, seq }) =>
              ({ op: 'replaceResource', resource: resource(g, i, { sequence: seq }), rows: rows.map((r) => toRow(g, r)) }) as ContentStoreOp,
          ),
        fc
          .record({ g: group, id, seq: fc.nat(100) })
          .map(({ g, id: i, seq }) => ({ op: 'putResource', resource: resource(g, i, { sequence: seq, etag: null }) }) as ContentStoreOp),
        fc.record({ g: group, id }).map(({ g, id: i }) => ({ op: 'removeResource', group: g, resourceId: i }) as ContentStoreOp),
        fc.record({ g: group, id, r: row }).map(({ g, id: i, r }) => ({ op: 'upsertRow', group: g, resourceId: i, ...toRow(g, r) }) as ContentStoreOp),
        fc.record({ g: group, id, key: fc.integer({ min: 1, max: 5 }) }).map(
          ({ g, id: i, key }) =>
            ({
              op: 'deleteRow',
              group: g,
              resourceId: i,
              recordType: g === 'translations' ? 'translation' : 'tafsir',
              recordKey: String(key),
            }) as ContentStoreOp,
        ),
        fc
          .nat(50)
          .map((n) => ({ op: 'writeCheckpoint', checkpoint: { filter: 'translations:*', token: `t${n}`, sequence: n, syncedAt: n } }) as ContentStoreOp),
        fc.constant<ContentStoreOp>({ op: 'clearCheckpoint' }),
      );
      await fc.assert(
        fc.asyncProperty(fc.array(fc.array(op, { minLength: 1, maxLength: 5 }), { maxLength: 8 }), async (batches) => {
          const s = await create();
          const model = new ReferenceModel();
          for (const batch of batches) {
            await s.write(batch);
            model.apply(batch);
          }
          expect(await s.readCheckpoint()).toEqual(model.checkpoint);
          expect(await s.listResources()).toEqual(model.resources());
          for (const g of ['translations', 'tafsirs'] as const) {
            for (const i of [1, 2, 3]) {
              expect((await s.listRows(g, i)).map((r) => [r.recordKey, r.data])).toEqual(model.rows(g, i));
              // The digest kept write by write equals one recomputed from the rows the store holds.
              if (s.readDigest) {
                const kept = await s.readDigest(g, i);
                const rows = model.rows(g, i).length;
                if (kept !== null || rows > 0) expect(kept).toEqual(await computeStoredDigest(s, g, i));
              }
            }
          }
          await s.close();
        }),
        { numRuns: (factory.propertyRuns ?? 40) * (typeof process !== 'undefined' && process.env.QS_SLOW_TESTS === '1' ? 25 : 1) },
      );
    });
  });
}

/** The obvious semantics of a batch, written plainly, for the model test. */
class ReferenceModel {
  checkpoint: ContentCheckpoint | null = null;
  private readonly records = new Map<string, StoredResource>();
  private readonly rowMap = new Map<string, Map<string, Record<string, unknown>>>();

  apply(batch: readonly ContentStoreOp[]): void {
    for (const op of batch) {
      switch (op.op) {
        case 'replaceResource': {
          const k = `${op.resource.group}:${op.resource.id}`;
          this.records.set(k, op.resource);
          this.rowMap.set(k, new Map(op.rows.map((r) => [r.recordKey, { ...r.data }])));
          break;
        }
        case 'putResource':
          this.records.set(`${op.resource.group}:${op.resource.id}`, op.resource);
          break;
        case 'removeResource':
          this.records.delete(`${op.group}:${op.resourceId}`);
          this.rowMap.delete(`${op.group}:${op.resourceId}`);
          break;
        case 'upsertRow': {
          const k = `${op.group}:${op.resourceId}`;
          if (!this.rowMap.has(k)) this.rowMap.set(k, new Map());
          this.rowMap.get(k)!.set(op.recordKey, { ...op.data });
          break;
        }
        case 'deleteRow':
          this.rowMap.get(`${op.group}:${op.resourceId}`)?.delete(op.recordKey);
          break;
        case 'writeCheckpoint':
          this.checkpoint = op.checkpoint;
          break;
        case 'clearCheckpoint':
          this.checkpoint = null;
          break;
      }
    }
  }

  resources(): StoredResource[] {
    return [...this.records.values()].sort((a, b) => (a.group < b.group ? -1 : a.group > b.group ? 1 : a.id - b.id));
  }

  /** Single-type groups ordered by `id` (their snapshot order). */
  rows(group: string, id: number): Array<[string, Record<string, unknown>]> {
    return [...(this.rowMap.get(`${group}:${id}`)?.entries() ?? [])].sort(([a], [b]) => Number(a) - Number(b));
  }
}
