import { namedDatabaseStores } from '../testing/named-database-stores.js';
import { IndexedDbUserStore } from './indexeddb-user-store.js';
import { describeUserStoreConformance } from './testing/user-store-conformance.js';

// The same suite as indexeddb-user-store.test.ts (fake-indexeddb), here on Chromium's own IndexedDB.
describeUserStoreConformance('IndexedDB (Chromium)', {
  ...namedDatabaseStores('user-conformance', (options) => IndexedDbUserStore.open(options)),
  propertyRuns: 25,
});
