import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { USER_RESOURCES, type UserResource } from '@quran-sync/protocol';
import type { OutboxEntry, QuarantinedEntry, UserRecord, UserStore, UserStoreOp, UserSyncMeta } from '../user-store.js';
import { closingAfterEach, type StoreConformanceFactory } from '../../testing/store-conformance-factory.js';

/**
 * The behaviour every `UserStore` must have, as a vitest suite any implementation registers with its own
 * factory (memory, IndexedDB under fake-indexeddb and SQLite here; the same suite in real Chromium later). It
 * asserts outcomes through the public interface only.
 */
export type UserStoreFactory = StoreConformanceFactory<UserStore>;

export function record(resource: UserResource, id: string, extra: Partial<UserRecord> = {}): UserRecord {
  return { resource, id, data: { name: id }, base: null, baseTimestamp: null, naturalKey: null, updatedAt: 1000, ...extra };
}

export function entry(seq: number, extra: Partial<OutboxEntry> = {}): OutboxEntry {
  return {
    seq,
    type: 'CREATE',
    resource: 'NOTE',
    id: `n${seq}`,
    sendId: true,
    data: { body: `note ${seq}`, ranges: ['1:1-1:2'] },
    createdAt: 5000 + seq,
    ...extra,
  };
}

const meta = (extra: Partial<UserSyncMeta> = {}): UserSyncMeta => ({
  deviceId: 'device1',
  head: null,
  pulledThrough: null,
  lastSyncedAt: null,
  sentBatch: null,
  ...extra,
});

const quarantined = (seq: number, extra: Partial<OutboxEntry> = {}): QuarantinedEntry => ({
  ...entry(seq, extra),
  error: { status: 422, code: 'ValidationError', message: `Invalid body at mutation[0]` },
  quarantinedAt: 9000,
});

