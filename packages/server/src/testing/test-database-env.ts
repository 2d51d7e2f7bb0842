/**
 * The environment through which the global setup hands the test databases to test files. Its own module:
 * the global setup runs outside the `source` resolve condition, so it imports nothing from the workspace.
 */
export const TEST_DATABASE_URL_ENV = 'QS_TEST_DATABASE_URL';
export const PGLITE_TEMPLATE_ENV = 'QS_TEST_PGLITE_TEMPLATE';
export const PGLITE_SEEDED_TEMPLATE_ENV = 'QS_TEST_PGLITE_SEEDED_TEMPLATE';
