import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../../db/schema.js';

/**
 * Locks the user's head row, creating it on the user's first write. Two first writes racing: both insert,
 * the second waits on the primary key until the first commits, then does nothing and locks the committed row.
 */
export async function lockUserHead(trx: Transaction<Database>, userId: string): Promise<{ head: number; defaultCollectionId: string | null }> {
  const lock = () => trx.selectFrom('user_heads').select(['head', 'default_collection_id']).where('user_id', '=', userId).forUpdate().executeTakeFirst();
  // The user's row exists for every write but the first: lock it straight away (one round trip, not two).
  let row = await lock();
  if (!row) {
    await trx
      .insertInto('user_heads')
      .values({ user_id: userId, head: -1, default_collection_id: null })
      .onConflict((oc) => oc.column('user_id').doNothing())
      .execute();
    row = await lock();
    if (!row) throw new Error(`user_heads row of ${userId} vanished`);
  }
  return { head: row.head, defaultCollectionId: row.default_collection_id };
}

/** The committed head of a user, -1 when the user has no history (one primary-key lookup). */
export async function readUserHead(db: Kysely<Database> | Transaction<Database>, userId: string): Promise<number> {
  const row = await db.selectFrom('user_heads').select('head').where('user_id', '=', userId).executeTakeFirst();
  return row ? row.head : -1;
}
