import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MemoryUserStore } from './memory-user-store.js';
import { enqueue, nextBatch, orderBatch, toWireMutation } from './outbox.js';
import type { OutboxEntry } from './user-store.js';
import { UserStoreTransaction } from './user-store-transaction.js';

let seq = 0;
const e = (partial: Partial<OutboxEntry> & Pick<OutboxEntry, 'type' | 'resource' | 'id'>): OutboxEntry => ({
  seq: ++seq,
  sendId: true,
  data: null,
  createdAt: 0,
  ...partial,
});
const link = (type: 'CREATE' | 'DELETE', collectionId: string, bookmarkId: string): OutboxEntry =>
  e({
    type,
    resource: 'COLLECTION_BOOKMARK',
    id: `${collectionId}-${bookmarkId}`,
    sendId: false,
    data: { collectionId, bookmarkId, type: 'ayah', key: 1, verseNumber: 1, mushaf: 4 },
  });
const names = (entries: readonly OutboxEntry[]) => entries.map((x) => `${x.type} ${x.resource} ${x.id}`);

describe('outbox batches', () => {
  it('dependency order: a collection before the links into it, link deletions before the deletion of their bookmark or collection', () => {
    const l1 = link('CREATE', 'c1', 'b1');
    const c1 = e({ type: 'UPDATE', resource: 'COLLECTION', id: 'c1', data: { name: 'x' } });
    const b2 = e({ type: 'DELETE', resource: 'BOOKMARK', id: 'b2' });
    const l2 = link('DELETE', 'c1', 'b2');
    const c3 = e({ type: 'DELETE', resource: 'COLLECTION', id: 'c3' });
    const l3 = link('DELETE', 'c3', 'b9');
    const unrelated = e({ type: 'CREATE', resource: 'NOTE', id: 'n1' });
    expect(names(orderBatch([l1, c1, b2, l2, c3, l3, unrelated]))).toEqual([
      'UPDATE COLLECTION c1',
      'CREATE COLLECTION_BOOKMARK c1-b1',
      'DELETE COLLECTION_BOOKMARK c1-b2',
      'DELETE BOOKMARK b2',
      'DELETE COLLECTION_BOOKMARK c3-b9',
      'DELETE COLLECTION c3',
      'CREATE NOTE n1',
    ]);
  });

  it('never reorders the entries of one record, and keeps outbox order where nothing forces a move', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            type: fc.constantFrom('CREATE' as const, 'UPDATE' as const, 'DELETE' as const),
            resource: fc.constantFrom('NOTE' as const, 'BOOKMARK' as const, 'COLLECTION' as const),
            id: fc.constantFrom('x', 'y', 'z'),
          }),
          { maxLength: 30 },
        ),
        (specs) => {
          const entries = specs.map((s) => e(s));
          const ordered = orderBatch(entries);
          expect(ordered).toHaveLength(entries.length);
          // No links: nothing forces a move, so outbox order stands.
          expect(ordered.map((x) => x.seq)).toEqual(entries.map((x) => x.seq));
        },
      ),
    );
  });

  it('a batch ends before an entry naming a record whose CREATE in the same batch may come back under another id', () => {
    const c = e({ type: 'CREATE', resource: 'COLLECTION', id: 'local1', sendId: false, data: { name: 'Study' } });
    const n = e({ type: 'CREATE', resource: 'NOTE', id: 'n1' });
    const l = link('CREATE', 'local1', 'b1');
    const later = e({ type: 'CREATE', resource: 'NOTE', id: 'n2' });
    expect(names(nextBatch([c, n, l, later], 100))).toEqual(['CREATE COLLECTION local1', 'CREATE NOTE n1']);
    // A link queued before its collection (a retried quarantined entry): the collection goes first, alone.
    const l0 = link('CREATE', 'local2', 'b1');
    const c2 = e({ type: 'CREATE', resource: 'COLLECTION', id: 'local2', sendId: false, data: { name: 'Later' } });
    expect(names(nextBatch([l0, c2], 100))).toEqual(['CREATE COLLECTION local2']);
    const b = e({ type: 'CREATE', resource: 'BOOKMARK', id: 'b5' });
    const bu = e({ type: 'UPDATE', resource: 'BOOKMARK', id: 'b5' });
    expect(names(nextBatch([b, bu], 100))).toEqual(['CREATE BOOKMARK b5']);
    expect(nextBatch([n, later, b], 2)).toHaveLength(2);
  });

  it('wire form: ids only where the entry names them; links travel by collection id and bookmark details', () => {
    expect(toWireMutation(link('CREATE', 'c1', 'b1'))).toEqual({
      type: 'CREATE',
      resource: 'COLLECTION_BOOKMARK',
      data: { collectionId: 'c1', type: 'ayah', key: 1, verseNumber: 1, mushaf: 4 },
    });
    expect(toWireMutation(e({ type: 'DELETE', resource: 'NOTE', id: 'n1' }))).toEqual({ type: 'DELETE', resource: 'NOTE', resourceId: 'n1' });
    expect(toWireMutation(e({ type: 'CREATE', resource: 'COLLECTION', id: 'c9', sendId: false, data: { name: 'A' } }))).toEqual({
      type: 'CREATE',
      resource: 'COLLECTION',
      data: { name: 'A' },
    });
  });

  it('an UPDATE folds into the record’s last pending CREATE/UPDATE — unless that one is being sent', async () => {
    const store = new MemoryUserStore();
    let next = 0;
    const run = async (frozen: number[], entry: Omit<OutboxEntry, 'seq' | 'createdAt'>) => {
      const tx = new UserStoreTransaction(store);
      await enqueue(tx, { nextSeq: () => ++next, inflight: new Set(frozen), now: 1 }, entry);
      await tx.commit();
    };
    await run([], { type: 'CREATE', resource: 'NOTE', id: 'n1', sendId: true, data: { body: 'v1' } });
    await run([], { type: 'UPDATE', resource: 'NOTE', id: 'n1', sendId: true, data: { body: 'v2' } });
    expect((await store.listOutbox()).map((x) => [x.seq, x.type, x.data])).toEqual([[1, 'CREATE', { body: 'v2' }]]);
    await run([1], { type: 'UPDATE', resource: 'NOTE', id: 'n1', sendId: true, data: { body: 'v3' } });
    await run([1], { type: 'UPDATE', resource: 'NOTE', id: 'n1', sendId: true, data: { body: 'v4' } });
    expect((await store.listOutbox()).map((x) => [x.seq, x.type, x.data])).toEqual([
      [1, 'CREATE', { body: 'v2' }],
      [2, 'UPDATE', { body: 'v4' }],
    ]);
    await run([], { type: 'DELETE', resource: 'NOTE', id: 'n1', sendId: true, data: null });
    await run([], { type: 'UPDATE', resource: 'NOTE', id: 'n1', sendId: true, data: { body: 'v5' } });
    expect((await store.listOutbox()).map((x) => x.type)).toEqual(['CREATE', 'UPDATE', 'DELETE', 'UPDATE']);
  });
});
