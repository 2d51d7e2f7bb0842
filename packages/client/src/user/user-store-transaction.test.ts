import { describe, expect, it } from 'vitest';
import { MemoryUserStore } from './memory-user-store.js';
import { entry, record } from './testing/user-store-conformance.js';
import type { UserStore } from './user-store.js';
import { UserStoreTransaction } from './user-store-transaction.js';

/** A store without the optional batch reads: the transaction falls back to one read per record. */
function withoutBatchReads(store: MemoryUserStore): UserStore {
  return {
    write: (ops) => store.write(ops),
    readMeta: () => store.readMeta(),
    getRecord: (r, id) => store.getRecord(r, id),
    findRecords: (r, k) => store.findRecords(r, k),
    listRecords: (r, o) => store.listRecords(r, o),
    getOutbox: (seq) => store.getOutbox(seq),
    listOutbox: (limit) => store.listOutbox(limit),
    outboxFor: (r, id) => store.outboxFor(r, id),
    countOutbox: () => store.countOutbox(),
    listQuarantine: () => store.listQuarantine(),
    maxSeq: () => store.maxSeq(),
    clear: () => store.clear(),
    close: () => store.close(),
  };
}

describe.each([
  ['a store with batch reads', (s: MemoryUserStore): UserStore => s],
  ['a store without them', withoutBatchReads],
])('UserStoreTransaction batch reads over %s', (_name, wrap) => {
  it('getRecords sees the unit’s own puts and deletes over the stored records', async () => {
    const store = new MemoryUserStore();
    await store.write([
      { op: 'putRecord', record: record('NOTE', 'a', { data: { body: 'stored a' } }) },
      { op: 'putRecord', record: record('NOTE', 'b') },
    ]);
    const tx = new UserStoreTransaction(wrap(store));
    tx.putRecord(record('NOTE', 'a', { data: { body: 'changed in the unit' } }));
    tx.deleteRecord('NOTE', 'b');
    tx.putRecord(record('NOTE', 'c'));
    const found = await tx.getRecords('NOTE', ['a', 'b', 'c', 'd']);
    expect(found.get('a')?.data).toEqual({ body: 'changed in the unit' });
    expect(found.get('b')).toBeNull();
    expect(found.get('c')?.id).toBe('c');
    expect(found.get('d')).toBeNull();
  });

  it('pendingIds: entries deleted in the unit no longer count, entries put in it do', async () => {
    const store = new MemoryUserStore();
    await store.write([
      { op: 'putOutbox', entry: entry(1, { id: 'a' }) },
      { op: 'putOutbox', entry: entry(2, { id: 'b' }) },
      { op: 'putOutbox', entry: entry(3, { id: 'b' }) },
      { op: 'putOutbox', entry: entry(4, { id: 'c' }) },
      { op: 'putOutbox', entry: entry(5, { resource: 'BOOKMARK', id: 'd' }) },
    ]);
    const tx = new UserStoreTransaction(wrap(store));
    tx.deleteOutbox(1); // a: its only entry goes
    tx.deleteOutbox(2); // b: one of two goes
    tx.putOutbox(entry(4, { id: 'moved' })); // c's entry now names another record
    tx.putOutbox(entry(9, { id: 'e' }));
    const pending = await tx.pendingIds('NOTE', ['a', 'b', 'c', 'd', 'e', 'moved']);
    expect([...pending].sort()).toEqual(['b', 'e', 'moved']);
    expect([...(await tx.pendingIds('BOOKMARK', ['d']))]).toEqual(['d']);
  });
});
