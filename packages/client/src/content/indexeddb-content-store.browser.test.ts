import { describeContentStoreConformance } from '../testing/content-store-conformance.js';
import { namedDatabaseStores } from '../testing/named-database-stores.js';
import { IndexedDbContentStore } from './indexeddb-content-store.js';

// The same suite as indexeddb-content-store.test.ts (fake-indexeddb), here on Chromium's own IndexedDB.
describeContentStoreConformance('IndexedDB (Chromium)', {
  ...namedDatabaseStores('conformance', (options) => IndexedDbContentStore.open(options)),
  propertyRuns: 25,
});
