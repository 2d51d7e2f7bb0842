import { createHash } from 'node:crypto';
import { SignJWT } from 'jose';
import type { KeyRing } from '../signing-keys.js';

export interface IdTokenRequest {
  readonly issuer: string;
  readonly clientId: string;
  readonly userId: string;
  readonly accessToken: string;
  readonly ttlSeconds: number;
  /** When the user logged in (OIDC `auth_time`). */
  readonly authTime: Date | null;
  /** The authorization request's `nonce`, echoed so the client can bind the ID token to its request. */
  readonly nonce: string | null;
}

/**
 * OIDC ID token, signed with the same key ring as access tokens (so one JWKS verifies both). Its header
 * says `typ: JWT`, never `at+jwt`, and it has no `client_id` claim: the access-token verifier requires
 * both, so an ID token can never be replayed as an access token.
 */
export async function signIdToken(keys: KeyRing, request: IdTokenRequest): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const jwt = new SignJWT({
    at_hash: accessTokenHash(request.accessToken),
    ...(request.authTime ? { auth_time: Math.floor(request.authTime.getTime() / 1000) } : {}),
    ...(request.nonce ? { nonce: request.nonce } : {}),
  })
    .setProtectedHeader({ alg: keys.active.alg, kid: keys.active.kid, typ: 'JWT' })
    .setIssuer(request.issuer)
    .setSubject(request.userId)
    .setAudience(request.clientId)
    .setIssuedAt(now)
    .setExpirationTime(now + request.ttlSeconds);
  return jwt.sign(keys.active.privateKey);
}

/** OIDC Core §3.1.3.6: left half of the SHA-256 of the access token (ES256), base64url. */
function accessTokenHash(accessToken: string): string {
  const digest = createHash('sha256').update(accessToken, 'ascii').digest();
  return digest.subarray(0, digest.length / 2).toString('base64url');
}
