import 'fake-indexeddb/auto';
import { namedDatabaseStores } from '../testing/named-database-stores.js';
import { IndexedDbUserStore } from './indexeddb-user-store.js';
import { describeUserStoreConformance } from './testing/user-store-conformance.js';

describeUserStoreConformance('IndexedDB (fake-indexeddb)', {
  ...namedDatabaseStores('user-conformance', (options) => IndexedDbUserStore.open(options)),
  propertyRuns: 25,
});
