import { h } from '../dom.js';

export interface DialogAction {
  readonly label: string;
  readonly kind?: 'primary' | 'danger' | 'plain';
  readonly testId?: string;
  /** Return false to keep the dialog open (e.g. invalid input); thrown errors are shown in the dialog. */
  readonly run?: () => unknown | Promise<unknown>;
}

/** A modal `<dialog>` with a title, a body and buttons; resolves when it closes. */
export function openDialog(title: string, body: Node, actions: readonly DialogAction[], testId = 'dialog'): Promise<void> {
  const error = h('p', { class: 'dialog-error', role: 'alert' });
  const dialog = h('dialog', { class: 'dialog', 'data-testid': testId });
  const close = (): void => {
    dialog.close();
    dialog.remove();
  };
  const buttons = actions.map((action) =>
    h(
      'button',
      {
        type: 'button',
        class: `button ${action.kind ?? 'plain'}`,
        'data-testid': action.testId,
        onclick: async () => {
          error.textContent = '';
          try {
            if ((await action.run?.()) !== false) close();
          } catch (cause) {
            error.textContent = cause instanceof Error ? cause.message : String(cause);
          }
        },
      },
      action.label,
    ),
  );
  dialog.append(h('h2', {}, title), body, error, h('div', { class: 'dialog-actions' }, buttons));
  document.body.append(dialog);
  const closed = new Promise<void>((resolve) => dialog.addEventListener('close', () => resolve()));
  dialog.addEventListener('close', () => dialog.remove());
  dialog.showModal();
  return closed;
}
