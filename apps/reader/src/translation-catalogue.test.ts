import { parseContentFilter } from '@quran-sync/protocol';
import { describe, expect, it } from 'vitest';
import { TRANSLATIONS, contentFilter, translationInfo } from './translation-catalogue.js';

describe('translation catalogue', () => {
  it('lists the ten bundled translations, Saheeh International first', () => {
    expect(TRANSLATIONS.map((t) => t.id)).toEqual([20, 9001, 9002, 9003, 9004, 9005, 9006, 9007, 9008, 9009]);
    expect(translationInfo(20).name).toBe('Saheeh International');
    expect(translationInfo(123).name).toBe('#123');
  });

  it('makes a filter the server accepts: the Quran text plus the chosen translations', () => {
    expect(contentFilter([9004, 20])).toBe('quran_core:1;translations:20,9004');
    const parsed = parseContentFilter(contentFilter([9004, 20]));
    expect(parsed.ok && parsed.filter.canonical).toBe('quran_core:1;translations:20,9004');
    expect(contentFilter([])).toBe('quran_core:1');
  });
});
