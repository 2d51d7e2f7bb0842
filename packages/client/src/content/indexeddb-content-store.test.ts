import 'fake-indexeddb/auto';
import { describeContentStoreConformance } from '../testing/content-store-conformance.js';
import { IndexedDbContentStore } from './indexeddb-content-store.js';

let counter = 0;
const names = new WeakMap<object, string>();

describeContentStoreConformance('IndexedDB (fake-indexeddb)', {
  async create() {
    const name = `conformance-${process.pid}-${++counter}`;
    const store = await IndexedDbContentStore.open({ name });
    names.set(store, name);
    return store;
  },
  async reopen(store) {
    await store.close();
    return IndexedDbContentStore.open({ name: names.get(store)! });
  },
  propertyRuns: 25,
});
