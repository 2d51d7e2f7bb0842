/**
 * What the server knows about a caller once its access token is verified, whichever issuer signed it.
 */
export interface VerifiedAccessToken {
  /** The user the token acts for; null for client-credentials tokens. */
  readonly userId: string | null;
  readonly clientId: string;
  readonly scopes: ReadonlySet<string>;
  /** `jti`, when the issuer sets one (revocation by token). */
  readonly tokenId: string | null;
  /** `gid`: the login (refresh-token family) the token came from (revocation by grant). */
  readonly grantId: string | null;
  /** Expiry, epoch ms. */
  readonly expiresAt: number;
}

/** A token that cannot be accepted; always answered 401. */
export class InvalidAccessTokenError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidAccessTokenError';
  }
}

/** Grant type claim (`gty`) marking a client-credentials token, as Auth0 and others spell it. */
export const CLIENT_CREDENTIALS_GTY = 'client_credentials';

/**
 * Maps JWT/introspection claims to a caller. `scope` (space-separated, RFC 9068) and `scp` (array, Ory
 * Hydra) are both understood. A token is a client's own (no user) when it says so with `gty`, or when its
 * subject is the client itself, as Hydra issues client-credentials tokens.
 */
export function claimsToVerifiedToken(claims: Record<string, unknown>): VerifiedAccessToken {
  const clientId = typeof claims.client_id === 'string' ? claims.client_id : typeof claims.azp === 'string' ? claims.azp : null;
  if (!clientId) throw new InvalidAccessTokenError('token has no client_id');
  const sub = typeof claims.sub === 'string' && claims.sub.length > 0 ? claims.sub : null;
  const isClientToken = claims.gty === CLIENT_CREDENTIALS_GTY || sub === null || sub === clientId;
  const scopes = new Set<string>();
  if (typeof claims.scope === 'string') for (const s of claims.scope.split(' ')) if (s) scopes.add(s);
  if (Array.isArray(claims.scp)) for (const s of claims.scp) if (typeof s === 'string' && s) scopes.add(s);
  if (typeof claims.exp !== 'number') throw new InvalidAccessTokenError('token has no expiry');
  return {
    userId: isClientToken ? null : sub,
    clientId,
    scopes,
    tokenId: typeof claims.jti === 'string' ? claims.jti : null,
    grantId: typeof claims.gid === 'string' ? claims.gid : null,
    expiresAt: claims.exp * 1000,
  };
}
