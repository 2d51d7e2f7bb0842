import type { Kysely } from 'kysely';
import type { Registry } from 'prom-client';
import type { FastifyBaseLogger } from 'fastify';
import type { AccessTokenVerifier } from './auth/access-token-verifier.js';
import type { RevocationList } from './auth/revocation-list.js';
import type { KeyRing } from './auth/signing-keys.js';
import type { ServerConfig } from './config/server-config.js';
import type { DatabaseHandle } from './db/database.js';
import type { Database } from './db/schema.js';
import type { ContentServing } from './content-sync/content-serving.js';
import type { ServiceLifecycle } from './lifecycle/service-lifecycle.js';
import type { UserWriteEngine } from './user-sync/write-engine/user-write-engine.js';

/**
 * What every capability gets from the app: configuration, the database, keys, the token verifier and the
 * app's services. Everything here is built once, in `buildApp`, and handed to routes explicitly (no globals,
 * no registries keyed by app), so tests can build several apps in one process.
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
  /** The app's services: started before it answers, stopped (newest first) when it closes; health on `/ready`. */
  readonly services: ServiceLifecycle;
  /** What the content routes serve from (token codec, cached feed head, snapshot cache). */
  readonly content: ContentServing;
  /** The one way user data is written, by pushes and direct endpoints alike. */
  readonly userWrites: UserWriteEngine;
}
