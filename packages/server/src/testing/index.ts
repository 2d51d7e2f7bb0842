export { createTestDatabase, testPostgresUrl, TEST_DATABASE_URL_ENV } from './test-database.js';
export { startTestServer, TEST_ISSUER, type TestServer, type TestServerOptions, type MintTokenOptions } from './test-server.js';
export {
  authorizationParams,
  authorizeWithLogin,
  createTestClient,
  createTestUser,
  loginForTokens,
  newPkcePair,
  openLoginPage,
  submitLogin,
  tokenRequest,
  TEST_REDIRECT_URI,
  type AuthorizeOptions,
  type LoginPage,
  type PkcePair,
} from './oauth2-test-flow.js';
export { GUARDED_ROUTES, startGuardedTestApp, type GuardedTestApp } from './guarded-test-app.js';
export { ReferenceContentClient, SimulatedCrash, type SyncRunReport } from '../content-sync/testing/reference-content-client.js';
export { serverPublicState, stateToObject } from '../content-sync/testing/server-public-state.js';
export {
  backdateContentFeed,
  contentFeedReport,
  supersededSequences,
  userHeadReport,
  type ContentFeedReport,
} from '../reliability/testing/storage-invariants.js';
export { createPostgresSchema } from '../reliability/testing/postgres-schema.js';
export { freePort } from './free-port.js';
export { rawGet, rawGetBody, rawRequest, type RawAnswer, type RawRequestOptions } from './raw-http.js';
