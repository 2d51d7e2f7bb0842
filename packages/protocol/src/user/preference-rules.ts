import { invalid, isPlainObject, missing, ok, own, type FieldResult } from './field-result.js';

/**
 * Preference groups and the values each key accepts, as QF's `Preference` schema defines them. A group is
 * one PREFERENCE resource; its value is an object of these keys. Unknown groups and keys are refused, so a
 * typo cannot silently store a setting no client reads.
 */
type KeyRule = (value: unknown) => boolean;

const oneOf =
  (...allowed: readonly unknown[]): KeyRule =>
  (value) =>
    allowed.includes(value);
const intRange =
  (min: number, max: number): KeyRule =>
  (value) =>
    Number.isInteger(value) && (value as number) >= min && (value as number) <= max;
const bool: KeyRule = (value) => typeof value === 'boolean';
const arrayOf =
  (item: KeyRule, minItems = 0, maxItems = 200): KeyRule =>
  (value) =>
    Array.isArray(value) && value.length >= minItems && value.length <= maxItems && value.every(item);
const str =
  (min: number, max: number): KeyRule =>
  (value) =>
    typeof value === 'string' && value.length >= min && value.length <= max;

const WBW_LOCALES = ['en', 'ur', 'id', 'bn', 'tr', 'fa', 'ru', 'hi', 'de', 'ta', 'inh', 'fr', 'sq', 'dv', 'zh', 'sd', 'ml'];
const WBW_CONTENT = oneOf('translation', 'transliteration');
const fontScale = intRange(1, 10);

export const PREFERENCE_GROUP_RULES: Readonly<Record<string, Readonly<Record<string, KeyRule>>>> = {
  theme: { type: oneOf('auto', 'light', 'sepia', 'dark') },
  reading: {
    readingPreference: oneOf('translation', 'reading', 'readingTranslation'),
    selectedWordByWordLocale: oneOf(...WBW_LOCALES),
    wordClickFunctionality: oneOf('play-audio', 'no-audio'),
    isReadingByRevelationOrder: bool,
    wordByWordContentType: arrayOf(WBW_CONTENT, 0, 2),
    wordByWordDisplay: arrayOf(oneOf('tooltip', 'inline'), 0, 2),
    wordByWordTooltipContentType: arrayOf(WBW_CONTENT, 0, 2),
    wordByWordInlineContentType: arrayOf(WBW_CONTENT, 0, 2),
    selectedReadingTranslation: str(1, 255),
    selectedReflectionLanguages: arrayOf(str(1, 10), 1, 50),
    selectedLessonLanguages: arrayOf(str(1, 10), 1, 50),
  },
  quranReaderStyles: {
    tafsirFontScale: fontScale,
    quranTextFontScale: fontScale,
    translationFontScale: fontScale,
    wordByWordFontScale: intRange(1, 6),
    reflectionFontScale: fontScale,
    qnaFontScale: fontScale,
    lessonFontScale: fontScale,
    surahInfoFontScale: fontScale,
    hadithFontScale: fontScale,
    layersFontScale: fontScale,
    quranFont: oneOf('code_v1', 'code_v2', 'text_uthmani', 'text_indopak', 'qpc_uthmani_hafs', 'tajweed', 'tajweed_v4'),
    mushafLines: oneOf('15_lines', '16_lines'),
    showTajweedRules: bool,
  },
  translations: { selectedTranslations: arrayOf((v) => Number.isInteger(v) && (v as number) >= 1, 0, 200) },
  tafsirs: { selectedTafsirs: arrayOf(str(1, 255), 0, 200) },
  audio: {
    reciter: (v) => Number.isInteger(v) && (v as number) >= 1,
    playbackRate: oneOf(0.25, 0.5, 0.75, 1, 1.25, 1.5, 1.75, 2),
    showTooltipWhenPlayingAudio: bool,
    enableAutoScrolling: bool,
  },
  language: { language: oneOf('en', 'ar', 'bn', 'fa', 'fr', 'id', 'it', 'nl', 'pt', 'ru', 'sq', 'th', 'tr', 'ur', 'zh', 'ms', 'es', 'sw', 'vi') },
  userHasCustomised: { userHasCustomised: bool },
};

export const PREFERENCE_GROUPS: readonly string[] = Object.keys(PREFERENCE_GROUP_RULES);

export function isPreferenceGroup(value: unknown): value is string {
  return typeof value === 'string' && Object.hasOwn(PREFERENCE_GROUP_RULES, value);
}

/** True when `key` exists in `group` and `value` satisfies its rule. */
export function isValidPreferenceValue(group: string, key: string, value: unknown): boolean {
  const rules = PREFERENCE_GROUP_RULES[group];
  if (!rules || !Object.hasOwn(rules, key)) return false;
  return rules[key]!(value);
}

/** Validates a whole group value (every key known and valid; keys may be left out). */
export function readPreferenceGroupValue(group: string, value: unknown): FieldResult<Record<string, unknown>> {
  if (!isPlainObject(value)) return invalid('value');
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    if (!isValidPreferenceValue(group, key, item)) return invalid(`value.${key}`);
    out[key] = item;
  }
  return ok(out);
}

export interface PreferenceInput {
  readonly group: string;
  readonly value: Record<string, unknown>;
}

/** Validates a PREFERENCE payload `{group, value}`; a sync write replaces the group's whole value. */
export function readPreferenceInput(data: Record<string, unknown>): FieldResult<PreferenceInput> {
  const group = own(data, 'group');
  if (group === undefined || group === null) return missing('group');
  if (!isPreferenceGroup(group)) return invalid('group');
  const value = own(data, 'value');
  if (value === undefined || value === null) return missing('value');
  const parsed = readPreferenceGroupValue(group, value);
  if (!parsed.ok) return parsed;
  return ok({ group, value: parsed.value });
}
