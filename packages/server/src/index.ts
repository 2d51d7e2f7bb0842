export { buildApp, type AppDependencies, type QuranSyncApp } from './app.js';
export type { AppContext } from './app-context.js';
export { resolveServerConfig, ConfigError, redactUrl, type ServerConfig, type ServerConfigInput } from './config/server-config.js';
export { openDatabase, type DatabaseHandle } from './db/database.js';
export { migrateToLatest } from './db/migrator.js';
export { loadOrCreateKeyRing, rotateSigningKeys, type KeyRing } from './auth/signing-keys.js';
export { signAccessToken, type AccessTokenRequest, type SignedAccessToken } from './auth/access-token-signer.js';
export { SERVER_VERSION } from './version.js';
export { seedContent, type SeedReport } from './content-sync/content-seed.js';
