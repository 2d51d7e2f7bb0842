import { createHash, randomBytes } from 'node:crypto';

/**
 * Authorization codes and refresh tokens are opaque random strings (256 bits, base64url). Only their
 * SHA-256 digest is stored: a leaked database row cannot be replayed, and since the tokens carry full
 * entropy a fast hash is enough (no salt or stretching needed, unlike passwords).
 */
export function generateOpaqueToken(): string {
  return randomBytes(32).toString('base64url');
}

export function hashOpaqueToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('base64url');
}
