import 'fake-indexeddb/auto';
import { describeContentStoreConformance } from '../testing/content-store-conformance.js';
import { namedDatabaseStores } from '../testing/named-database-stores.js';
import { IndexedDbContentStore } from './indexeddb-content-store.js';

describeContentStoreConformance('IndexedDB (fake-indexeddb)', {
  ...namedDatabaseStores('conformance', (options) => IndexedDbContentStore.open(options)),
  propertyRuns: 25,
});
