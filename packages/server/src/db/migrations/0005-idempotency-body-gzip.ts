import type { Kysely, Migration } from 'kysely';
import { runStatements } from '../run-statements.js';

/**
 * Stored idempotent outcomes are kept gzip-compressed in `body_gzip` (user-sync/idempotency-store.ts). The
 * outcome of a 100-mutation push is ~30 KB of JSON; as `jsonb` PostgreSQL parsed, TOAST-compressed and
 * WAL-logged all of it on every push that carried a key (~3 ms of database CPU per push, as much
 * as the push itself). Gzipped it is ~2 KB of `bytea`. Rows written before keep their `jsonb` body and are
 * read as they are; they expire within the idempotency TTL.
 */
export const idempotencyBodyGzipMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await runStatements(db, [
      `alter table user_idempotency_keys add column body_gzip bytea`,
      `alter table user_idempotency_keys alter column body drop not null`,
      `alter table user_idempotency_keys add constraint user_idempotency_keys_one_body check ((body is null) <> (body_gzip is null))`,
    ]);
  },
};
