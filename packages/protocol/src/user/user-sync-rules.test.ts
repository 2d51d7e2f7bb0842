import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { VERSE_COUNT, verseAt } from '../quran/quran-metadata.js';
import { parseClientTimestamp } from './client-timestamp.js';
import { collectionSlug, normaliseCollectionName } from './collection-rules.js';
import { normaliseNoteRanges } from './note-rules.js';
import { isValidPreferenceValue, readPreferenceGroupValue } from './preference-rules.js';
import { validatePushBody } from './push-validation.js';
import { collectionBookmarkId, isValidResourceId, newResourceId, parseCollectionBookmarkId } from './resource-id.js';
import { canAccessResource, readableResources } from './user-resources.js';
import { MutationValidationError } from './user-sync-messages.js';

describe('user sync rules', () => {
  it('reads client timestamps in both ISO forms and epoch ms, as ISO', () => {
    expect(parseClientTimestamp('2024-05-01T10:00:00Z')).toEqual({ ok: true, value: '2024-05-01T10:00:00.000Z' });
    expect(parseClientTimestamp('2024-05-01T10:00:00.5+01:00')).toEqual({ ok: true, value: '2024-05-01T09:00:00.500Z' });
    expect(parseClientTimestamp(1714557600000)).toEqual({ ok: true, value: '2024-05-01T10:00:00.000Z' });
    expect(parseClientTimestamp(null)).toEqual({ ok: true, value: null });
    for (const bad of ['2024-05-01', 'yesterday', 1.5, -1, {}, true, '2024-13-01T00:00:00Z']) expect(parseClientTimestamp(bad).ok).toBe(false);
  });

  it('mints ids that split unambiguously out of composite link ids', () => {
    fc.assert(
      fc.property(fc.constant(null), () => {
        const [c, b] = [newResourceId(), newResourceId()];
        expect(isValidResourceId(c)).toBe(true);
        expect(parseCollectionBookmarkId(collectionBookmarkId(c, b))).toEqual({ collectionId: c, bookmarkId: b });
      }),
      { numRuns: 50 },
    );
    expect(parseCollectionBookmarkId('__default__-abc')).toEqual({ collectionId: '__default__', bookmarkId: 'abc' });
    for (const bad of ['abc', 'a-b-c', '-b', 'a-', 'a b-c']) expect(parseCollectionBookmarkId(bad)).toBeNull();
  });

  it('canonicalises note ranges against real verse counts', () => {
    expect(normaliseNoteRanges(['2:255', '2:255-2:257', '1:7-2:1'])).toEqual(['2:255-2:255', '2:255-2:257', '1:7-2:1']);
    for (const bad of [[], ['2:287'], ['2:5-2:1'], ['115:1'], 'x', [1]]) expect(normaliseNoteRanges(bad)).toBeNull();
    fc.assert(
      fc.property(fc.integer({ min: 1, max: VERSE_COUNT }), fc.integer({ min: 1, max: VERSE_COUNT }), (a, b) => {
        const [from, to] = [verseAt(Math.min(a, b)), verseAt(Math.max(a, b))];
        expect(normaliseNoteRanges([`${from.surah}:${from.ayah}-${to.surah}:${to.ayah}`])).not.toBeNull();
      }),
    );
  });

  it('trims collection names and slugs them', () => {
    expect(normaliseCollectionName('  Du‘a  ')).toBe('Du‘a');
    expect(normaliseCollectionName('   ')).toBeNull();
    expect(normaliseCollectionName('x'.repeat(256))).toBeNull();
    expect(collectionSlug('Ayat al-Kursi!')).toBe('ayat-al-kursi');
    expect(collectionSlug('آية الكرسي')).toBe('آية-الكرسي');
  });

  it('checks preference values per group and key', () => {
    expect(isValidPreferenceValue('theme', 'type', 'sepia')).toBe(true);
    expect(isValidPreferenceValue('theme', 'type', 'neon')).toBe(false);
    expect(isValidPreferenceValue('quranReaderStyles', 'wordByWordFontScale', 6)).toBe(true);
    expect(isValidPreferenceValue('quranReaderStyles', 'wordByWordFontScale', 7)).toBe(false);
    expect(isValidPreferenceValue('audio', 'playbackRate', 1.25)).toBe(true);
    expect(isValidPreferenceValue('audio', 'playbackRate', 1.3)).toBe(false);
    expect(readPreferenceGroupValue('reading', { selectedReflectionLanguages: [] })).toEqual({
      ok: false,
      field: 'value.selectedReflectionLanguages',
      problem: 'invalid',
    });
    expect(readPreferenceGroupValue('translations', { selectedTranslations: [131, 20] })).toEqual({ ok: true, value: { selectedTranslations: [131, 20] } });
  });

  it('decides resource access from parent and child scopes', () => {
    expect(readableResources(['bookmark'])).toEqual(['BOOKMARK']);
    expect(readableResources(['bookmark.read', 'collection'])).toEqual(['BOOKMARK', 'COLLECTION', 'COLLECTION_BOOKMARK']);
    expect(canAccessResource(['bookmark.create'], 'BOOKMARK', 'create')).toBe(true);
    expect(canAccessResource(['bookmark.create'], 'BOOKMARK', 'delete')).toBe(false);
    expect(canAccessResource(['bookmark', 'collection.update'], 'COLLECTION_BOOKMARK', 'update')).toBe(true);
    expect(canAccessResource(['bookmark'], 'COLLECTION_BOOKMARK', 'create')).toBe(false);
  });

  it('validates a push body and never throws anything but its own error, whatever the input', () => {
    const batch = validatePushBody({ mutations: [{ type: 'DELETE', resource: 'COLLECTION_BOOKMARK', resourceId: 'abc-def' }] });
    expect(batch[0]).toMatchObject({ resource: 'COLLECTION_BOOKMARK', link: { collectionId: 'abc', bookmark: { kind: 'id', bookmarkId: 'def' } } });
    expect(() => validatePushBody({ mutations: [{}, {}] }, 1)).toThrow('Mutations must not exceed 1');
    fc.assert(
      fc.property(fc.jsonValue(), (body) => {
        try {
          validatePushBody(body);
        } catch (error) {
          expect(error).toBeInstanceOf(MutationValidationError);
        }
      }),
      { numRuns: 300 },
    );
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            type: fc.constantFrom('CREATE', 'UPDATE', 'DELETE', 'X'),
            resource: fc.constantFrom('BOOKMARK', 'NOTE', 'COLLECTION', 'COLLECTION_BOOKMARK', 'PREFERENCE', 'READING_SESSION'),
            resourceId: fc.option(fc.string(), { nil: undefined }),
            data: fc.option(
              fc.dictionary(
                fc.constantFrom(
                  'type',
                  'key',
                  'verseNumber',
                  'name',
                  'body',
                  'ranges',
                  'group',
                  'value',
                  'collectionId',
                  'bookmarkId',
                  'chapterNumber',
                  'mushaf',
                ),
                fc.jsonValue(),
              ),
              { nil: undefined },
            ),
          }),
          { minLength: 1, maxLength: 5 },
        ),
        (mutations) => {
          try {
            validatePushBody({ mutations });
          } catch (error) {
            expect(error).toBeInstanceOf(MutationValidationError);
            expect((error as Error).message).toMatch(/at mutation\[\d\]$/);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
