import { startSignIn } from '../auth-session.js';
import { h } from '../dom.js';
import { logo } from '../ui/logo.js';

/** Before sign-in: what the reader is, and one button to the server's login page. */
export function signInView(error: string | null): HTMLElement {
  return h(
    'main',
    { class: 'centered' },
    h(
      'section',
      { class: 'card sign-in', 'data-testid': 'sign-in-view' },
      logo('logo'),
      h('h1', {}, 'Quran Reader'),
      h(
        'p',
        { class: 'lead' },
        'Read the Quran with translations, fully offline once downloaded. Bookmarks, reading position, collections and notes follow you to every device.',
      ),
      error ? h('p', { class: 'error', role: 'alert', 'data-testid': 'sign-in-error' }, error) : null,
      h('button', { class: 'button primary large', type: 'button', 'data-testid': 'sign-in', onclick: () => void startSignIn() }, 'Sign in'),
      h(
        'p',
        { class: 'hint' },
        'You sign in on this server’s own login page. On a development server the account is ',
        h('code', {}, 'dev'),
        ' / ',
        h('code', {}, 'dev-password'),
        '.',
      ),
    ),
  );
}
