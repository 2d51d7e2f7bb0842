import type { ContentStore } from '@quran-sync/client';
import { QURAN_CORE } from './reader-config.js';

export interface Chapter {
  readonly number: number;
  readonly nameSimple: string;
  readonly nameArabic: string;
  readonly versesCount: number;
  readonly revelationPlace: string;
  readonly bismillahPre: boolean;
}

export interface Verse {
  readonly key: string;
  readonly number: number;
  readonly arabic: string;
  /** Text by translation id, for the translations that have this verse. */
  readonly translations: ReadonlyMap<number, string>;
}

const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const num = (v: unknown): number => (typeof v === 'number' ? v : Number(v) || 0);

/** The 114 chapters as the downloaded Quran text describes them (empty before the first download). */
export async function listChapters(store: ContentStore): Promise<Chapter[]> {
  const rows = await store.listRows(QURAN_CORE.group, QURAN_CORE.id, { recordType: 'chapter' });
  return rows
    .map((row) => ({
      number: num(row.data.chapter_number ?? row.data.id),
      nameSimple: str(row.data.name_simple),
      nameArabic: str(row.data.name_arabic),
      versesCount: num(row.data.verses_count),
      revelationPlace: str(row.data.revelation_place),
      bismillahPre: row.data.bismillah_pre === true,
    }))
    .sort((a, b) => a.number - b.number);
}

/** A chapter's verses: the Arabic text and each chosen translation, all read from IndexedDB (no network). */
export async function readChapter(store: ContentStore, chapter: Chapter, translationIds: readonly number[]): Promise<Verse[]> {
  const range = { verseKeyFrom: `${chapter.number}:1`, verseKeyTo: `${chapter.number}:${chapter.versesCount}` };
  const [core, ...translated] = await Promise.all([
    store.listRows(QURAN_CORE.group, QURAN_CORE.id, { recordType: 'verse', ...range }),
    ...translationIds.map((id) => store.listRows('translations', id, range)),
  ]);
  const byTranslation = translated.map((rows, i) => ({ id: translationIds[i]!, text: new Map(rows.map((r) => [str(r.data.verse_key), str(r.data.text)])) }));
  return core!
    .map((row) => {
      const key = str(row.data.verse_key);
      const translations = new Map<number, string>();
      for (const t of byTranslation) {
        const text = t.text.get(key);
        if (text !== undefined) translations.set(t.id, text);
      }
      return { key, number: num(row.data.verse_number), arabic: str(row.data.text_uthmani), translations };
    })
    .sort((a, b) => a.number - b.number);
}
