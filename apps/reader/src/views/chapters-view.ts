import { h, mount } from '../dom.js';
import { listChapters } from '../quran-content.js';
import type { ReaderContext, View } from '../reader-context.js';

/** The chapter list, with "continue reading" at the user's reading position. */
export function chaptersView(ctx: ReaderContext): View {
  const resume = h('div', { class: 'resume-slot' });
  const grid = h('ol', { class: 'chapter-grid', 'data-testid': 'chapter-list' });
  const element = h('main', { class: 'page' }, resume, h('h1', { class: 'page-title' }, 'Chapters'), grid);

  const renderResume = async (): Promise<void> => {
    const [session] = await ctx.services.userData.readingSessions.list();
    mount(
      resume,
      session
        ? h(
            'a',
            { class: 'resume card', href: `#/chapter/${session.chapterNumber}/${session.verseNumber}`, 'data-testid': 'continue-reading' },
            h('span', { class: 'resume-label' }, 'Continue reading'),
            h('strong', {}, `${session.chapterNumber}:${session.verseNumber}`),
            h('span', { class: 'resume-arrow', 'aria-hidden': 'true' }, '→'),
          )
        : null,
    );
  };
  const renderChapters = async (): Promise<void> => {
    const chapters = await listChapters(ctx.services.contentStore);
    mount(
      grid,
      chapters.map((c) =>
        h(
          'li',
          {},
          h(
            'a',
            { class: 'chapter-card', href: `#/chapter/${c.number}`, 'data-testid': `chapter-${c.number}` },
            h('span', { class: 'chapter-number' }, c.number),
            h(
              'span',
              { class: 'chapter-names' },
              h('strong', {}, c.nameSimple),
              h('small', {}, `${c.versesCount} verses · ${c.revelationPlace === 'madinah' ? 'Medinan' : 'Meccan'}`),
            ),
            h('span', { class: 'arabic chapter-arabic', lang: 'ar', dir: 'rtl' }, c.nameArabic),
          ),
        ),
      ),
    );
  };
  void renderResume();
  void renderChapters();
  return {
    element,
    refresh: (what) => (what === 'user' ? renderResume() : renderChapters()),
  };
}
