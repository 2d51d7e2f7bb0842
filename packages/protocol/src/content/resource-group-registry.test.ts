import fc from 'fast-check';
import { Value } from '@sinclair/typebox/value';
import { describe, expect, it } from 'vitest';
import { RESOURCE_GROUP_NAMES } from './resource-group-names.js';
import { expectedResourceContentId, recordTypeDefinition, RESOURCE_GROUP_REGISTRY, rowSortKey } from './resource-group-registry.js';

describe('resource group registry', () => {
  it('has exactly one entry per group name, each with at least one record type', () => {
    expect(Object.keys(RESOURCE_GROUP_REGISTRY).sort()).toEqual([...RESOURCE_GROUP_NAMES].sort());
    for (const name of RESOURCE_GROUP_NAMES) {
      const def = RESOURCE_GROUP_REGISTRY[name];
      expect(def.name).toBe(name);
      expect(def.recordTypes.length).toBeGreaterThan(0);
      // Groups with several record types must carry record_type in their rows, or rows would be ambiguous.
      if (def.recordTypes.length > 1) expect(def.recordTypeInData).toBe(true);
    }
  });

  it('applies the resource_content_id rule of each group', () => {
    expect(expectedResourceContentId('translations', 19, undefined)).toBe(19);
    expect(expectedResourceContentId('articles', 5, undefined)).toBeNull();
    expect(expectedResourceContentId('recitations', 7, 70)).toBe(70);
    expect(expectedResourceContentId('mushafs', 1, undefined)).toBe('missing');
  });

  it('row schemas accept documented shapes and reject unknown fields', () => {
    const translation = recordTypeDefinition('translations', 'translation')!.schema;
    expect(Value.Check(translation, { id: 1, resource_content_id: 19, verse_key: '26:153', text: 't', foot_notes: [{ id: 2, text: 'n' }] })).toBe(true);
    expect(Value.Check(translation, { id: 1, resource_content_id: 19, verse_key: '26:153', text: 't', colour: 'x' })).toBe(false);
    expect(Value.Check(translation, { id: 0, resource_content_id: 19, verse_key: '26:153', text: 't' })).toBe(false);
    const audio = recordTypeDefinition('recitations', 'audio_file')!.schema;
    expect(Value.Check(audio, { record_type: 'audio_file', id: 1, recitation_id: 7, verse_key: '1:1', url: 'https://x/1.mp3', segments: [[1, 0, 500]] })).toBe(
      true,
    );
    expect(Value.Check(audio, { record_type: 'chapter_audio_file', id: 1, recitation_id: 7, verse_key: '1:1', url: 'https://x/1.mp3' })).toBe(false);
  });

  it('property: sort keys order rows like the group ordering (type position, then fields numerically, null last)', () => {
    const wbw = fc.record({
      word_id: fc.integer({ min: 1, max: 100_000 }),
      priority: fc.option(fc.integer({ min: -5, max: 1000 }), { nil: null }),
      id: fc.integer({ min: 1, max: 2_147_483_647 }),
    });
    fc.assert(
      fc.property(wbw, wbw, (a, b) => {
        const ka = rowSortKey('word_by_word_translations', 'word_translation', a);
        const kb = rowSortKey('word_by_word_translations', 'word_translation', b);
        const cmp = (x: number | null, y: number | null) => (x === y ? 0 : x === null ? 1 : y === null ? -1 : x - y);
        const expected = cmp(a.word_id, b.word_id) || cmp(a.priority, b.priority) || cmp(a.id, b.id);
        const actual = ka < kb ? -1 : ka > kb ? 1 : 0;
        expect(actual).toBe(Math.sign(expected));
      }),
    );
    expect(rowSortKey('quran_core', 'chapter', { id: 114 }) < rowSortKey('quran_core', 'verse', { id: 1 })).toBe(true);
  });
});
