import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson, contentRowHash, digestHex, EMPTY_DIGEST, MultisetDigest, userRecordHash } from './integrity-digest.js';
import { formatResourceDigestHeader, parseResourceDigestHeader } from './integrity-wire.js';

const nodeSha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest();

/** The test vectors of docs/integrity.md: another implementation must reproduce every line. */
const CONTENT_ROWS: Array<[string, string, Record<string, unknown>, string]> = [
  [
    'translation',
    '85108',
    { id: 85108, resource_content_id: 19, verse_key: '26:153', text: 'They said, "You are only of those affected by magic.', foot_notes: [] },
    '3e61d88f6eea2656d1d44eafcb177ef154d0c62b33113caeb2ea864ff01db07b',
  ],
  [
    'verse',
    '1',
    { id: 1, verse_key: '1:1', text_uthmani: 'بِسْمِ ٱللَّهِ ٱلرَّحْمَٰنِ ٱلرَّحِيمِ', page_number: 1 },
    '7b6c70a6ac972148bfba36d68f1fba5c89da0bad682ad75fbf350266f153adae',
  ],
  [
    'audio_file',
    '7',
    { record_type: 'audio_file', id: 7, recitation_id: 7, verse_key: '1:1', url: 'a/001001.mp3', segments: [[0, 1, 0, 630]] },
    '9bbcb3af0302ec1e3eab6bf66e5a5deb9fea36bdda15ce1397b75ebc6f023084',
  ],
];

describe('integrity digest (definition v1)', () => {
  it('canonical JSON: keys sorted by UTF-16 code units, no whitespace, JSON.stringify numbers and strings, undefined members left out', () => {
    expect(canonicalJson({ b: 1, a: [1.5, -0, 1e21, 'é\u2028"'], é: null, A: true, u: undefined })).toBe(
      '{"A":true,"a":[1.5,0,1e+21,"é\u2028\\""],"b":1,"é":null}',
    );
    expect(canonicalJson(['translation', '85108', CONTENT_ROWS[0]![2]])).toBe(
      '["translation","85108",{"foot_notes":[],"id":85108,"resource_content_id":19,"text":"They said, \\"You are only of those affected by magic.","verse_key":"26:153"}]',
    );
    expect(() => canonicalJson({ a: Number.NaN })).toThrow(TypeError);
    expect(() => canonicalJson({ a: 1n })).toThrow(TypeError);
  });

  it('row hashes and a set digest match the documented vectors, with the bundled and the native SHA-256 alike', () => {
    const set = new MultisetDigest();
    for (const [type, key, data, hash] of CONTENT_ROWS) {
      expect(digestHex(contentRowHash(type, key, data))).toBe(hash);
      expect(digestHex(contentRowHash(type, key, data, nodeSha256))).toBe(hash);
      set.add(contentRowHash(type, key, data));
    }
    expect(set.toJSON()).toEqual({ count: 3, digest: '558afce51e8433bdd039f17cc89197397e9508967551e22209d6e77350738ead' });
    const bookmark = { id: 'bm1', type: 'ayah', key: 2, verseNumber: 255, mushaf: 1, isInDefaultCollection: true, createdAt: '2026-01-01T00:00:00.000Z' };
    expect(digestHex(userRecordHash('BOOKMARK', 'bm1', bookmark))).toBe('3a0dd0c9aec54ac6eba7028cf5ba9c0b9ce99583c1be0292490589680a65d034');
    expect(new MultisetDigest().hex).toBe(EMPTY_DIGEST);
  });

  it('key order of the data does not matter; any change of a value, key or record identity does', () => {
    const [type, key, data] = CONTENT_ROWS[0]!;
    const reordered = Object.fromEntries(Object.entries(data).reverse());
    expect(contentRowHash(type, key, reordered)).toBe(contentRowHash(type, key, data));
    expect(contentRowHash(type, key, { ...data, text: 'x' })).not.toBe(contentRowHash(type, key, data));
    expect(contentRowHash(type, '85109', data)).not.toBe(contentRowHash(type, key, data));
    expect(contentRowHash('tafsir', key, data)).not.toBe(contentRowHash(type, key, data));
  });

  it('the digest depends only on the multiset: any order of adds, and removes undo adds', () => {
    fc.assert(
      fc.property(fc.array(fc.bigInt({ min: 0n, max: (1n << 256n) - 1n }), { maxLength: 30 }), fc.integer(), (hashes, seed) => {
        const forward = new MultisetDigest();
        for (const h of hashes) forward.add(h);
        const shuffled = [...hashes].sort((a, b) => Number(((a ^ BigInt(seed)) % 7n) - ((b ^ BigInt(seed)) % 7n)));
        const other = new MultisetDigest();
        for (const h of shuffled) other.add(h);
        expect(other.toJSON()).toEqual(forward.toJSON());
        for (const h of hashes) forward.remove(h);
        expect(forward.toJSON()).toEqual({ count: 0, digest: EMPTY_DIGEST });
      }),
    );
  });

  it('the snapshot header round-trips and anything malformed reads as absent', () => {
    const d = { digest: CONTENT_ROWS[0]![3], count: 12, sequence: 98234 };
    expect(formatResourceDigestHeader(d)).toBe(`sha256-sum=${d.digest}; rows=12; sequence=98234`);
    expect(parseResourceDigestHeader(formatResourceDigestHeader(d))).toEqual(d);
    for (const bad of [
      undefined,
      '',
      'sha256-sum=abc; rows=1; sequence=1',
      `sha256-sum=${d.digest}; rows=-1; sequence=1`,
      `sha256-sum=${d.digest}; sequence=1`,
    ]) {
      expect(parseResourceDigestHeader(bad)).toBeNull();
    }
  });
});
