import type { Kysely } from 'kysely';
import type { Registry } from 'prom-client';
import type { FastifyBaseLogger } from 'fastify';
import type { AccessTokenVerifier } from './auth/access-token-verifier.js';
import type { RevocationList } from './auth/revocation-list.js';
import type { KeyRing } from './auth/signing-keys.js';
import type { ServerConfig } from './config/server-config.js';
import type { DatabaseHandle } from './db/database.js';
import type { Database } from './db/schema.js';

/**
 * What every capability gets from the app: configuration, the database, keys and the token verifier.
 * Capabilities receive it explicitly (no globals), so tests can build several apps in one process.
 */
export interface AppContext {
  readonly config: ServerConfig;
  readonly database: DatabaseHandle;
  readonly db: Kysely<Database>;
  readonly keys: KeyRing;
  readonly verifier: AccessTokenVerifier;
  /** Present in built-in issuer mode only. */
  readonly revocations: RevocationList | null;
  readonly log: FastifyBaseLogger;
  /** This app's Prometheus registry (served at `/metrics`): capabilities add their own metrics to it. */
  readonly metrics: Registry;
  /** Registers a function run when the app closes (stop timers, flush caches), in reverse order. */
  onClose(fn: () => Promise<void> | void): void;
}
