import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import { hashOpaqueToken } from './opaque-token.js';

/** What an authorization code stands for, between the login page and the token endpoint. */
export interface AuthorizationCodeRecord {
  readonly grantId: string;
  readonly clientId: string;
  readonly userId: string;
  readonly redirectUri: string;
  readonly scopes: readonly string[];
  readonly codeChallenge: string;
  readonly codeChallengeMethod: string;
  readonly nonce: string | null;
  readonly authTime: Date;
  readonly expiresAt: Date;
  readonly consumedAt: Date | null;
}

export async function saveAuthorizationCode(db: Kysely<Database>, code: string, record: Omit<AuthorizationCodeRecord, 'consumedAt'>): Promise<void> {
  await db
    .insertInto('oauth_authorization_codes')
    .values({
      code_hash: hashOpaqueToken(code),
      grant_id: record.grantId,
      client_id: record.clientId,
      user_id: record.userId,
      redirect_uri: record.redirectUri,
      scopes: [...record.scopes],
      code_challenge: record.codeChallenge,
      code_challenge_method: record.codeChallengeMethod,
      nonce: record.nonce,
      auth_time: record.authTime,
      expires_at: record.expiresAt,
    })
    .execute();
}

export async function findAuthorizationCode(db: Kysely<Database>, code: string): Promise<AuthorizationCodeRecord | null> {
  const row = await db.selectFrom('oauth_authorization_codes').selectAll().where('code_hash', '=', hashOpaqueToken(code)).executeTakeFirst();
  if (!row) return null;
  return {
    grantId: row.grant_id,
    clientId: row.client_id,
    userId: row.user_id,
    redirectUri: row.redirect_uri,
    scopes: row.scopes,
    codeChallenge: row.code_challenge,
    codeChallengeMethod: row.code_challenge_method,
    nonce: row.nonce,
    authTime: row.auth_time,
    expiresAt: row.expires_at,
    consumedAt: row.consumed_at,
  };
}

/**
 * Marks the code used. One conditional UPDATE, so of two concurrent exchanges of the same code exactly
 * one wins (on PostgreSQL's row lock as on PGlite's single connection); the loser sees `false`.
 */
export async function consumeAuthorizationCode(db: Kysely<Database>, code: string): Promise<boolean> {
  const row = await db
    .updateTable('oauth_authorization_codes')
    .set({ consumed_at: new Date() })
    .where('code_hash', '=', hashOpaqueToken(code))
    .where('consumed_at', 'is', null)
    .returning('code_hash')
    .executeTakeFirst();
  return row !== undefined;
}

/** Deletes codes expired for more than a day (kept that long so a late replay is still recognised as one). */
export async function purgeExpiredAuthorizationCodes(db: Kysely<Database>, now = new Date()): Promise<void> {
  await db
    .deleteFrom('oauth_authorization_codes')
    .where('expires_at', '<', new Date(now.getTime() - 86_400_000))
    .execute();
}
