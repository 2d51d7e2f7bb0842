import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hashPassword, needsRehash, verifyPassword, DEFAULT_SCRYPT_COST } from './password-hash.js';

// A cheap cost for the property runs; the format and the checks are the same at every cost.
const CHEAP = { N: 16, r: 1, p: 1 };

describe('scrypt password hashes', () => {
  it('verifies the password it hashed and nothing else', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ minLength: 1, maxLength: 64 }), fc.string({ minLength: 1, maxLength: 64 }), async (password, other) => {
        const hash = await hashPassword(password, CHEAP);
        expect(await verifyPassword(password, hash)).toBe(true);
        if (other.normalize('NFC') !== password.normalize('NFC')) expect(await verifyPassword(other, hash)).toBe(false);
      }),
      { numRuns: 50 },
    );
  });

  it('stores the cost with a salted hash, so equal passwords hash differently', async () => {
    const a = await hashPassword('dev-password');
    const b = await hashPassword('dev-password');
    expect(a).toMatch(new RegExp(`^scrypt\\$${DEFAULT_SCRYPT_COST.N}\\$8\\$1\\$[A-Za-z0-9_-]{22}\\$[A-Za-z0-9_-]{43}$`));
    expect(a).not.toBe(b);
    expect(needsRehash(a)).toBe(false);
    expect(needsRehash(await hashPassword('x', CHEAP))).toBe(true);
  });

  it('never matches a malformed or tampered stored hash', async () => {
    const good = await hashPassword('secret-value', CHEAP);
    const parts = good.split('$');
    for (const bad of [
      '',
      'plain',
      'scrypt$16$1$1$salt',
      `bcrypt$${parts.slice(1).join('$')}`,
      ['scrypt', 2 ** 30, 8, 1, parts[4], parts[5]].join('$'),
      ['scrypt', 15, 1, 1, parts[4], parts[5]].join('$'),
    ]) {
      expect(await verifyPassword('secret-value', bad)).toBe(false);
    }
  });
});
