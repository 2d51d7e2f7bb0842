import fs from 'node:fs/promises';
import { PGlite } from '@electric-sql/pglite';
import { Kysely, PostgresDialect, sql } from 'kysely';
import { PGliteDialect } from 'kysely-pglite-dialect';
import pg from 'pg';
import type { DatabaseConfig } from '../config/server-config.js';
import { lockDataDir } from './data-dir-lock.js';
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

/** int8 (sequences, millisecond timestamps) as JS numbers: every value we store is below 2^53. */
const INT8_OID = 20;
const parseInt8 = (value: string): number => Number(value);

export interface OpenDatabaseOptions {
  /** A PGlite data-dir dump to start from (tests: a migrated template, loaded in well under a second). */
  readonly pgliteLoadDataDir?: Blob;
}

export async function openDatabase(config: DatabaseConfig, options: OpenDatabaseOptions = {}): Promise<DatabaseHandle> {
  if (config.kind === 'postgres') {
    const pool = new pg.Pool({
      connectionString: config.url,
      max: config.poolSize,
      // Fail fast instead of hanging when the database is down: callers answer 503 + Retry-After.
      connectionTimeoutMillis: 5_000,
      idleTimeoutMillis: 30_000,
      ...(config.searchPath ? { options: `-c search_path=${config.searchPath}` } : {}),
      types: {
        getTypeParser: ((oid: number, format?: string) =>
          oid === INT8_OID ? parseInt8 : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
      },
    });
    // A client losing its connection (database stopped or restarted) must not crash the process. The pool
    // listens on IDLE clients only; a client checked out by a transaction between two statements emits
    // 'error' with no listener — an uncaught exception that killed the server on every database restart
    // under write load (found by reliability/database-restart.test.ts). With this listener the client's
    // next query fails ("not queryable", answered 503), and the pool discards it on release.
    pool.on('error', () => {});
    pool.on('connect', (client) => {
      client.on('error', () => {});
    });
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    const listeners = new Set<() => Promise<void>>();
    return {
      db,
      kind: 'postgres',
      waitingCount: () => pool.waitingCount,
      totalCount: () => pool.totalCount,
      async listen(channel, onNotify, onLost) {
        if (!/^[a-z_][a-z0-9_]*$/.test(channel)) throw new Error(`invalid channel name ${channel}`);
        const client = new pg.Client({
          connectionString: config.url,
          connectionTimeoutMillis: 5_000,
          keepAlive: true,
          ...(config.searchPath ? { options: `-c search_path=${config.searchPath}` } : {}),
        });
        let ended = false;
        const unsubscribe = async (): Promise<void> => {
          if (ended) return;
          ended = true;
          listeners.delete(unsubscribe);
          await client.end().catch(() => {});
        };
        const lost = (error: Error) => {
          if (ended) return;
          void unsubscribe();
          onLost?.(error);
        };
        client.on('error', lost);
        client.on('end', () => lost(new Error('listen connection closed')));
        client.on('notification', (message) => {
          if (message.channel === channel) onNotify(message.payload ?? '');
        });
        try {
          await client.connect();
          await client.query(`listen ${channel}`);
        } catch (error) {
          ended = true;
          await client.end().catch(() => {});
          throw error;
        }
        listeners.add(unsubscribe);
        return unsubscribe;
      },
      close: async () => {
        await Promise.all([...listeners].map((unsubscribe) => unsubscribe()));
        await db.destroy();
      },
    };
  }

  if (config.dataDir) await fs.mkdir(config.dataDir, { recursive: true });
  const unlock = config.dataDir ? lockDataDir(config.dataDir) : () => {};
  let pglite: PGlite;
  try {
    pglite = await PGlite.create({
      ...(config.dataDir ? { dataDir: config.dataDir } : {}),
      ...(options.pgliteLoadDataDir ? { loadDataDir: options.pgliteLoadDataDir } : {}),
      parsers: { [INT8_OID]: parseInt8 },
    });
  } catch (error) {
    unlock();
    throw error;
  }
  const db = new Kysely<Database>({ dialect: new PGliteDialect(pglite) });
  return {
    db,
    kind: 'pglite',
    waitingCount: () => 0,
    totalCount: () => 1,
    async listen(channel, onNotify) {
      // PGlite delivers a transaction's notifications when its COMMIT completes, before that query resolves.
      const unlisten = await pglite.listen(channel, onNotify);
      return async () => {
        await unlisten().catch(() => {});
      };
    },
    close: async () => {
      try {
        await db.destroy();
      } finally {
        unlock();
      }
    },
  };
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
