import type { Kysely, Migration } from 'kysely';

/** Content change feed: resources, rows, feed. */
export const contentMigration: Migration = {
  async up(_db: Kysely<unknown>): Promise<void> {},
};
