import { randomBytes } from 'node:crypto';
import pg from 'pg';

/**
 * A fresh, empty schema in a PostgreSQL database, for a server started as a separate process (it gets the
 * URL plus `QS_DB_SEARCH_PATH=<schema>` and migrates it itself). `drop` removes it with everything in it.
 */
export async function createPostgresSchema(url: string, prefix = 'r'): Promise<{ readonly schema: string; drop(): Promise<void> }> {
  const schema = `${prefix}_${randomBytes(6).toString('hex')}`;
  const run = async (statement: string) => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      await client.query(statement);
    } finally {
      await client.end();
    }
  };
  await run(`create schema ${schema}`);
  return { schema, drop: () => run(`drop schema if exists ${schema} cascade`) };
}
