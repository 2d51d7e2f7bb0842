import type { UserSession } from '@quran-sync/client';
import { forgetSession, loadSession, startSignIn } from './auth-session.js';
import { h, mount } from './dom.js';
import type { ReaderContext, View } from './reader-context.js';
import { BASE_URL, CLIENT_ID, CONTENT_SYNC_INTERVAL_MS, REDIRECT_URI } from './reader-config.js';
import { chosenTranslations, openReaderServices, saveChosenTranslations, TRANSLATIONS_KEY } from './reader-services.js';
import { contentFilter } from './translation-catalogue.js';
import { openDialog } from './ui/dialog.js';
import { logo } from './ui/logo.js';
import { SyncStatusIndicator } from './ui/sync-status.js';
import { chapterView } from './views/chapter-view.js';
import { chaptersView } from './views/chapters-view.js';
import { collectionsView } from './views/collections-view.js';
import { notesView } from './views/notes-view.js';
import { translationsView } from './views/translations-view.js';

/**
 * The signed-in reader: header (navigation, sync status, account), the current screen, and the wiring that
 * keeps screens current — local writes, syncs, and other tabs all end in a view `refresh`.
 */
export async function startReader(root: HTMLElement, session: UserSession): Promise<void> {
  const services = await openReaderServices(session);
  const { content, userData } = services;
  const status = new SyncStatusIndicator(services, () => void signInAgain());
  const toast = h('div', { class: 'toast', role: 'status', 'data-testid': 'toast' });
  const nav = h(
    'nav',
    { class: 'nav', hidden: true },
    [
      ['#/', 'Chapters', 'nav-chapters'],
      ['#/collections', 'Collections', 'nav-collections'],
      ['#/notes', 'Notes', 'nav-notes'],
      ['#/translations', 'Translations', 'nav-translations'],
    ].map(([href, label, testId]) => h('a', { href: href!, 'data-testid': testId }, label)),
  );
  const header = h(
    'header',
    { class: 'topbar' },
    h('a', { class: 'brand', href: '#/' }, logo('brand-mark'), 'Quran Reader'),
    nav,
    h(
      'div',
      { class: 'topbar-end' },
      status.element,
      h('button', { type: 'button', class: 'account', title: 'Account', 'data-testid': 'account', onclick: () => void signOut() }, services.user.name),
    ),
  );
  const outlet = h('div', { class: 'outlet' });
  mount(root, header, outlet, toast);

  let toastTimer: ReturnType<typeof setTimeout> | undefined;
  const ctx: ReaderContext = {
    services,
    translations: () => chosenTranslations() ?? [],
    navigate: (hash) => {
      if (location.hash === hash) void route();
      else location.hash = hash;
    },
    notify: (message) => {
      toast.textContent = message;
      toast.classList.add('visible');
      clearTimeout(toastTimer);
      toastTimer = setTimeout(() => toast.classList.remove('visible'), 2500);
    },
  };

  let current: View | null = null;
  const show = (view: View): void => {
    current = view;
    mount(outlet, view.element);
    scrollTo(0, 0);
  };

  let started = false;
  const startBackgroundSync = (): void => {
    if (started) return;
    started = true;
    nav.hidden = false;
    userData.start();
    content.start({ intervalMs: CONTENT_SYNC_INTERVAL_MS });
    // The content loop waits out its interval; coming back online should not.
    addEventListener('online', () => void content.sync().catch(() => undefined));
  };

  /**
   * The chosen translations as the user's App State setting: read at start, sent or read again when the
   * connection comes back and when the tab is shown again. A choice made on another device is applied here
   * by downloading it; a change made here and not yet sent wins until the server has it.
   */
  const syncTranslationsSetting = async (): Promise<void> => {
    // Offline, a sync could only fail (or, through the service worker, reach past the browser's offline
    // state); the 'online' event below runs it when the network is back.
    if (!navigator.onLine) return;
    const setting = services.translationsSetting;
    try {
      const outcome = await setting.sync();
      const applied = chosenTranslations();
      // A choice made before the setting existed becomes the setting.
      if (outcome === 'absent' && applied) await setting.set(applied);
      const wanted = setting.value();
      if (!started || !wanted || setting.pending() || sameIds(wanted, applied)) return;
      saveChosenTranslations(wanted);
      content.setResources(contentFilter(wanted));
      ctx.notify('Translations changed on another device: downloading them');
      // The view refreshes on the content sync's `synced` event. A run already in progress (the loop's, or
      // the one coming back online starts) is joined and uses the old filter; the next one uses the new.
      await content.sync().catch(() => undefined);
      await content.sync();
    } catch (cause) {
      console.warn('translations setting not synced', cause);
    }
  };
  addEventListener('online', () => void syncTranslationsSetting());
  // Another tab of this browser applied other translations (chosen there, or adopted from the setting): follow
  // it, so no two tabs sync the shared content database with different filters, each undoing the other.
  addEventListener('storage', (event) => {
    const ids = event.key === TRANSLATIONS_KEY ? chosenTranslations() : null;
    if (!ids) return;
    content.setResources(contentFilter(ids));
    void current?.refresh?.('content');
  });
  document.addEventListener('visibilitychange', () => void (document.visibilityState === 'visible' && syncTranslationsSetting()));

  const route = async (): Promise<void> => {
    if (!started) return;
    const parts = location.hash.replace(/^#\/?/, '').split('/');
    for (const link of nav.querySelectorAll('a'))
      link.classList.toggle('active', link.getAttribute('href') === `#/${parts[0] === 'chapter' ? '' : (parts[0] ?? '')}`);
    if (parts[0] === 'chapter' && Number(parts[1]) >= 1 && Number(parts[1]) <= 114)
      show(chapterView(ctx, Number(parts[1]), parts[2] ? Number(parts[2]) : null));
    else if (parts[0] === 'collections') show(collectionsView(ctx));
    else if (parts[0] === 'notes') show(notesView(ctx));
    else if (parts[0] === 'translations') show(translationsView(ctx, () => ctx.notify('Translations updated'), false));
    else show(chaptersView(ctx));
  };
  addEventListener('hashchange', () => void route());

  // Keep the screen current: this tab's writes, other tabs' writes (through the SDK's BroadcastChannel), syncs.
  userData.subscribe(() => void current?.refresh?.('user'));
  content.on('synced', (summary) => {
    if (summary.mutationsApplied > 0 || summary.snapshotsFetched > 0 || summary.resourcesRemoved > 0) void current?.refresh?.('content');
  });
  content.on('otherContextSynced', () => void current?.refresh?.('content'));

  async function signOut(): Promise<void> {
    const pending = await userData.pendingCount();
    await openDialog(
      `Sign out ${services.user.name}?`,
      h(
        'p',
        {},
        pending > 0
          ? `${pending} change${pending === 1 ? ' has' : 's have'} not reached the server yet and will be lost. Sync first to keep ${pending === 1 ? 'it' : 'them'}.`
          : 'Your bookmarks, collections and notes are removed from this device; they stay on the server. The downloaded Quran text stays.',
      ),
      [
        { label: 'Cancel' },
        {
          label: 'Sign out',
          kind: 'danger',
          testId: 'sign-out-confirm',
          run: async () => {
            await userData.signOut({ force: true });
            await content.close();
            // The stored session holds the newest refresh token (another tab may have rotated this tab's copy).
            const refreshToken = (await loadSession())?.refreshToken ?? services.tokens.currentSession?.refreshToken;
            if (refreshToken) {
              // Best effort: a public client may revoke its own refresh token.
              await fetch(`${BASE_URL}/oauth2/revoke`, { method: 'POST', body: new URLSearchParams({ token: refreshToken, client_id: CLIENT_ID }) }).catch(
                () => undefined,
              );
            }
            await forgetSession();
            location.replace(REDIRECT_URI);
          },
        },
      ],
    );
  }

  async function signInAgain(): Promise<void> {
    await forgetSession();
    await startSignIn();
  }

  const ready = chosenTranslations() !== null && (await content.freshness()).lastSyncedAt !== null;
  if (ready) {
    startBackgroundSync();
    await route();
    void syncTranslationsSetting();
  } else {
    // The picker offers the choice the user made on another device: give the read a moment, no more.
    await Promise.race([syncTranslationsSetting(), new Promise((resolve) => setTimeout(resolve, 3000))]);
    show(
      translationsView(
        ctx,
        () => {
          startBackgroundSync();
          setTimeout(() => ctx.navigate('#/'), 600);
        },
        true,
      ),
    );
  }
}

function sameIds(a: readonly number[], b: readonly number[] | null): boolean {
  return b !== null && a.length === b.length && a.every((id, i) => id === b[i]);
}
