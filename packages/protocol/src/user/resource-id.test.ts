import { describe, expect, it } from 'vitest';
import { isServerResourceId, isValidResourceId, newResourceId } from './resource-id.js';

describe('newResourceId', () => {
  it('mints ids in cuid2 shape that clients and the server accept', () => {
    for (let i = 0; i < 1_000; i++) {
      const id = newResourceId();
      expect(id).toMatch(/^[a-z][0-9a-z]{23}$/);
      expect(isServerResourceId(id)).toBe(true);
      expect(isValidResourceId(id)).toBe(true);
    }
  });

  it('never repeats, even within one millisecond, and its random part uses the whole alphabet', () => {
    const ids = Array.from({ length: 20_000 }, () => newResourceId(1_795_500_000_000));
    expect(new Set(ids).size).toBe(ids.length);
    expect(new Set(ids.map((id) => id.slice(0, 8)))).toEqual(new Set([(1_795_500_000_000).toString(36)]));
    for (const position of [8, 15, 23]) expect(new Set(ids.map((id) => id[position])).size).toBe(36);
  });

  it('sorts by minting time: later ids land at the right edge of an index', () => {
    const times = [788_918_400_000, 1_795_500_000_000, 1_795_500_000_001, 1_795_500_086_400, 2_800_000_000_000];
    const sorted = [...times].sort((a, b) => a - b);
    const ids = sorted.map((t) => newResourceId(t));
    expect([...ids].sort()).toEqual(ids);
    for (const id of ids) expect(isServerResourceId(id)).toBe(true);
  });

  it('falls back to an all-random id, still in shape, for a clock outside 1994-2059', () => {
    for (const now of [0, 1_000, 3_000_000_000_000]) {
      const ids = Array.from({ length: 2_000 }, () => newResourceId(now));
      for (const id of ids) expect(id).toMatch(/^[a-z][0-9a-z]{23}$/);
      expect(new Set(ids.map((id) => id[0])).size).toBe(26);
    }
  });
});
