export { createTestDatabase, testPostgresUrl, TEST_DATABASE_URL_ENV } from './test-database.js';
export { startTestServer, TEST_ISSUER, type TestServer, type TestServerOptions, type MintTokenOptions } from './test-server.js';
