import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

/**
 * scrypt password hashes for user passwords and client secrets, in the self-describing form
 * `scrypt$N$r$p$salt$hash` (salt and hash base64url). The cost parameters travel with each hash, so they
 * can be raised later without invalidating stored hashes: `needsRehash` tells when one is below the
 * current cost.
 */
const SCHEME = 'scrypt';
const KEY_LENGTH = 32;
const SALT_LENGTH = 16;

export interface ScryptCost {
  readonly N: number;
  readonly r: number;
  readonly p: number;
}

/** 2^15 × 8 × 128 B = 32 MiB and tens of milliseconds per hash: slow for guessing, fine for logins. */
export const DEFAULT_SCRYPT_COST: ScryptCost = { N: 2 ** 15, r: 8, p: 1 };

/** Accepted bounds when reading a stored hash: a tampered row must not make us allocate gigabytes. */
const MAX_N = 2 ** 20;
const MAX_R = 32;
const MAX_P = 16;

function scryptAsync(password: string, salt: Buffer, cost: ScryptCost): Promise<Buffer> {
  const options: ScryptOptions = { N: cost.N, r: cost.r, p: cost.p, maxmem: 256 * cost.N * cost.r + 1024 * 1024 };
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFC'), salt, KEY_LENGTH, options, (error, key) => (error ? reject(error) : resolve(key)));
  });
}

export async function hashPassword(password: string, cost: ScryptCost = DEFAULT_SCRYPT_COST): Promise<string> {
  const salt = randomBytes(SALT_LENGTH);
  const key = await scryptAsync(password, salt, cost);
  return [SCHEME, cost.N, cost.r, cost.p, salt.toString('base64url'), key.toString('base64url')].join('$');
}

interface ParsedHash {
  readonly cost: ScryptCost;
  readonly salt: Buffer;
  readonly key: Buffer;
}

function parseHash(stored: string): ParsedHash | null {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== SCHEME) return null;
  const [N, r, p] = [Number(parts[1]), Number(parts[2]), Number(parts[3])];
  if (![N, r, p].every(Number.isSafeInteger) || N < 2 || N > MAX_N || (N & (N - 1)) !== 0 || r < 1 || r > MAX_R || p < 1 || p > MAX_P) return null;
  const salt = Buffer.from(parts[4]!, 'base64url');
  const key = Buffer.from(parts[5]!, 'base64url');
  if (salt.length === 0 || key.length !== KEY_LENGTH) return null;
  return { cost: { N, r, p }, salt, key };
}

/**
 * Constant-time check of a password against a stored hash. A malformed stored hash never matches (and
 * costs the same as a real check, so it cannot be told apart by timing).
 */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parsed = parseHash(stored);
  if (!parsed) {
    await scryptAsync(password, randomBytes(SALT_LENGTH), DEFAULT_SCRYPT_COST);
    return false;
  }
  const key = await scryptAsync(password, parsed.salt, parsed.cost);
  return timingSafeEqual(key, parsed.key);
}

/** True when the stored hash uses a lower cost than `cost` (rehash it at the next successful login). */
export function needsRehash(stored: string, cost: ScryptCost = DEFAULT_SCRYPT_COST): boolean {
  const parsed = parseHash(stored);
  return !parsed || parsed.cost.N < cost.N || parsed.cost.r < cost.r || parsed.cost.p < cost.p;
}

let dummyHash: Promise<string> | null = null;

/**
 * Spends the time of one real verification without a stored hash, so "no such user" and "wrong
 * password" take equally long and usernames cannot be enumerated by timing.
 */
export async function burnPasswordCheck(password: string): Promise<false> {
  dummyHash ??= hashPassword('quran-sync-dummy-password');
  await verifyPassword(password, await dummyHash);
  return false;
}
