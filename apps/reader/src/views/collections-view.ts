import { h, mount } from '../dom.js';
import type { ReaderContext, View } from '../reader-context.js';
import { openDialog } from '../ui/dialog.js';

/** Collections: create, rename, delete, and the verses in each (links back to the reading view). */
export function collectionsView(ctx: ReaderContext): View {
  const { collections } = ctx.services.userData;
  const listElement = h('div', { class: 'collection-list', 'data-testid': 'collection-list' });
  const name = h('input', { type: 'text', placeholder: 'New collection', maxlength: 255, 'data-testid': 'new-collection-name' });
  const form = h(
    'form',
    {
      class: 'inline-form',
      onsubmit: async (event: Event) => {
        event.preventDefault();
        if (!name.value.trim()) return;
        try {
          await collections.create(name.value.trim());
          name.value = '';
        } catch (cause) {
          ctx.notify(cause instanceof Error ? cause.message : String(cause));
        }
      },
    },
    name,
    h('button', { class: 'button primary', type: 'submit', 'data-testid': 'create-collection' }, 'Create'),
  );
  const element = h('main', { class: 'page' }, h('h1', { class: 'page-title' }, 'Collections'), form, listElement);

  const render = async (): Promise<void> => {
    const all = await collections.list();
    const cards = await Promise.all(
      all.map(async (c) => {
        const bookmarks = (await collections.bookmarks(c.id)).filter((b) => b.type === 'ayah');
        return h(
          'section',
          { class: 'card collection', 'data-collection': c.name },
          h(
            'header',
            { class: 'collection-head' },
            h('h2', {}, c.isDefault ? 'Default collection' : c.name, c.pending ? h('span', { class: 'pending-dot', title: 'Not synced yet' }) : null),
            h('span', { class: 'count' }, `${bookmarks.length} verse${bookmarks.length === 1 ? '' : 's'}`),
            c.isDefault
              ? null
              : h(
                  'span',
                  { class: 'collection-tools' },
                  h('button', { type: 'button', class: 'link', onclick: () => void rename(c.id, c.name) }, 'Rename'),
                  h('button', { type: 'button', class: 'link danger', onclick: () => void remove(c.id, c.name) }, 'Delete'),
                ),
          ),
          bookmarks.length > 0
            ? h(
                'ul',
                { class: 'verse-links' },
                bookmarks
                  .sort((a, b) => a.key - b.key || (a.verseNumber ?? 0) - (b.verseNumber ?? 0))
                  .map((b) => h('li', {}, h('a', { href: `#/chapter/${b.key}/${b.verseNumber}` }, `${b.key}:${b.verseNumber}`))),
              )
            : h('p', { class: 'empty' }, 'No verses yet. Use “+ Collection” on a verse.'),
        );
      }),
    );
    mount(listElement, cards.length > 0 ? cards : h('p', { class: 'empty' }, 'No collections yet.'));
  };

  const rename = async (id: string, current: string): Promise<void> => {
    const input = h('input', { type: 'text', value: current, maxlength: 255 });
    await openDialog('Rename collection', h('div', { class: 'form' }, input), [
      { label: 'Cancel' },
      { label: 'Rename', kind: 'primary', run: () => collections.rename(id, input.value.trim()) },
    ]);
  };
  const remove = async (id: string, current: string): Promise<void> => {
    await openDialog(`Delete “${current}”?`, h('p', {}, 'Bookmarks that are in no other collection are removed too.'), [
      { label: 'Cancel' },
      { label: 'Delete', kind: 'danger', run: () => collections.delete(id) },
    ]);
  };

  void render();
  return { element, refresh: (what) => (what === 'user' ? render() : Promise.resolve()) };
}
