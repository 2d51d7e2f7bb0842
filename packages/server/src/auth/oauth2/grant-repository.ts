import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import type { RevocationList } from '../revocation-list.js';

export interface GrantRecord {
  readonly id: string;
  readonly clientId: string;
  readonly userId: string;
  readonly scopes: readonly string[];
  readonly authTime: Date;
  readonly revokedAt: Date | null;
}

/** Records a login; idempotent, so a retried exchange cannot create a second row for one grant id. */
export async function createGrant(db: Kysely<Database>, grant: Omit<GrantRecord, 'revokedAt'>): Promise<void> {
  await db
    .insertInto('oauth_grants')
    .values({ id: grant.id, client_id: grant.clientId, user_id: grant.userId, scopes: [...grant.scopes], auth_time: grant.authTime })
    .onConflict((oc) => oc.column('id').doNothing())
    .execute();
}

export async function findGrant(db: Kysely<Database>, id: string): Promise<GrantRecord | null> {
  const row = await db.selectFrom('oauth_grants').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) return null;
  return { id: row.id, clientId: row.client_id, userId: row.user_id, scopes: row.scopes, authTime: row.auth_time, revokedAt: row.revoked_at };
}

/**
 * Ends a login everywhere: the grant row and every refresh token of it are marked revoked (so no node will
 * refresh it again, even a token rotated concurrently with this call, because refreshing checks the grant
 * row), and the grant id goes on the revocation list, which kills its access tokens here at once and on
 * other nodes at their next refresh of the list. The list entry lives as long as an access token can.
 */
export async function revokeGrant(db: Kysely<Database>, revocations: RevocationList | null, grantId: string, accessTokenTtlSeconds: number): Promise<void> {
  const now = new Date();
  await db.transaction().execute(async (trx) => {
    await trx.updateTable('oauth_grants').set({ revoked_at: now }).where('id', '=', grantId).where('revoked_at', 'is', null).execute();
    await trx.updateTable('oauth_refresh_tokens').set({ revoked_at: now }).where('grant_id', '=', grantId).where('revoked_at', 'is', null).execute();
  });
  // Access tokens carry a 5 s clock tolerance; a minute of margin covers it.
  await revocations?.revoke('grant', grantId, new Date(now.getTime() + (accessTokenTtlSeconds + 60) * 1000));
}

/** Deletes grants whose every refresh token has expired (nothing can use them any more). */
export async function purgeFinishedGrants(db: Kysely<Database>, now = new Date()): Promise<void> {
  await db.deleteFrom('oauth_refresh_tokens').where('expires_at', '<', now).execute();
  await db
    .deleteFrom('oauth_grants')
    .where('created_at', '<', new Date(now.getTime() - 86_400_000))
    .where(({ not, exists, selectFrom }) =>
      not(exists(selectFrom('oauth_refresh_tokens').select('token_hash').whereRef('oauth_refresh_tokens.grant_id', '=', 'oauth_grants.id'))),
    )
    .execute();
}
