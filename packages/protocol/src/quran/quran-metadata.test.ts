import { describe, expect, it } from 'vitest';
import { ayahCount, isValidVerse, parseVerseKey, parseVerseRange, SURAH_COUNT, VERSE_COUNT, verseAt, verseIndex } from './quran-metadata.js';

describe('quran metadata', () => {
  it('has the Hafs counts', () => {
    expect(SURAH_COUNT).toBe(114);
    expect(VERSE_COUNT).toBe(6236);
    expect(ayahCount(1)).toBe(7);
    expect(ayahCount(2)).toBe(286);
    expect(ayahCount(114)).toBe(6);
    let sum = 0;
    for (let s = 1; s <= SURAH_COUNT; s++) sum += ayahCount(s);
    expect(sum).toBe(VERSE_COUNT);
  });

  it('validates verses at the edges', () => {
    expect(isValidVerse(2, 286)).toBe(true);
    expect(isValidVerse(2, 287)).toBe(false);
    expect(isValidVerse(0, 1)).toBe(false);
    expect(isValidVerse(115, 1)).toBe(false);
    expect(isValidVerse(1, 0)).toBe(false);
    expect(isValidVerse(1.5, 1)).toBe(false);
  });

  it('maps verse keys to global positions and back', () => {
    expect(verseIndex({ surah: 1, ayah: 1 })).toBe(1);
    expect(verseIndex({ surah: 2, ayah: 1 })).toBe(8);
    expect(verseIndex({ surah: 114, ayah: 6 })).toBe(VERSE_COUNT);
    for (const i of [1, 7, 8, 293, 294, 3000, VERSE_COUNT]) expect(verseIndex(verseAt(i))).toBe(i);
  });

  it('parses keys and ranges', () => {
    expect(parseVerseKey('2:255')).toEqual({ surah: 2, ayah: 255 });
    expect(parseVerseKey('2:287')).toBeNull();
    expect(parseVerseKey('02:5 ')).toBeNull();
    expect(parseVerseRange('1:1-1:7')).toEqual({ from: { surah: 1, ayah: 1 }, to: { surah: 1, ayah: 7 } });
    expect(parseVerseRange('2:255')).toEqual({ from: { surah: 2, ayah: 255 }, to: { surah: 2, ayah: 255 } });
    expect(parseVerseRange('2:5-1:7')).toBeNull();
    expect(parseVerseRange('1:1-1:8')).toBeNull();
  });
});
