export { buildApp, type AppDependencies, type QuranSyncApp } from './app.js';
export type { AppContext } from './app-context.js';
export { resolveServerConfig, ConfigError, redactUrl, type ServerConfig, type ServerConfigInput } from './config/server-config.js';
export { openDatabase, type DatabaseHandle } from './db/database.js';
export { migrateToLatest } from './db/migrator.js';
export { loadKeyRing, loadOrCreateKeyRing, rotateSigningKeys, type KeyRing } from './auth/signing-keys.js';
export {
  ClientValidationError,
  createClient,
  listClients,
  validateNewClient,
  GRANT_TYPES,
  type NewClient,
  type OAuthClientRecord,
} from './auth/oauth2/client-repository.js';
export { UserValidationError, createUser, listUsers, validateNewUser, type UserRecord } from './auth/oauth2/user-repository.js';
export { DEV_CLIENT_ID, DEV_CLIENT_SECRET, DEV_PASSWORD, DEV_USERNAME } from './auth/dev-credentials.js';
export { signAccessToken, type AccessTokenRequest, type SignedAccessToken } from './auth/access-token-signer.js';
export { SERVER_VERSION } from './version.js';
export { seedContent, type SeedReport } from './content-sync/content-seed.js';
export { nativeRecordHash } from './integrity/native-record-hash.js';
export { isServerWorker, serveAsWorker, startServerWorkers, type WorkerPool } from './process/worker-cluster.js';
