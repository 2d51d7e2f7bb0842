import { createHash } from 'node:crypto';

/**
 * PKCE (RFC 7636) as the issuer requires it: S256 only (`plain` would let an intercepted authorization
 * request replay the code). The verifier itself is checked by @node-oauth/oauth2-server at the token
 * endpoint; the authorization endpoint only checks the challenge's shape.
 */
export const PKCE_METHOD = 'S256';

/** A S256 challenge is the base64url SHA-256 of the verifier: exactly 43 characters. */
export function isS256CodeChallenge(challenge: string): boolean {
  return /^[A-Za-z0-9_-]{43}$/.test(challenge);
}

/** `BASE64URL(SHA256(verifier))`, as a client computes it. */
export function s256CodeChallenge(verifier: string): string {
  return createHash('sha256').update(verifier, 'ascii').digest('base64url');
}
