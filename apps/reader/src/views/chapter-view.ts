import type { Bookmark, Note } from '@quran-sync/client';
import { h, mount } from '../dom.js';
import { listChapters, readChapter, type Chapter, type Verse } from '../quran-content.js';
import type { ReaderContext, View } from '../reader-context.js';
import { QURAN_CORE } from '../reader-config.js';
import { translationInfo } from '../translation-catalogue.js';
import { openDialog } from '../ui/dialog.js';
import { parseRange } from '../verse-range.js';

/** What the user attached to each verse of the chapter, recomputed after every user-data change. */
interface VerseMarks {
  readonly bookmarks: Map<string, Bookmark>;
  readonly reading: string | null;
  readonly collections: Map<string, string[]>;
  readonly notes: Map<string, Note[]>;
}

/**
 * One chapter: the Arabic text with the chosen translations, and per verse the user's actions (bookmark,
 * reading position, collection, note). The verses are built once per content change; user data only
 * updates each verse's marks and buttons, so the page never jumps while the user reads.
 */
export function chapterView(ctx: ReaderContext, chapterNumber: number, focusVerse: number | null): View {
  const header = h('header', { class: 'chapter-header' });
  const list = h('div', { class: 'verses', 'data-testid': 'verses' });
  const element = h('main', { class: 'page reading' }, header, list);
  let chapter: Chapter | null = null;
  const verseElements = new Map<string, HTMLElement>();

  const renderContent = async (): Promise<void> => {
    chapter = (await listChapters(ctx.services.contentStore)).find((c) => c.number === chapterNumber) ?? null;
    if (!chapter) {
      mount(list, h('p', { class: 'empty' }, 'This chapter is not on this device yet.'));
      return;
    }
    const translations = ctx.translations();
    const verses = await readChapter(ctx.services.contentStore, chapter, translations);
    const bismillah = chapter.bismillahPre ? await ctx.services.contentStore.getRow(QURAN_CORE.group, QURAN_CORE.id, 'verse', 1) : null;
    mount(
      header,
      h('a', { class: 'back', href: '#/' }, '← Chapters'),
      h(
        'div',
        { class: 'chapter-title' },
        h('h1', {}, `${chapter.number}. ${chapter.nameSimple}`),
        h('span', { class: 'arabic', lang: 'ar', dir: 'rtl' }, chapter.nameArabic),
      ),
      h(
        'p',
        { class: 'chapter-meta' },
        `${chapter.versesCount} verses · ${chapter.revelationPlace === 'madinah' ? 'Medinan' : 'Meccan'} · ${translations.map((id) => translationInfo(id).name).join(', ')}`,
      ),
      bismillah ? h('p', { class: 'arabic bismillah', lang: 'ar', dir: 'rtl' }, String(bismillah.data.text_uthmani ?? '')) : null,
      h(
        'div',
        { class: 'chapter-nav' },
        chapter.number > 1 ? h('a', { href: `#/chapter/${chapter.number - 1}` }, '‹ Previous') : h('span'),
        chapter.number < 114 ? h('a', { href: `#/chapter/${chapter.number + 1}` }, 'Next ›') : h('span'),
      ),
    );
    verseElements.clear();
    mount(
      list,
      verses.map((verse) => renderVerse(verse, translations.length > 1)),
    );
    await renderMarks();
  };

  const renderVerse = (verse: Verse, labelled: boolean): HTMLElement => {
    const article = h(
      'article',
      { class: 'verse', id: `verse-${verse.number}`, 'data-verse-key': verse.key },
      h('div', { class: 'verse-head' }, h('span', { class: 'verse-key' }, verse.key), h('span', { class: 'verse-badges' })),
      h('p', { class: 'arabic verse-arabic', lang: 'ar', dir: 'rtl' }, verse.arabic),
      [...verse.translations].map(([id, text]) => {
        const info = translationInfo(id);
        return h(
          'p',
          { class: 'translation', dir: info.rtl ? 'rtl' : 'auto', 'data-translation': id },
          labelled ? h('span', { class: 'translation-label' }, info.language) : null,
          text,
        );
      }),
      h('div', { class: 'verse-notes' }),
      h(
        'div',
        { class: 'verse-actions' },
        h('button', { type: 'button', class: 'chip', 'data-action': 'bookmark', onclick: () => void toggleBookmark(verse) }, '☆ Bookmark'),
        h('button', { type: 'button', class: 'chip', 'data-action': 'reading', onclick: () => void setReading(verse) }, '⚑ Reading position'),
        h('button', { type: 'button', class: 'chip', 'data-action': 'collect', onclick: () => void addToCollection(verse) }, '+ Collection'),
        h('button', { type: 'button', class: 'chip', 'data-action': 'note', onclick: () => void addNote(verse) }, '✎ Note'),
      ),
    );
    verseElements.set(verse.key, article);
    return article;
  };

  const loadMarks = async (): Promise<VerseMarks> => {
    const { userData } = ctx.services;
    const [bookmarks, sessions, collections, notes] = await Promise.all([
      userData.bookmarks.list({ type: 'ayah' }),
      userData.readingSessions.list(),
      userData.collections.list(),
      userData.notes.list(),
    ]);
    const key = (b: Bookmark): string => `${b.key}:${b.verseNumber}`;
    const inCollections = new Map<string, string[]>();
    for (const collection of collections) {
      for (const b of await userData.collections.bookmarks(collection.id)) {
        if (b.type !== 'ayah') continue;
        inCollections.set(key(b), [...(inCollections.get(key(b)) ?? []), collection.name]);
      }
    }
    const notesByVerse = new Map<string, Note[]>();
    for (const note of notes) {
      for (const range of note.ranges) {
        const r = parseRange(range);
        if (!r || r.from.chapter > chapterNumber || r.to.chapter < chapterNumber) continue;
        const first = r.from.chapter === chapterNumber ? r.from.verse : 1;
        const last = r.to.chapter === chapterNumber ? r.to.verse : Number.MAX_SAFE_INTEGER;
        for (const [verseKey] of verseElements) {
          const n = Number(verseKey.split(':')[1]);
          if (n >= first && n <= last) notesByVerse.set(verseKey, [...(notesByVerse.get(verseKey) ?? []), note]);
        }
      }
    }
    const reading = sessions[0] ? `${sessions[0].chapterNumber}:${sessions[0].verseNumber}` : null;
    return { bookmarks: new Map(bookmarks.map((b) => [key(b), b])), reading, collections: inCollections, notes: notesByVerse };
  };

  const renderMarks = async (): Promise<void> => {
    const marks = await loadMarks();
    for (const [verseKey, article] of verseElements) {
      const bookmarked = marks.bookmarks.has(verseKey);
      const isReading = marks.reading === verseKey;
      const collections = marks.collections.get(verseKey) ?? [];
      const notes = marks.notes.get(verseKey) ?? [];
      article.classList.toggle('is-bookmarked', bookmarked);
      article.classList.toggle('is-reading', isReading);
      const bookmarkButton = article.querySelector<HTMLButtonElement>('[data-action=bookmark]')!;
      bookmarkButton.textContent = bookmarked ? '★ Bookmarked' : '☆ Bookmark';
      bookmarkButton.setAttribute('aria-pressed', String(bookmarked));
      const readingButton = article.querySelector<HTMLButtonElement>('[data-action=reading]')!;
      readingButton.textContent = isReading ? '⚑ Reading here' : '⚑ Reading position';
      readingButton.setAttribute('aria-pressed', String(isReading));
      mount(
        article.querySelector('.verse-badges')!,
        isReading ? h('span', { class: 'badge reading-badge', 'data-testid': 'reading-badge' }, 'Reading position') : null,
        collections.map((name) => h('span', { class: 'badge collection-badge' }, name)),
      );
      mount(
        article.querySelector('.verse-notes')!,
        notes.map((note) =>
          h('a', { class: 'note-snippet', href: '#/notes', 'data-note-id': note.id }, h('span', { class: 'note-range' }, note.ranges.join(', ')), note.body),
        ),
      );
    }
    // The verses now show the user's marks (tests wait for this before looking).
    list.dataset.marks = 'ready';
  };

  const location = (verse: Verse) => ({ type: 'ayah' as const, key: chapterNumber, verseNumber: verse.number });

  const toggleBookmark = async (verse: Verse): Promise<void> => {
    const { bookmarks } = ctx.services.userData;
    if (await bookmarks.find(location(verse))) {
      await bookmarks.remove(location(verse));
      ctx.notify(`Bookmark on ${verse.key} removed`);
    } else {
      await bookmarks.add(location(verse));
      ctx.notify(`Bookmarked ${verse.key}`);
    }
  };

  const setReading = async (verse: Verse): Promise<void> => {
    await ctx.services.userData.readingSessions.record({ chapterNumber, verseNumber: verse.number });
    ctx.notify(`Reading position set to ${verse.key}`);
  };

  const addToCollection = async (verse: Verse): Promise<void> => {
    const { collections } = ctx.services.userData;
    const existing = await collections.list();
    const select = h(
      'select',
      { 'data-testid': 'collection-select' },
      existing.map((c) => h('option', { value: c.id }, `${c.name} (${c.bookmarksCount})`)),
      h('option', { value: '' }, 'New collection…'),
    );
    const name = h('input', { type: 'text', placeholder: 'Collection name', maxlength: 255, 'data-testid': 'collection-name' });
    const syncVisibility = (): void => {
      name.hidden = select.value !== '';
    };
    select.addEventListener('change', syncVisibility);
    if (existing.length === 0) select.value = '';
    syncVisibility();
    await openDialog(
      `Add ${verse.key} to a collection`,
      h('div', { class: 'form' }, h('label', {}, 'Collection', select), name),
      [
        { label: 'Cancel' },
        {
          label: 'Add',
          kind: 'primary',
          testId: 'collection-add',
          run: async () => {
            let id = select.value;
            if (!id) {
              if (!name.value.trim()) throw new Error('Give the new collection a name.');
              id = (await collections.create(name.value.trim())).id;
            }
            await collections.addBookmark(id, location(verse));
            ctx.notify(`${verse.key} added to the collection`);
          },
        },
      ],
      'collection-dialog',
    );
  };

  const addNote = async (verse: Verse): Promise<void> => {
    const max = chapter?.versesCount ?? verse.number;
    const from = h('input', { type: 'number', min: 1, max, value: verse.number, 'data-testid': 'note-from' });
    const to = h('input', { type: 'number', min: 1, max, value: verse.number, 'data-testid': 'note-to' });
    const body = h('textarea', { rows: 5, placeholder: 'Your note (at least 6 characters)', 'data-testid': 'note-body' });
    await openDialog(
      `Note on ${chapterNumber}:${verse.number}`,
      h('div', { class: 'form' }, h('div', { class: 'range-inputs' }, h('label', {}, `Verses ${chapterNumber}:`, from), h('label', {}, 'to', to)), body),
      [
        { label: 'Cancel' },
        {
          label: 'Save note',
          kind: 'primary',
          testId: 'note-save',
          run: async () => {
            const a = Number(from.value);
            const b = Number(to.value);
            if (!(a >= 1 && b >= a && b <= max)) throw new Error(`Choose verses between 1 and ${max}, the first not after the last.`);
            await ctx.services.userData.notes.create({ body: body.value, ranges: [`${chapterNumber}:${a}-${chapterNumber}:${b}`] });
            ctx.notify('Note saved');
          },
        },
      ],
      'note-dialog',
    );
  };

  const ready = renderContent().then(() => {
    if (focusVerse) element.querySelector(`#verse-${focusVerse}`)?.scrollIntoView({ block: 'start' });
  });
  void ready;
  return {
    element,
    refresh: (what) => (what === 'user' ? renderMarks() : renderContent()),
  };
}
