import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';

/**
 * Revoked access-token ids and grant ids, held in memory so checking a token costs a set lookup, not a
 * query. A revocation on this node is visible immediately; revocations made by other nodes arrive with the
 * next poll (`refresh`, every few seconds), which bounds how long a revoked token keeps working elsewhere.
 * Entries leave the table (and the set) once every token they cover has expired anyway.
 */
export class RevocationList {
  private tokens = new Map<string, number>();
  private grants = new Map<string, number>();

  constructor(private readonly db: Kysely<Database>) {}

  isRevoked(tokenId: string | null, grantId: string | null): boolean {
    return (tokenId !== null && this.tokens.has(tokenId)) || (grantId !== null && this.grants.has(grantId));
  }

  /** Records a revocation durably, then in memory. */
  async revoke(kind: 'token' | 'grant', id: string, expiresAt: Date): Promise<void> {
    await this.db
      .insertInto('oauth_revocations')
      .values({ id, kind, expires_at: expiresAt })
      .onConflict((oc) => oc.column('id').doUpdateSet({ expires_at: expiresAt }))
      .execute();
    (kind === 'token' ? this.tokens : this.grants).set(id, expiresAt.getTime());
  }

  /**
   * Reloads every unexpired revocation (made by any node). The set is small (only revoked tokens that
   * would otherwise still be valid), so a full reload is cheaper than tracking what changed.
   */
  async refresh(now = Date.now()): Promise<void> {
    const rows = await this.db.selectFrom('oauth_revocations').select(['id', 'kind', 'expires_at']).where('expires_at', '>', new Date(now)).execute();
    const tokens = new Map<string, number>();
    const grants = new Map<string, number>();
    for (const row of rows) (row.kind === 'token' ? tokens : grants).set(row.id, row.expires_at.getTime());
    this.tokens = tokens;
    this.grants = grants;
  }

  /** Deletes rows whose tokens have all expired. */
  async purgeExpired(now = new Date()): Promise<void> {
    await this.db.deleteFrom('oauth_revocations').where('expires_at', '<=', now).execute();
  }
}
