import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SyncTokenCodec } from './sync-token-codec.js';

const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

describe('SyncTokenCodec', () => {
  const codec = new SyncTokenCodec(randomBytes(32));
  const token = codec.encodeToken({ sequence: 42, filterHash: 'abc', issuedAt: 1_700_000_000 });

  it('decodes what it encoded, in a fresh codec with the same secret too (no reliance on the memo)', () => {
    const secret = randomBytes(32);
    const value = new SyncTokenCodec(secret).encodeToken({ sequence: 7, filterHash: 'f', issuedAt: 1 });
    expect(new SyncTokenCodec(secret).decodeToken(value)).toEqual({ sequence: 7, filterHash: 'f', issuedAt: 1 });
    expect(new SyncTokenCodec(randomBytes(32)).decodeToken(value)).toBeNull();
  });

  it('accepts exactly one spelling of a signature: every other last character is refused, padding bits included', () => {
    // An HMAC-SHA256 is 32 bytes = 43 base64url characters, the last holding 4 data bits and 2 unused ones;
    // a lenient decoder reads 3 of the 63 other characters as the same bytes.
    const [version, body, sig] = token.split('.') as [string, string, string];
    const accepted = [...BASE64URL].filter((c) => codec.decodeToken(`${version}.${body}.${sig.slice(0, -1)}${c}`) !== null);
    expect(accepted).toEqual([sig.at(-1)]);
  });

  it('refuses any single-character edit of the payload or the signature (property)', () => {
    fc.assert(
      fc.property(fc.nat(), fc.constantFrom(...BASE64URL), (at, c) => {
        const i = 3 + (at % (token.length - 3)); // after "v1."
        fc.pre(token[i] !== '.' && token[i] !== c);
        const edited = `${token.slice(0, i)}${c}${token.slice(i + 1)}`;
        expect(codec.decodeToken(edited)).toBeNull();
      }),
      { numRuns: 500 },
    );
  });

  it('never accepts a token as a cursor or a cursor as a token', () => {
    const cursor = codec.encodeCursor({
      filter: 'translations:20',
      perPage: 10,
      until: 5,
      phase: 'incremental',
      afterResource: null,
      afterSequence: 3,
      tokenSequence: 2,
      issuedAt: 1,
    });
    expect(codec.decodeCursor(cursor)).not.toBeNull();
    expect(codec.decodeToken(cursor)).toBeNull();
    expect(codec.decodeCursor(token)).toBeNull();
  });
});
