/** `@quran-sync/client/testing` (source only, never published): suites other packages' tests reuse. */
export { describeContentStoreConformance, resource as conformanceResource, type ContentStoreFactory } from './content-store-conformance.js';
export {
  describeUserStoreConformance,
  entry as userConformanceEntry,
  record as userConformanceRecord,
  type UserStoreFactory,
} from '../user/testing/user-store-conformance.js';
