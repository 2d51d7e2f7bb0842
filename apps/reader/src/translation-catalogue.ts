/**
 * The translations the picker offers. The content API lists resource ids but not their names (a bootstrap
 * page carries no metadata), and the picker must work before anything is downloaded, so the names of the
 * server's bundled translations (docs/content-sync.md, "Seeded content") are listed here.
 */
export interface TranslationInfo {
  readonly id: number;
  readonly language: string;
  readonly name: string;
  /** Right-to-left script. */
  readonly rtl?: boolean;
}

export const TRANSLATIONS: readonly TranslationInfo[] = [
  { id: 20, language: 'English', name: 'Saheeh International' },
  { id: 9001, language: 'Bengali', name: 'Muhiuddin Khan' },
  { id: 9002, language: 'Chinese', name: 'Muhammad Makin' },
  { id: 9003, language: 'Spanish', name: 'Muhammad Isa García' },
  { id: 9004, language: 'French', name: 'Muhammad Hamidullah' },
  { id: 9005, language: 'Indonesian', name: 'Islamic Affairs Ministry' },
  { id: 9006, language: 'Russian', name: 'Elmir Kuliev' },
  { id: 9007, language: 'Swedish', name: 'Knut Bernström' },
  { id: 9008, language: 'Turkish', name: 'Diyanet' },
  { id: 9009, language: 'Urdu', name: "Abul A'la Maududi", rtl: true },
];

export function translationInfo(id: number): TranslationInfo {
  return TRANSLATIONS.find((t) => t.id === id) ?? { id, language: 'Translation', name: `#${id}` };
}

/** The content filter for a choice of translations: always the Quran text, plus the translations. */
export function contentFilter(translationIds: readonly number[]): string {
  return translationIds.length > 0 ? `quran_core:1;translations:${[...translationIds].sort((a, b) => a - b).join(',')}` : 'quran_core:1';
}
