import type { VerifiedAccessToken } from './access-token-claims.js';

/**
 * Remembers tokens already verified, so a client polling with the same token pays for the signature
 * check once, not on every request. Bounded (oldest evicted first); entries die with the token.
 * Revocation is still checked on every use by the caller, so caching never extends a revoked token.
 */
export class VerifiedTokenCache {
  private readonly entries = new Map<string, VerifiedAccessToken>();

  constructor(private readonly maxEntries = 10_000) {}

  get(token: string, now = Date.now()): VerifiedAccessToken | undefined {
    const hit = this.entries.get(token);
    if (!hit) return undefined;
    if (hit.expiresAt <= now) {
      this.entries.delete(token);
      return undefined;
    }
    return hit;
  }

  set(token: string, verified: VerifiedAccessToken): void {
    if (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    this.entries.set(token, verified);
  }
}
