import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import { CLIENT_CREDENTIALS_GTY } from './access-token-claims.js';
import type { KeyRing } from './signing-keys.js';

export interface AccessTokenRequest {
  readonly issuer: string;
  readonly clientId: string;
  /** The user; omit for a client-credentials token. */
  readonly userId?: string | null;
  readonly scopes: readonly string[];
  readonly ttlSeconds: number;
  /** Refresh-token family, so revoking the refresh token revokes the access tokens minted from it. */
  readonly grantId?: string | null;
  readonly audience?: string | null;
  /** Override the clock (seconds since epoch); tests use it to mint expired or future tokens. */
  readonly issuedAt?: number;
}

export interface SignedAccessToken {
  readonly token: string;
  readonly tokenId: string;
  /** Epoch seconds. */
  readonly expiresAt: number;
}

/**
 * Signs an RFC 9068-style JWT access token with the key ring's active key. Used by the token endpoint
 * and by `quran-sync token` (same key file, so CLI tokens are accepted by the server).
 */
export async function signAccessToken(keys: KeyRing, request: AccessTokenRequest): Promise<SignedAccessToken> {
  const now = request.issuedAt ?? Math.floor(Date.now() / 1000);
  const tokenId = randomUUID();
  const expiresAt = now + request.ttlSeconds;
  const isClientToken = !request.userId;
  const jwt = new SignJWT({
    client_id: request.clientId,
    scope: request.scopes.join(' '),
    ...(isClientToken ? { gty: CLIENT_CREDENTIALS_GTY } : {}),
    ...(request.grantId ? { gid: request.grantId } : {}),
  })
    .setProtectedHeader({ alg: keys.active.alg, kid: keys.active.kid, typ: 'at+jwt' })
    .setIssuer(request.issuer)
    .setSubject(isClientToken ? request.clientId : request.userId!)
    .setIssuedAt(now)
    .setNotBefore(now)
    .setExpirationTime(expiresAt)
    .setJti(tokenId);
  if (request.audience) jwt.setAudience(request.audience);
  return { token: await jwt.sign(keys.active.privateKey), tokenId, expiresAt };
}
