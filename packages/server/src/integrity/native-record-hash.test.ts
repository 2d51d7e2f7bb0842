import fc from 'fast-check';
import { contentRowHash, userRecordHash } from '@quran-sync/protocol';
import { describe, expect, it } from 'vitest';
import { nativeRecordHash } from './native-record-hash.js';

describe('native record hash', () => {
  it('equals the protocol definition for any JSON record, non-ASCII text included', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), fc.jsonValue(), (kind, key, data) => {
        expect(nativeRecordHash(kind, key, data)).toBe(contentRowHash(kind, key, data));
      }),
      { numRuns: 300 },
    );
    const verse = { id: 1, text: 'بِسْمِ ٱللَّهِ ٱلرَّحْمَٰنِ ٱلرَّحِيمِ', footnotes: [] };
    expect(nativeRecordHash('BOOKMARK', 'b1', verse)).toBe(userRecordHash('BOOKMARK', 'b1', verse));
  });
});
