import { h, mount } from '../dom.js';
import type { ReaderContext, View } from '../reader-context.js';
import { openDialog } from '../ui/dialog.js';
import { parseRange } from '../verse-range.js';

/** Every note, newest first, with its verse ranges (links to the verses), edit and delete. */
export function notesView(ctx: ReaderContext): View {
  const { notes } = ctx.services.userData;
  const listElement = h('div', { class: 'note-list', 'data-testid': 'note-list' });
  const element = h('main', { class: 'page' }, h('h1', { class: 'page-title' }, 'Notes'), listElement);

  const render = async (): Promise<void> => {
    const all = await notes.list();
    mount(
      listElement,
      all.length === 0
        ? h('p', { class: 'empty' }, 'No notes yet. Use “✎ Note” on a verse.')
        : all.map((note) =>
            h(
              'article',
              { class: 'card note', 'data-note-id': note.id },
              h(
                'header',
                { class: 'note-head' },
                note.ranges.map((range) => {
                  const r = parseRange(range);
                  return h('a', { class: 'badge', href: r ? `#/chapter/${r.from.chapter}/${r.from.verse}` : '#/' }, range);
                }),
                note.pending ? h('span', { class: 'pending-dot', title: 'Not synced yet' }) : null,
                h('time', { datetime: note.clientUpdatedAt ?? '' }, note.clientUpdatedAt ? new Date(note.clientUpdatedAt).toLocaleString() : ''),
              ),
              h('p', { class: 'note-body' }, note.body),
              h(
                'div',
                { class: 'note-tools' },
                h('button', { type: 'button', class: 'link', onclick: () => void edit(note.id, note.body) }, 'Edit'),
                h('button', { type: 'button', class: 'link danger', onclick: () => void remove(note.id) }, 'Delete'),
              ),
            ),
          ),
    );
  };

  const edit = async (id: string, body: string): Promise<void> => {
    const input = h('textarea', { rows: 6 });
    input.value = body;
    await openDialog('Edit note', h('div', { class: 'form' }, input), [
      { label: 'Cancel' },
      { label: 'Save', kind: 'primary', run: () => notes.update(id, { body: input.value }) },
    ]);
  };
  const remove = async (id: string): Promise<void> => {
    await openDialog('Delete this note?', h('p', {}, 'It is removed from all your devices at the next sync.'), [
      { label: 'Cancel' },
      { label: 'Delete', kind: 'danger', run: () => notes.delete(id) },
    ]);
  };

  void render();
  return { element, refresh: (what) => (what === 'user' ? render() : Promise.resolve()) };
}
