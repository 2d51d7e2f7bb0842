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
