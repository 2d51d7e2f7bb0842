import type { Kysely, Migration } from 'kysely';
import { runStatements } from '../run-statements.js';

/**
 * Integrity digests of content (docs/integrity.md): every resource keeps the digest of its rows
 * (`row_digest`, the sum of the rows' SHA-256 values modulo 2^256 as an exact `numeric`) and their number,
 * maintained by the editorial transaction that writes the rows. Resources that exist before this migration
 * get null (not computed yet): the server computes each from its rows the first time it is asked for it
 * (content-sync/content-digest.ts), since SQL alone cannot produce the canonical JSON the digest hashes.
 */
export const contentDigestsMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await runStatements(db, [
      `alter table content_resources add column row_digest numeric`,
      `alter table content_resources add column row_count integer`,
      `alter table content_resources alter column row_digest set default 0`,
      `alter table content_resources alter column row_count set default 0`,
    ]);
  },
};
