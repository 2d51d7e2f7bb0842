import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { DatabaseConfig } from '../config/server-config.js';
import type { DatabaseHandle } from './database.js';
import { INT8_OID, parseInt8 } from './int8-values.js';
import type { Database } from './schema.js';

/**
 * PostgreSQL through a `pg` pool, and LISTEN on a dedicated connection outside the pool per subscription.
 */
export function openPostgresDatabase(config: Extract<DatabaseConfig, { kind: 'postgres' }>): DatabaseHandle {
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
