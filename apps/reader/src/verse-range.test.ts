import { describe, expect, it } from 'vitest';
import { parseRange } from './verse-range.js';

describe('parseRange', () => {
  it('reads the SDK canonical form and single verses', () => {
    expect(parseRange('2:255-2:257')).toEqual({ from: { chapter: 2, verse: 255 }, to: { chapter: 2, verse: 257 } });
    expect(parseRange('1:1-2:5')).toEqual({ from: { chapter: 1, verse: 1 }, to: { chapter: 2, verse: 5 } });
    expect(parseRange('3:7')).toEqual({ from: { chapter: 3, verse: 7 }, to: { chapter: 3, verse: 7 } });
  });

  it('refuses anything else', () => {
    for (const bad of ['', '2', '2:', ':5', '2:5-', 'a:b', '2:5-3', '2:5 - 2:6']) expect(parseRange(bad)).toBeNull();
  });
});
