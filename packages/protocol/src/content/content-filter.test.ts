import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { contentFilterIncludes, parseContentFilter } from './content-filter.js';
import { RESOURCE_GROUP_NAMES } from './resource-group-names.js';

function canonical(input: string): string {
  const r = parseContentFilter(input);
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.filter.canonical;
}

function errorCode(input: unknown): string | undefined {
  const r = parseContentFilter(input);
  return r.ok ? undefined : r.error.code;
}

describe('content filter', () => {
  it('canonicalises order, duplicates and repeated groups', () => {
    expect(canonical('tafsirs:151;translations:20,19,19')).toBe('tafsirs:151;translations:19,20');
    expect(canonical('translations:19,20;tafsirs:151')).toBe('tafsirs:151;translations:19,20');
    expect(canonical('translations:20;translations:19')).toBe('translations:19,20');
    expect(canonical('translations:10,9,100')).toBe('translations:9,10,100');
  });

  it('lets * absorb explicit ids of its group', () => {
    expect(canonical('articles:*')).toBe('articles:*');
    expect(canonical('translations:19;translations:*')).toBe('translations:*');
    expect(canonical('translations:*,19')).toBe('translations:*');
    expect(canonical('translations:*;tafsirs:1')).toBe('tafsirs:1;translations:*');
  });

  it('rejects malformed filters as invalid_resources', () => {
    for (const bad of [
      '',
      'translations',
      'translations:',
      ':19',
      'translations:19;',
      'translations:0',
      'translations:-1',
      'translations:1.5',
      'translations:abc',
      'translations:19,,20',
      'translations: 19',
      'translations:19 ',
      'translations:99999999999',
      'translations:2147483648',
      'Translations:1',
      ';',
      'translations:1:2',
    ]) {
      expect(errorCode(bad), bad).toBe('invalid_resources');
    }
    expect(errorCode(undefined)).toBe('invalid_resources');
    expect(errorCode(['translations:1'])).toBe('invalid_resources');
  });

  it('rejects unknown groups as unknown_resource_group', () => {
    expect(errorCode('videos:1')).toBe('unknown_resource_group');
    expect(errorCode('translations:1;podcasts:*')).toBe('unknown_resource_group');
  });

  it('answers membership', () => {
    const r = parseContentFilter('translations:19,20;articles:*');
    if (!r.ok) throw new Error('parse failed');
    expect(contentFilterIncludes(r.filter, 'translations', 19)).toBe(true);
    expect(contentFilterIncludes(r.filter, 'translations', 21)).toBe(false);
    expect(contentFilterIncludes(r.filter, 'articles', 5)).toBe(true);
    expect(contentFilterIncludes(r.filter, 'tafsirs', 19)).toBe(false);
  });

  it('property: every spelling of the same resource set has the same canonical form', () => {
    const group = fc.constantFrom(...RESOURCE_GROUP_NAMES);
    const selection = fc.dictionary(group, fc.oneof(fc.constant<'*'>('*'), fc.uniqueArray(fc.integer({ min: 1, max: 5000 }), { minLength: 1, maxLength: 8 })), {
      minKeys: 1,
    });
    fc.assert(
      fc.property(selection, fc.integer(), fc.integer({ min: 1, max: 3 }), (sel, seed, copies) => {
        const parts: string[] = [];
        for (const [g, ids] of Object.entries(sel)) {
          if (ids === '*') {
            parts.push(`${g}:*`);
          } else {
            // Duplicate ids and split a group into several parts to spell the same set differently.
            for (let c = 0; c < copies; c++) parts.push(`${g}:${ids.join(',')}`);
          }
        }
        const shuffled = [...parts].sort((a, b) => hash(a, seed) - hash(b, seed) || (a < b ? -1 : 1));
        const reference = Object.entries(sel)
          .sort(([a], [b]) => (a < b ? -1 : 1))
          .map(([g, ids]) => `${g}:${ids === '*' ? '*' : [...ids].sort((a, b) => a - b).join(',')}`)
          .join(';');
        expect(canonical(shuffled.join(';'))).toBe(reference);
        expect(canonical(reference)).toBe(reference);
      }),
    );
  });
});

function hash(s: string, seed: number): number {
  let h = seed | 0;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h;
}
