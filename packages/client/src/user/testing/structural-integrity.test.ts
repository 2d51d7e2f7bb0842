import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { deepStrictEqual } from './structural-integrity.js';

// The structural checks swapped node:util's comparison for this one so the browser run can share them: it must
// answer as node:util does on the values they compare.
describe('deepStrictEqual (browser-safe) agrees with node:util isDeepStrictEqual', () => {
  const small = fc.anything({
    maxDepth: 2,
    maxKeys: 3,
    values: [fc.constantFrom(0, -0, 1, NaN, '', 'a', null, undefined, true, false, 1n)],
    withNullPrototype: true,
    withSparseArray: true,
    withDate: true,
  });

  it('on small values, often equal', () => {
    fc.assert(
      fc.property(small, small, (a, b) => {
        expect(deepStrictEqual(a, b)).toBe(isDeepStrictEqual(a, b));
      }),
      { numRuns: 2000 },
    );
  });

  it('on a value and its structured clone, and after one field changes', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 3 }), fc.constantFrom(undefined, null, 0, 'x'), (a, v) => {
        const b = structuredClone(a);
        expect(deepStrictEqual(a, b)).toBe(true);
        if (typeof b === 'object' && b !== null) (b as Record<string, unknown>).extra = v;
        expect(deepStrictEqual(a, b)).toBe(isDeepStrictEqual(a, b));
      }),
    );
  });

  it('refuses kinds of object it does not compare', () => {
    expect(() => deepStrictEqual(new Map([[1, 2]]), new Map([[1, 3]]))).toThrow(/cannot compare/);
  });
});
