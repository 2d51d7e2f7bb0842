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

  it('never repeats and uses the whole alphabet in every position after the first', () => {
    const ids = Array.from({ length: 20_000 }, () => newResourceId());
    expect(new Set(ids).size).toBe(ids.length);
    const first = new Set(ids.map((id) => id[0]));
    expect(first.size).toBe(26);
    for (const position of [1, 12, 23]) expect(new Set(ids.map((id) => id[position])).size).toBe(36);
  });
});
