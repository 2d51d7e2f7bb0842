import { describeUserStoreConformance } from './testing/user-store-conformance.js';
import { MemoryUserStore } from './memory-user-store.js';

describeUserStoreConformance('memory', { create: async () => new MemoryUserStore() });
