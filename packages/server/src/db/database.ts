import { sql, type Kysely } from 'kysely';
import type { DatabaseConfig } from '../config/server-config.js';
import { openPgliteDatabase } from './pglite-database.js';
import { openPostgresDatabase } from './postgres-database.js';
import type { Database } from './schema.js';

/**
 * One Kysely instance over either PostgreSQL (`pg` pool) or embedded PGlite. Both speak the same SQL;
 * the rest of the server never asks which one it has, except where PGlite's single connection matters
 * (pool metrics, overload shedding).
 */
export interface DatabaseHandle {
  readonly db: Kysely<Database>;
  readonly kind: 'postgres' | 'pglite';
  /** Requests waiting for a connection (always 0 on PGlite, which queues inside the driver). */
  waitingCount(): number;
  /** Connections in use or idle (1 on PGlite). */
  totalCount(): number;
  /**
   * Subscribes to `NOTIFY` on `channel` (lower-case identifier). PostgreSQL: a dedicated connection outside
   * the pool (a pooled one would be handed to other queries); `onLost` is called if it breaks, after which
   * the subscription is dead and the caller decides how to recover. PGlite: its own listener (one process).
   * Resolves to an unsubscribe function.
   */
  listen(channel: string, onNotify: (payload: string) => void, onLost?: (error: Error) => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

export interface OpenDatabaseOptions {
  /** A PGlite data-dir dump to start from (tests: a migrated template, loaded in well under a second). */
  readonly pgliteLoadDataDir?: Blob;
}

/** Opens the configured back end; each lives in its own file (postgres-database.ts, pglite-database.ts). */
export async function openDatabase(config: DatabaseConfig, options: OpenDatabaseOptions = {}): Promise<DatabaseHandle> {
  return config.kind === 'postgres' ? openPostgresDatabase(config) : openPgliteDatabase(config, options);
}

/** True when the database answers a trivial query. */
export async function isDatabaseReachable(db: Kysely<Database>): Promise<boolean> {
  try {
    await sql`select 1`.execute(db);
    return true;
  } catch {
    return false;
  }
}
