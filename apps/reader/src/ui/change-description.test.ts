import { describe, expect, it } from 'vitest';
import { describeChange } from './change-description.js';

describe('describeChange', () => {
  it('names notes by their verses and the start of their text', () => {
    expect(describeChange({ type: 'CREATE', resource: 'NOTE', data: { body: 'The Throne verse.', ranges: ['2:255-2:257'] } })).toBe(
      'New note on 2:255-2:257 “The Throne verse.”',
    );
    expect(describeChange({ type: 'UPDATE', resource: 'NOTE', data: { body: 'x'.repeat(80), ranges: ['1:1-1:1', '2:3-2:4'] } })).toBe(
      `Changed note on 1:1, 2:3-2:4 “${'x'.repeat(57)}…”`,
    );
    expect(describeChange({ type: 'DELETE', resource: 'NOTE', data: null })).toBe('Deleted note');
  });

  it('names bookmarks, collections, links and reading positions by what the reader shows', () => {
    expect(describeChange({ type: 'CREATE', resource: 'BOOKMARK', data: { type: 'ayah', key: 1, verseNumber: 4, mushaf: 4 } })).toBe('New bookmark 1:4');
    expect(describeChange({ type: 'CREATE', resource: 'COLLECTION', data: { name: 'Study' } })).toBe('New collection “Study”');
    expect(describeChange({ type: 'DELETE', resource: 'COLLECTION_BOOKMARK', data: { key: 2, verseNumber: 1 } })).toBe('Removed 2:1 from a collection');
    expect(describeChange({ type: 'CREATE', resource: 'COLLECTION_BOOKMARK', data: { key: 2, verseNumber: 1 } })).toBe('Added 2:1 to a collection');
    expect(describeChange({ type: 'CREATE', resource: 'READING_SESSION', data: { chapterNumber: 18, verseNumber: 10 } })).toBe('Reading position 18:10');
    expect(describeChange({ type: 'UPDATE', resource: 'PREFERENCE', data: {} })).toBe('Changed preference');
  });
});
