import type { Kysely, Migration } from 'kysely';

/** Per-user data: heads, resources with tombstones, compacted change index, idempotency outcomes. */
export const userDataMigration: Migration = {
  async up(_db: Kysely<unknown>): Promise<void> {},
};
