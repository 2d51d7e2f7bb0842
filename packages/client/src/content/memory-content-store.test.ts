import { describeContentStoreConformance } from '../testing/content-store-conformance.js';
import { MemoryContentStore } from './memory-content-store.js';

describeContentStoreConformance('memory', { create: async () => new MemoryContentStore() });