export function describeUserStoreConformance(name: string, factory: UserStoreFactory): void {
  describe(`UserStore conformance: ${name}`, () => {
    const stores = closingAfterEach(factory);
    const create = stores.create;

    it('starts empty', async () => {
      const s = await create();
      expect(await s.readMeta()).toBeNull();
      expect(await s.getRecord('BOOKMARK', 'b1')).toBeNull();
      for (const resource of USER_RESOURCES) expect(await s.listRecords(resource, { includeDeleted: true })).toEqual([]);
      expect(await s.findRecords('BOOKMARK', 'ayah:1:1:4')).toEqual([]);
      expect(await s.listOutbox()).toEqual([]);
      expect(await s.outboxFor('NOTE', 'n1')).toEqual([]);
      expect(await s.getOutbox(1)).toBeNull();
      expect(await s.countOutbox()).toBe(0);
      expect(await s.listQuarantine()).toEqual([]);
      expect(await s.maxSeq()).toBe(0);
    });

    it('stores records per resource; lists them by id; leaves local tombstones out unless asked', async () => {
      const s = await create();
      const b2 = record('BOOKMARK', 'b2', {
        data: { type: 'ayah', key: 2, verseNumber: 255 },
        base: { type: 'ayah', key: 2, verseNumber: 255 },
        baseTimestamp: 17,
        naturalKey: 'ayah:2:255:4',
      });
      await s.write([
        { op: 'putRecord', record: b2 },
        { op: 'putRecord', record: record('BOOKMARK', 'b1', { naturalKey: 'ayah:1:1:4' }) },
        { op: 'putRecord', record: record('BOOKMARK', 'b0', { data: null, base: { type: 'page', key: 3 }, baseTimestamp: 4 }) },
        { op: 'putRecord', record: record('COLLECTION', 'b1') },
      ]);
      expect(await s.getRecord('BOOKMARK', 'b2')).toEqual(b2);
      expect((await s.listRecords('BOOKMARK')).map((r) => r.id)).toEqual(['b1', 'b2']);
      expect((await s.listRecords('BOOKMARK', { includeDeleted: true })).map((r) => r.id)).toEqual(['b0', 'b1', 'b2']);
      expect((await s.getRecord('BOOKMARK', 'b0'))?.data).toBeNull();
      expect((await s.listRecords('COLLECTION')).map((r) => r.id)).toEqual(['b1']);
      expect(await s.listRecords('NOTE')).toEqual([]);

      await s.write([
        { op: 'deleteRecord', resource: 'BOOKMARK', id: 'b1' },
        { op: 'deleteRecord', resource: 'BOOKMARK', id: 'missing' },
      ]);
      expect(await s.getRecord('BOOKMARK', 'b1')).toBeNull();
      expect(await s.getRecord('COLLECTION', 'b1')).not.toBeNull();
    });

    it('finds records by natural key, following changes of the key and deletions', async () => {
      const s = await create();
      await s.write([
        { op: 'putRecord', record: record('COLLECTION', 'c2', { naturalKey: 'study' }) },
        { op: 'putRecord', record: record('COLLECTION', 'c1', { naturalKey: 'study' }) },
        { op: 'putRecord', record: record('COLLECTION', 'c3', { naturalKey: 'other' }) },
        { op: 'putRecord', record: record('BOOKMARK', 'x', { naturalKey: 'study' }) },
      ]);
      expect((await s.findRecords('COLLECTION', 'study')).map((r) => r.id)).toEqual(['c1', 'c2']);
      await s.write([
        { op: 'putRecord', record: record('COLLECTION', 'c1', { naturalKey: 'renamed' }) },
        { op: 'putRecord', record: record('COLLECTION', 'c2', { data: null, naturalKey: null }) },
      ]);
      expect(await s.findRecords('COLLECTION', 'study')).toEqual([]);
      expect((await s.findRecords('COLLECTION', 'renamed')).map((r) => r.id)).toEqual(['c1']);
      await s.write([{ op: 'deleteRecord', resource: 'COLLECTION', id: 'c1' }]);
      expect(await s.findRecords('COLLECTION', 'renamed')).toEqual([]);
      expect((await s.findRecords('BOOKMARK', 'study')).map((r) => r.id)).toEqual(['x']);
    });

    it('keeps the outbox in seq order; replaces by seq; finds entries per record; counts them', async () => {
      const s = await create();
      await s.write([
        { op: 'putOutbox', entry: entry(3) },
        { op: 'putOutbox', entry: entry(1, { resource: 'BOOKMARK', id: 'b1', type: 'DELETE', data: null }) },
        { op: 'putOutbox', entry: entry(2, { resource: 'BOOKMARK', id: 'b1', type: 'UPDATE' }) },
        { op: 'putOutbox', entry: entry(10, { resource: 'BOOKMARK', id: 'b1', sendId: false }) },
      ]);
      expect((await s.listOutbox()).map((e) => e.seq)).toEqual([1, 2, 3, 10]);
      expect((await s.listOutbox(2)).map((e) => e.seq)).toEqual([1, 2]);
      expect(await s.listOutbox(1)).toEqual([entry(1, { resource: 'BOOKMARK', id: 'b1', type: 'DELETE', data: null })]);
      expect((await s.outboxFor('BOOKMARK', 'b1')).map((e) => e.seq)).toEqual([1, 2, 10]);
      expect((await s.outboxFor('BOOKMARK', 'b1'))[2]!.sendId).toBe(false);
      expect(await s.countOutbox()).toBe(4);
      expect(await s.maxSeq()).toBe(10);
      expect(await s.getOutbox(3)).toEqual(entry(3));
      expect(await s.getOutbox(4)).toBeNull();

      await s.write([
        { op: 'putOutbox', entry: entry(2, { resource: 'NOTE', id: 'n9', data: { body: 'changed body' } }) },
        { op: 'deleteOutbox', seq: 10 },
      ]);
      expect((await s.outboxFor('BOOKMARK', 'b1')).map((e) => e.seq)).toEqual([1]);
      expect((await s.outboxFor('NOTE', 'n9'))[0]?.data).toEqual({ body: 'changed body' });
      expect(await s.countOutbox()).toBe(3);
      expect(await s.maxSeq()).toBe(3);
    });

    it('reads many records, and the outbox seqs of many records, in one call (optional methods)', async (ctx) => {
      const s = await create();
      // Optional for a store (the client falls back to one read per record); the SDK's stores all offer them.
      if (!s.getRecords || !s.outboxSeqs) return ctx.skip('this store offers neither getRecords nor outboxSeqs');
      const b1 = record('BOOKMARK', 'b1', { naturalKey: 'ayah:1:1:4' });
      await s.write([
        { op: 'putRecord', record: b1 },
        { op: 'putRecord', record: record('BOOKMARK', 'b2', { data: null }) },
        { op: 'putRecord', record: record('NOTE', 'b3') },
        { op: 'putOutbox', entry: entry(4, { resource: 'BOOKMARK', id: 'b2' }) },
        { op: 'putOutbox', entry: entry(5, { resource: 'BOOKMARK', id: 'b1' }) },
        { op: 'putOutbox', entry: entry(6, { resource: 'BOOKMARK', id: 'b2' }) },
        { op: 'putOutbox', entry: entry(7, { resource: 'NOTE', id: 'b1' }) },
      ]);
      const found = await s.getRecords!('BOOKMARK', ['b1', 'b2', 'b3', 'it\'s "quoted"']);
      expect([...found.keys()].sort()).toEqual(['b1', 'b2']);
      expect(found.get('b1')).toEqual(b1);
      expect(found.get('b2')?.data).toBeNull();
      expect(await s.getRecords!('BOOKMARK', [])).toEqual(new Map());
      const seqs = await s.outboxSeqs!('BOOKMARK', ['b1', 'b2', 'b9']);
      expect(seqs.map((p) => `${p.id}/${p.seq}`).sort()).toEqual(['b1/5', 'b2/4', 'b2/6']);
      expect(await s.outboxSeqs!('NOTE', [])).toEqual([]);
    });

    it('keeps quarantined entries with their error; maxSeq covers them', async () => {
      const s = await create();
      await s.write([
        { op: 'putQuarantine', entry: quarantined(7) },
        { op: 'putQuarantine', entry: quarantined(4) },
        { op: 'putOutbox', entry: entry(5) },
      ]);
      expect(await s.listQuarantine()).toEqual([quarantined(4), quarantined(7)]);
      expect(await s.maxSeq()).toBe(7);
      await s.write([{ op: 'deleteQuarantine', seq: 7 }]);
      expect((await s.listQuarantine()).map((e) => e.seq)).toEqual([4]);
      expect(await s.maxSeq()).toBe(5);
    });

    it('stores the sync meta', async () => {
      const s = await create();
      await s.write([{ op: 'putMeta', meta: meta() }]);
      expect(await s.readMeta()).toEqual(meta());
      const full = meta({ head: 1731636500303, pulledThrough: 1731636500300, lastSyncedAt: 5, sentBatch: { head: 1731636500303, seqs: [4, 2, 9] } });
      await s.write([{ op: 'putMeta', meta: full }]);
      expect(await s.readMeta()).toEqual(full);
      await expect(s.write([{ op: 'putMeta', meta: meta({ sentBatch: { head: 1, seqs: [0] } }) }])).rejects.toThrow(/sentBatch/);
      expect(await s.readMeta()).toEqual(full);
    });

    it('applies a batch whole or not at all', async () => {
      const s = await create();
      await s.write([{ op: 'putRecord', record: record('NOTE', 'keep') }]);
      const bad: UserStoreOp[] = [
        { op: 'putRecord', record: record('NOTE', 'n1') },
        { op: 'putOutbox', entry: entry(1) },
        { op: 'deleteRecord', resource: 'NOTE', id: 'keep' },
        { op: 'putOutbox', entry: entry(0) },
      ];
      await expect(s.write(bad)).rejects.toThrow(/seq/);
      await expect(s.write([{ op: 'putRecord', record: record('NOPE' as UserResource, 'x') }])).rejects.toThrow(/resource/);
      await expect(s.write([{ op: 'putRecord', record: record('NOTE', 'x', { data: null, naturalKey: 'k' }) }])).rejects.toThrow(/naturalKey/);
      await expect(s.write([{ op: 'explode' } as unknown as UserStoreOp])).rejects.toThrow(/unknown operation/);
      expect(await s.getRecord('NOTE', 'n1')).toBeNull();
      expect(await s.getRecord('NOTE', 'keep')).not.toBeNull();
      expect(await s.countOutbox()).toBe(0);
    });

    it('returns copies: changing a returned value changes nothing stored', async () => {
      const s = await create();
      await s.write([
        { op: 'putRecord', record: record('NOTE', 'n1', { data: { body: 'original', ranges: ['1:1-1:1'] } }) },
        { op: 'putOutbox', entry: entry(1) },
      ]);
      const r = (await s.getRecord('NOTE', 'n1'))!;
      (r.data as Record<string, unknown>).body = 'mutated';
      ((await s.listOutbox())[0]!.data as Record<string, unknown>).body = 'mutated';
      expect((await s.getRecord('NOTE', 'n1'))!.data).toEqual({ body: 'original', ranges: ['1:1-1:1'] });
      expect((await s.listOutbox())[0]!.data).toEqual(entry(1).data);
    });

    it('clear() removes records, outbox, quarantine and meta', async () => {
      const s = await create();
      await s.write([
        { op: 'putRecord', record: record('BOOKMARK', 'b1', { naturalKey: 'k' }) },
        { op: 'putOutbox', entry: entry(1) },
        { op: 'putQuarantine', entry: quarantined(2) },
        { op: 'putMeta', meta: meta({ head: 5 }) },
      ]);
      await s.clear();
      expect(await s.readMeta()).toBeNull();
      expect(await s.listRecords('BOOKMARK', { includeDeleted: true })).toEqual([]);
      expect(await s.findRecords('BOOKMARK', 'k')).toEqual([]);
      expect(await s.countOutbox()).toBe(0);
      expect(await s.listQuarantine()).toEqual([]);
      expect(await s.maxSeq()).toBe(0);
      await s.write([{ op: 'putOutbox', entry: entry(1) }]);
      expect(await s.countOutbox()).toBe(1);
    });

    const reopen = stores.reopen;
    if (reopen) {
      it('keeps everything across close and reopen', async () => {
        let s = await create();
        await s.write([
          { op: 'putRecord', record: record('PREFERENCE', 'theme', { data: { group: 'theme', value: { type: 'dark' } }, naturalKey: 'theme' }) },
          {
            op: 'putOutbox',
            entry: entry(1, { resource: 'PREFERENCE', id: 'theme', sendId: false, type: 'UPDATE', data: { group: 'theme', value: { type: 'dark' } } }),
          },
          { op: 'putQuarantine', entry: quarantined(2) },
          { op: 'putMeta', meta: meta({ head: 9, pulledThrough: 8 }) },
        ]);
        s = await reopen(s);
        expect((await s.findRecords('PREFERENCE', 'theme'))[0]?.data).toEqual({ group: 'theme', value: { type: 'dark' } });
        expect((await s.outboxFor('PREFERENCE', 'theme')).map((e) => [e.seq, e.sendId])).toEqual([[1, false]]);
        expect((await s.listQuarantine()).map((e) => e.seq)).toEqual([2]);
        expect(await s.readMeta()).toEqual(meta({ head: 9, pulledThrough: 8 }));
        expect(await s.maxSeq()).toBe(2);
      });
    }

    it('answers every query like a reference model after random batches', async () => {
      const resources: UserResource[] = ['BOOKMARK', 'COLLECTION', 'NOTE'];
      const ids = ['a', 'b', 'c', 'd'];
      const keys = ['k1', 'k2', null];
      const recordArb = fc
        .record({ resource: fc.constantFrom(...resources), id: fc.constantFrom(...ids), deleted: fc.boolean(), key: fc.constantFrom(...keys), n: fc.nat(100) })
        .map(({ resource, id, deleted, key, n }) =>
          record(resource, id, {
            data: deleted ? null : { n },
            naturalKey: deleted ? null : key,
            base: n % 3 === 0 ? null : n % 3 === 1 ? { n: n - 1 } : { n },
            baseTimestamp: n % 3 === 0 ? null : n,
            updatedAt: n,
          }),
        );
      const opArb: fc.Arbitrary<UserStoreOp> = fc.oneof(
        recordArb.map((r) => ({ op: 'putRecord' as const, record: r })),
        fc.record({ resource: fc.constantFrom(...resources), id: fc.constantFrom(...ids) }).map((r) => ({ op: 'deleteRecord' as const, ...r })),
        fc
          .record({ seq: fc.integer({ min: 1, max: 8 }), resource: fc.constantFrom(...resources), id: fc.constantFrom(...ids) })
          .map((e) => ({ op: 'putOutbox' as const, entry: entry(e.seq, { resource: e.resource, id: e.id }) })),
        fc.integer({ min: 1, max: 8 }).map((seq) => ({ op: 'deleteOutbox' as const, seq })),
        fc.integer({ min: 1, max: 8 }).map((seq) => ({ op: 'putQuarantine' as const, entry: quarantined(seq) })),
        fc.integer({ min: 1, max: 8 }).map((seq) => ({ op: 'deleteQuarantine' as const, seq })),
        fc.nat(50).map((head) => ({ op: 'putMeta' as const, meta: meta({ head }) })),
      );
      await fc.assert(
        fc.asyncProperty(fc.array(fc.array(opArb, { minLength: 1, maxLength: 6 }), { maxLength: 8 }), async (batches) => {
          const s = await factory.create();
          try {
            const model = {
              records: new Map<string, UserRecord>(),
              outbox: new Map<number, OutboxEntry>(),
              quarantine: new Map<number, QuarantinedEntry>(),
              meta: null as UserSyncMeta | null,
            };
            for (const batch of batches) {
              await s.write(batch);
              for (const op of batch) {
                if (op.op === 'putRecord') model.records.set(`${op.record.resource}/${op.record.id}`, op.record);
                else if (op.op === 'deleteRecord') model.records.delete(`${op.resource}/${op.id}`);
                else if (op.op === 'putOutbox') model.outbox.set(op.entry.seq, op.entry);
                else if (op.op === 'deleteOutbox') model.outbox.delete(op.seq);
                else if (op.op === 'putQuarantine') model.quarantine.set(op.entry.seq, op.entry);
                else if (op.op === 'deleteQuarantine') model.quarantine.delete(op.seq);
                else if (op.op === 'putMeta') model.meta = op.meta;
              }
            }
            const byId = (a: { id: string }, b: { id: string }) => (a.id < b.id ? -1 : 1);
            const all = [...model.records.values()];
            for (const resource of resources) {
              expect(await s.listRecords(resource, { includeDeleted: true })).toEqual(all.filter((r) => r.resource === resource).sort(byId));
              expect(await s.listRecords(resource)).toEqual(all.filter((r) => r.resource === resource && r.data !== null).sort(byId));
              // The hints may leave records out, only those they name, and never change what is listed.
              const everything = all.filter((r) => r.resource === resource).sort(byId);
              const unsettled = await s.listRecords(resource, { includeDeleted: true, unsettled: true });
              expect(everything).toEqual(expect.arrayContaining(unsettled));
              expect(unsettled).toEqual(expect.arrayContaining(everything.filter((r) => r.data === null || JSON.stringify(r.data) !== JSON.stringify(r.base))));
              const confirmed = await s.listRecords(resource, { includeDeleted: true, confirmed: true });
              expect(everything).toEqual(expect.arrayContaining(confirmed));
              expect(confirmed).toEqual(expect.arrayContaining(everything.filter((r) => r.base !== null)));
              expect(unsettled.map((r) => r.id)).toEqual([...unsettled.map((r) => r.id)].sort());
              for (const key of ['k1', 'k2'])
                expect(await s.findRecords(resource, key)).toEqual(all.filter((r) => r.resource === resource && r.naturalKey === key).sort(byId));
              const asked = [...ids, 'absent'];
              const many = await s.getRecords?.(resource, asked);
              if (many)
                expect(many).toEqual(
                  new Map(asked.flatMap((id) => (model.records.has(`${resource}/${id}`) ? [[id, model.records.get(`${resource}/${id}`)!] as const] : []))),
                );
              const seqs = await s.outboxSeqs?.(resource, asked);
              if (seqs) {
                const expected = [...model.outbox.values()].filter((e) => e.resource === resource).map((e) => `${e.id}/${e.seq}`);
                expect(seqs.map((p) => `${p.id}/${p.seq}`).sort()).toEqual(expected.sort());
              }
              for (const id of ids) {
                expect(await s.getRecord(resource, id)).toEqual(model.records.get(`${resource}/${id}`) ?? null);
                expect(await s.outboxFor(resource, id)).toEqual(
                  [...model.outbox.values()].filter((e) => e.resource === resource && e.id === id).sort((a, b) => a.seq - b.seq),
                );
              }
            }
            const outbox = [...model.outbox.values()].sort((a, b) => a.seq - b.seq);
            expect(await s.listOutbox()).toEqual(outbox);
            expect(await s.listOutbox(2)).toEqual(outbox.slice(0, 2));
            for (let seq = 1; seq <= 8; seq++) expect(await s.getOutbox(seq)).toEqual(model.outbox.get(seq) ?? null);
            expect(await s.countOutbox()).toBe(outbox.length);
            expect(await s.listQuarantine()).toEqual([...model.quarantine.values()].sort((a, b) => a.seq - b.seq));
            expect(await s.maxSeq()).toBe(Math.max(0, ...model.outbox.keys(), ...model.quarantine.keys()));
            expect(await s.readMeta()).toEqual(model.meta);
          } finally {
            await s.close();
          }
        }),
        { numRuns: factory.propertyRuns ?? 40 },
      );
    });
  });
}
