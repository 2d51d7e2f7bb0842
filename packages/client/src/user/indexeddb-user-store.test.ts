import 'fake-indexeddb/auto';
import { describeUserStoreConformance } from './testing/user-store-conformance.js';
import { IndexedDbUserStore } from './indexeddb-user-store.js';

let counter = 0;
const names = new WeakMap<object, string>();

describeUserStoreConformance('IndexedDB (fake-indexeddb)', {
  async create() {
    const name = `user-conformance-${process.pid}-${++counter}`;
    const store = await IndexedDbUserStore.open({ name });
    names.set(store, name);
    return store;
  },
  async reopen(store) {
    await store.close();
    return IndexedDbUserStore.open({ name: names.get(store)! });
  },
  propertyRuns: 25,
});
