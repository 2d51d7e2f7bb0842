import type { QuarantinedEntry, UserSyncClient } from '@quran-sync/client';
import { h } from '../dom.js';
import { describeChange } from './change-description.js';

/**
 * The part of the sync dialog for changes the server refused for good (the SDK's quarantine). The SDK has
 * already rolled their records back to what the server holds, so a refused new note is no longer shown
 * anywhere else: this list is where the user finds it, learns why, and decides. Retry queues them again
 * (useful once the cause is gone, e.g. after signing in again with the missing permission); Discard drops
 * them for good. Either way the section is replaced by what happened, and `onChange` updates the pill.
 * A 403 means the login lacks a scope (it was granted narrower than the reader asks for): signing in again
 * asks for every scope, and keeps the quarantine (the user's database stays), so Retry then succeeds.
 */
export function quarantineSection(
  userData: UserSyncClient,
  entries: readonly QuarantinedEntry[],
  onChange: () => void,
  onSignInAgain: () => void,
): HTMLElement {
  const count = entries.length;
  const them = count === 1 ? 'it' : 'them';
  const section = h(
    'section',
    { class: 'quarantine', 'data-testid': 'quarantine' },
    h('h3', {}, count === 1 ? 'A change the server refused' : `${count} changes the server refused`),
    h('p', {}, `Not saved on the server, so this device no longer shows ${them}. Retry sends ${them} again; Discard deletes ${them} for good.`),
    h(
      'ul',
      {},
      entries.map((entry) =>
        h(
          'li',
          { 'data-testid': 'quarantine-item' },
          h('strong', {}, describeChange(entry)),
          h('span', { class: 'quarantine-reason' }, describeRefusal(entry)),
          h('span', { class: 'quarantine-detail' }, `Server: ${entry.error.message} (${entry.error.status})`),
        ),
      ),
    ),
  );
  const act = async (run: () => Promise<number>, done: (n: number) => string): Promise<void> => {
    const n = await run();
    section.replaceChildren(h('p', { 'data-testid': 'quarantine-done' }, done(n)));
    onChange();
  };
  section.append(
    h(
      'div',
      { class: 'dialog-inline-actions' },
      h(
        'button',
        {
          type: 'button',
          class: 'button plain',
          'data-testid': 'quarantine-retry',
          onclick: () =>
            void act(
              () => userData.quarantine.retry(),
              (n) => `${plural(n, 'change')} queued again.`,
            ),
        },
        'Retry',
      ),
      entries.some((entry) => entry.error.status === 403)
        ? h('button', { type: 'button', class: 'button plain', 'data-testid': 'quarantine-sign-in', onclick: onSignInAgain }, 'Sign in again')
        : null,
      h(
        'button',
        {
          type: 'button',
          class: 'button danger',
          'data-testid': 'quarantine-discard',
          onclick: () =>
            void act(
              () => userData.quarantine.discard(),
              (n) => `${plural(n, 'change')} discarded.`,
            ),
        },
        'Discard',
      ),
    ),
  );
  return section;
}

const plural = (n: number, noun: string): string => `${n} ${noun}${n === 1 ? '' : 's'}`;

/** Why, in plain words (the server's own message is shown under it, for whoever needs the detail). */
function describeRefusal(entry: QuarantinedEntry): string {
  const { status } = entry.error;
  if (status === 403) return 'Your sign-in does not allow this: sign in again, then Retry.';
  if (status === 413) return 'Too large for the server.';
  return 'The server did not accept it.';
}
