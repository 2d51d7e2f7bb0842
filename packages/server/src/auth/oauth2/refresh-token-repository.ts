import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import { hashOpaqueToken } from './opaque-token.js';

export interface RefreshTokenRecord {
  readonly grantId: string;
  readonly clientId: string;
  readonly userId: string;
  readonly scopes: readonly string[];
  readonly expiresAt: Date;
  /** Set once the token was rotated or its grant revoked. */
  readonly revokedAt: Date | null;
  readonly createdAt: Date;
  /** The grant's own state: a revoked grant makes every token of it unusable. */
  readonly grantRevokedAt: Date | null;
  readonly authTime: Date;
}

export async function saveRefreshToken(
  db: Kysely<Database>,
  token: string,
  record: { grantId: string; clientId: string; userId: string; scopes: readonly string[]; expiresAt: Date },
): Promise<void> {
  await db
    .insertInto('oauth_refresh_tokens')
    .values({
      token_hash: hashOpaqueToken(token),
      grant_id: record.grantId,
      client_id: record.clientId,
      user_id: record.userId,
      scopes: [...record.scopes],
      expires_at: record.expiresAt,
    })
    .execute();
}

export async function findRefreshToken(db: Kysely<Database>, token: string): Promise<RefreshTokenRecord | null> {
  const row = await db
    .selectFrom('oauth_refresh_tokens as t')
    .innerJoin('oauth_grants as g', 'g.id', 't.grant_id')
    .select([
      't.grant_id',
      't.client_id',
      't.user_id',
      't.scopes',
      't.expires_at',
      't.revoked_at',
      't.created_at',
      'g.revoked_at as grant_revoked_at',
      'g.auth_time',
    ])
    .where('t.token_hash', '=', hashOpaqueToken(token))
    .executeTakeFirst();
  if (!row) return null;
  return {
    grantId: row.grant_id,
    clientId: row.client_id,
    userId: row.user_id,
    scopes: row.scopes,
    expiresAt: row.expires_at,
    revokedAt: row.revoked_at,
    createdAt: row.created_at,
    grantRevokedAt: row.grant_revoked_at,
    authTime: row.auth_time,
  };
}

/**
 * Retires a refresh token as it is used (rotation). A conditional UPDATE: of two concurrent refreshes
 * with one token exactly one gets `true`; the other is a reuse and its caller revokes the grant.
 */
export async function retireRefreshToken(db: Kysely<Database>, token: string): Promise<boolean> {
  const row = await db
    .updateTable('oauth_refresh_tokens')
    .set({ revoked_at: new Date() })
    .where('token_hash', '=', hashOpaqueToken(token))
    .where('revoked_at', 'is', null)
    .returning('token_hash')
    .executeTakeFirst();
  return row !== undefined;
}
