import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from '@quran-sync/server/testing';
import {
  deleteStoredSession,
  downloadTranslations,
  launchChromium,
  newDevice,
  screenshot,
  signIn,
  startReaderServer,
  storedSession,
  storeSession,
  syncNow,
  syncStatus,
  trackPageProblems,
  verse,
  waitForServiceWorker,
} from './reader-harness.js';

/**
 * The reader end to end, as a user would use it: a real server (seeded, built-in issuer, reader served),
 * Debian's Chromium, two browser contexts as two devices of the dev user. The tests build on each other
 * (sign-in, then download, then offline reading, …), like one session of use.
 */
describe('reader in Chromium', () => {
  let server: TestServer;
  let browser: Browser;
  let laptop: BrowserContext;
  let phone: BrowserContext;
  let a: Page;
  let b: Page;
  const problems: string[][] = [];

  beforeAll(async () => {
    [server, browser] = await Promise.all([startReaderServer(), launchChromium()]);
    laptop = await newDevice(browser);
    phone = await newDevice(browser);
    problems.push(trackPageProblems(laptop), trackPageProblems(phone));
    a = await laptop.newPage();
    b = await phone.newPage();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('signs in through the server login page (authorization code + PKCE, public client)', async () => {
    await a.goto(`${server.url}/reader/`);
    await a.getByTestId('sign-in-view').waitFor();
    await screenshot(a, 'sign-in');
    await signIn(a, server.url);
    await a.getByTestId('translations-view').waitFor();
    const session = await storedSession(a);
    expect(session?.refreshToken).toBeTruthy();
    await expect(a.evaluate(() => localStorage.getItem('quran-reader:session'))).resolves.toBeNull();
  });

  it('downloads the Quran text and the chosen translations with a progress bar', async () => {
    const progress = await downloadTranslations(a, [20, 9004], 'download');
    expect(progress.some((p) => p > 0 && p < 100)).toBe(true);
    expect(progress.at(-1)).toBe(100);
    await expect(a.getByTestId('chapter-list').locator('a').count()).resolves.toBe(114);
    await expect(syncStatus(a).getAttribute('data-state')).resolves.toMatch(/synced|syncing/);
  });

  it('reads chapters offline, and after a reload with no network', async () => {
    await waitForServiceWorker(a);
    await expect.poll(() => syncStatus(a).getAttribute('data-state'), { timeout: 60_000 }).toBe('synced');
    // The chosen translations also go to App State once downloaded: wait until that write has been answered, so
    // no request started online is still on its way when the network goes.
    const settingsSent = () =>
      a.evaluate(() =>
        Object.keys(localStorage)
          .filter((key) => key.startsWith('quran-reader:app-state:'))
          .every((key) => (JSON.parse(localStorage.getItem(key) ?? 'null') as { pending?: boolean } | null)?.pending === false),
      );
    await expect.poll(settingsSent, { timeout: 30_000 }).toBe(true);
    await laptop.setOffline(true);
    // Proof that nothing below touches the network: the server sees no request from the app while offline.
    // (Chromium's own update check of the service worker script ignores DevTools' offline emulation and may
    // reach the server; it is the browser's request, not the app's, and its failure would change nothing.)
    const seen: string[] = [];
    const count = (request: { url?: string }): void => void (request.url === '/reader/sw.js' || seen.push(request.url ?? ''));
    server.server.app.server.on('request', count);
    await a.getByTestId('chapter-2').click();
    await verse(a, '2:255').waitFor();
    await expect(a.locator('[data-verse-key]').count()).resolves.toBe(286);
    await expect(verse(a, '2:255').locator('[data-translation="20"]').textContent()).resolves.toMatch(/Allah/);
    await expect(verse(a, '2:255').locator('[data-translation="9004"]').textContent()).resolves.toMatch(/Allah/);
    await expect(verse(a, '2:255').locator('.verse-arabic').textContent()).resolves.toMatch(/[\u0600-\u06FF]/);
    await expect(syncStatus(a).getAttribute('data-state')).resolves.toBe('offline');

    await a.reload();
    await verse(a, '2:255').waitFor();
    await a.goto(`${server.url}/reader/#/chapter/1`);
    await verse(a, '1:7').waitFor();
    await expect(verse(a, '1:1').locator('[data-translation="20"]').textContent()).resolves.toMatch(/Merciful/);
    await expect(
      a.evaluate(() =>
        fetch('/health').then(
          () => 'reached',
          () => 'failed',
        ),
      ),
    ).resolves.toBe('failed');
    server.server.app.server.off('request', count);
    expect(seen).toEqual([]);
    await laptop.setOffline(false);
  });

  it('keeps edits made offline on two devices and converges when they come back online', async () => {
    await signIn(b, server.url);
    await downloadTranslations(b, [20]);
    await waitForServiceWorker(b);
    await laptop.setOffline(true);
    await phone.setOffline(true);

    // Laptop: bookmark 2:255, note on 2:255-257, 2:1 into "Study".
    await a.goto(`${server.url}/reader/#/chapter/2/255`);
    await verse(a, '2:255').locator('[data-action=bookmark]').click();
    await expect.poll(() => verse(a, '2:255').getAttribute('class')).toContain('is-bookmarked');
    await verse(a, '2:255').locator('[data-action=note]').click();
    await a.getByTestId('note-to').fill('257');
    await a.getByTestId('note-body').fill('The Throne verse and the two after it: no compulsion in religion.');
    await a.getByTestId('note-save').click();
    await verse(a, '2:256').locator('.note-snippet').waitFor();
    await verse(a, '2:1').locator('[data-action=collect]').click();
    await a.getByTestId('collection-name').fill('Study');
    await a.getByTestId('collection-add').click();
    await expect.poll(() => verse(a, '2:1').locator('.collection-badge').textContent()).toBe('Study');

    // Phone: bookmark 1:1, reading position 1:5, 1:2 into its own "Study" (same name: one collection after sync).
    await b.goto(`${server.url}/reader/#/chapter/1`);
    await verse(b, '1:1').locator('[data-action=bookmark]').click();
    await verse(b, '1:5').locator('[data-action=reading]').click();
    await verse(b, '1:2').locator('[data-action=collect]').click();
    await b.getByTestId('collection-name').fill('Study');
    await b.getByTestId('collection-add').click();
    await expect.poll(() => verse(b, '1:5').getAttribute('class')).toContain('is-reading');

    await expect.poll(() => syncStatus(a).textContent()).toMatch(/Offline · \d+ pending/);
    await expect.poll(() => syncStatus(b).textContent()).toMatch(/Offline · \d+ pending/);
    await a.evaluate(() => scrollTo(0, 0));
    await screenshot(a, 'offline');

    // Data survives a reload while offline (IndexedDB + the cached app).
    await b.reload();
    await expect.poll(() => verse(b, '1:1').getAttribute('class'), { timeout: 30_000 }).toContain('is-bookmarked');

    await laptop.setOffline(false);
    await phone.setOffline(false);
    for (const page of [a, b]) await expect.poll(() => syncStatus(page).getAttribute('data-state'), { timeout: 60_000 }).toBe('synced');
    // The first device to sync could not see the other's changes yet: one more round each.
    await syncNow(a);
    await syncNow(b);
    await syncNow(a);

    for (const page of [a, b]) {
      await page.goto(`${server.url}/reader/#/chapter/1`);
      await expect.poll(() => verse(page, '1:1').getAttribute('class'), { timeout: 30_000 }).toContain('is-bookmarked');
      await expect.poll(() => verse(page, '1:5').getAttribute('class')).toContain('is-reading');
      await page.goto(`${server.url}/reader/#/chapter/2/255`);
      await expect.poll(() => verse(page, '2:255').getAttribute('class'), { timeout: 30_000 }).toContain('is-bookmarked');
      await expect.poll(() => verse(page, '2:257').locator('.note-snippet').count()).toBe(1);
      await page.goto(`${server.url}/reader/#/collections`);
      await expect.poll(() => page.locator('[data-collection="Study"] .verse-links a').allTextContents(), { timeout: 30_000 }).toEqual(['1:2', '2:1']);
    }
    await a.goto(`${server.url}/reader/#/chapter/2/255`);
    await verse(a, '2:255').locator('.note-snippet').waitFor();
    await screenshot(a, 'chapter');
    await a.goto(`${server.url}/reader/#/collections`);
    await a.locator('[data-collection="Study"]').waitFor();
    await screenshot(a, 'collections');
    await a.goto(`${server.url}/reader/#/notes`);
    await a.locator('[data-note-id]').first().waitFor();
    await screenshot(a, 'notes');
  });

  it('adds a translation later: only the new one is downloaded, and the chapter shows it', async () => {
    await b.goto(`${server.url}/reader/#/translations`);
    await b.getByTestId('translations-view').waitFor();
    await b.getByTestId('translation-9001').check();
    await b.getByTestId('download').click();
    await expect.poll(() => b.getByTestId('bootstrap-progress').getAttribute('data-done'), { timeout: 120_000 }).toBe('true');
    // 6,236 rows: the new translation's verses only; the Quran text and Saheeh International were not modified.
    await expect(b.getByTestId('bootstrap-progress-text').textContent()).resolves.toMatch(/^Done: 6,236 records/);
    await b.goto(`${server.url}/reader/#/chapter/1`);
    await expect
      .poll(() =>
        verse(b, '1:1')
          .locator('[data-translation]')
          .evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-translation')))),
      )
      .toEqual([20, 9001]);
    await expect(verse(b, '1:1').locator('[data-translation="9001"]').textContent()).resolves.toMatch(/[\u0980-\u09FF]/);
  });

  it('signs out (wiping the device’s user data) and gets everything back after signing in again', async () => {
    await b.getByTestId('account').click();
    await b.getByTestId('sign-out-confirm').click();
    await b.getByTestId('sign-in-view').waitFor();
    await expect(storedSession(b)).resolves.toBeNull();
    const databases = await b.evaluate(async () => (await indexedDB.databases()).map((d) => d.name));
    expect(databases).toContain('quran-reader-content');
    await signIn(b, server.url);
    // The downloaded content stayed: straight to the chapters, no second download.
    await b.getByTestId('chapter-list').locator('a').first().waitFor();
    await b.goto(`${server.url}/reader/#/chapter/2/255`);
    await expect.poll(() => verse(b, '2:255').getAttribute('class'), { timeout: 30_000 }).toContain('is-bookmarked');
    await expect.poll(() => verse(b, '2:257').locator('.note-snippet').count()).toBe(1);
  });

  it('shows another tab’s change without a sync', async () => {
    const second = await laptop.newPage();
    await second.goto(`${server.url}/reader/#/chapter/1`);
    await a.goto(`${server.url}/reader/#/chapter/1`);
    await verse(a, '1:3').waitFor();
    await verse(second, '1:3').locator('[data-action=bookmark]').click();
    await expect.poll(() => verse(a, '1:3').getAttribute('class'), { timeout: 30_000 }).toContain('is-bookmarked');
    await second.close();
  });

  it('shows an editorial change after the next content sync', async () => {
    const headers = { ...(await server.authHeaders({ scopes: ['content.write'], userId: null, clientId: 'dev-client' })), 'content-type': 'application/json' };
    const edited = 'In the name of Allah, the Entirely Merciful, the Especially Merciful. [corrected by the editor]';
    const res = await fetch(`${server.url}/admin/v1/resources/translations/20/rows`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ upsert: [{ id: 1, verse_key: '1:1', text: edited, foot_notes: [], verse_id: 1 }] }),
    });
    expect(res.status).toBeLessThan(300);
    await a.goto(`${server.url}/reader/#/chapter/1`);
    await verse(a, '1:1').waitFor();
    await syncNow(a);
    await expect.poll(() => verse(a, '1:1').locator('[data-translation="20"]').textContent(), { timeout: 30_000 }).toContain('[corrected by the editor]');
    await a.goto(`${server.url}/reader/#/`);
    await a.getByTestId('continue-reading').waitFor();
    await screenshot(a, 'chapters');
  });

  it('fits a phone screen', async () => {
    const small = await laptop.newPage();
    await small.setViewportSize({ width: 390, height: 844 });
    await small.goto(`${server.url}/reader/#/chapter/1/5`);
    await small.locator('[data-testid=verses][data-marks=ready]').waitFor();
    await expect.poll(() => verse(small, '1:5').getAttribute('class')).toContain('is-reading');
    await expect(small.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).resolves.toBe(true);
    await screenshot(small, 'mobile');
    await small.close();
  });

  it('says so when the login was ended elsewhere, keeps what was written meanwhile, and sends it after signing in again', async () => {
    // The login is revoked from outside (as "sign out everywhere" would): its refresh token, hence the whole grant.
    const session = (await storedSession(a))!;
    const revoked = await fetch(`${server.url}/oauth2/revoke`, {
      method: 'POST',
      body: new URLSearchParams({ token: session.refreshToken!, client_id: 'quran-reader' }),
    });
    expect(revoked.status).toBe(200);

    await a.goto(`${server.url}/reader/#/chapter/1`);
    await a.locator('[data-testid=verses][data-marks=ready]').waitFor();
    await verse(a, '1:6').locator('[data-action=bookmark]').click();
    await expect.poll(() => syncStatus(a).textContent(), { timeout: 60_000 }).toBe('Sign in again');
    await expect(syncStatus(a).getAttribute('data-state')).resolves.toBe('error');
    await expect.poll(() => verse(a, '1:6').getAttribute('class')).toContain('is-bookmarked');

    await syncStatus(a).click();
    await a.getByTestId('sign-in-again').click();
    await a.waitForURL(/\/oauth2\/auth/);
    await a.locator('#username').fill('dev');
    await a.locator('#password').fill('dev-password');
    await a.locator('button[value=allow]').click();
    await a.locator('[data-testid=chapter-list] a').first().waitFor();
    await expect.poll(() => syncStatus(a).getAttribute('data-state'), { timeout: 60_000 }).toBe('synced');
    // The bookmark written while signed out reached the server: the other device gets it.
    await b.goto(`${server.url}/reader/#/chapter/1`);
    await syncNow(b);
    await expect.poll(() => verse(b, '1:6').getAttribute('class'), { timeout: 30_000 }).toContain('is-bookmarked');
  });

  it('two tabs whose access token expired make one refresh between them and both keep syncing', async () => {
    // The stored session's access token is made to look expired; both tabs start from it. Each must refresh
    // before its first request, under the SDK's Web Lock: the first spends the refresh token, the second
    // re-reads the session from IndexedDB and adopts the new one. Spending it twice would end the login.
    const before = (await storedSession(a))!;
    await storeSession(a, { ...before, expiresAt: Date.now() - 60_000 });
    const tokenRequests: string[] = [];
    const count = (request: { method?: string; url?: string }): void =>
      void (request.url?.startsWith('/oauth2/token') && tokenRequests.push(request.method ?? ''));
    server.server.app.server.on('request', count);
    const second = await laptop.newPage();
    await a.goto(`${server.url}/reader/#/chapter/3`);
    await Promise.all([a.reload(), second.goto(`${server.url}/reader/#/chapter/3`)]);
    for (const page of [a, second]) await page.locator('[data-testid=verses][data-marks=ready]').waitFor();
    await verse(a, '3:2').locator('[data-action=bookmark]').click();
    await verse(second, '3:3').locator('[data-action=bookmark]').click();
    for (const page of [a, second]) {
      await expect.poll(() => verse(page, '3:3').getAttribute('class'), { timeout: 30_000 }).toContain('is-bookmarked');
      await expect.poll(() => syncStatus(page).getAttribute('data-state'), { timeout: 60_000 }).toBe('synced');
    }
    await syncNow(second);
    await syncNow(a);
    server.server.app.server.off('request', count);
    expect(tokenRequests).toEqual(['POST']);
    const after = (await storedSession(a))!;
    expect(after.refreshToken).not.toBe(before.refreshToken);
    expect(after.expiresAt).toBeGreaterThan(Date.now());
    for (const page of [a, second]) await expect(syncStatus(page).textContent()).resolves.toBe('Synced');
    // Both bookmarks reached the server: the other device gets them.
    await b.goto(`${server.url}/reader/#/chapter/3`);
    await syncNow(b);
    for (const key of ['3:2', '3:3']) await expect.poll(() => verse(b, key).getAttribute('class'), { timeout: 30_000 }).toContain('is-bookmarked');
    await second.close();
  });

  it('shows a change the server refused (quarantined) while the rest syncs; discards it, or retries it after signing in again', async () => {
    // A real refusal, no stub: the login is narrowed at the token endpoint (a refresh may ask for fewer scopes,
    // RFC 6749 §6) to everything but `note`, and the reader gets that session as if another tab had refreshed.
    const session = (await storedSession(a))!;
    const res = await fetch(`${server.url}/oauth2/token`, {
      method: 'POST',
      body: new URLSearchParams({
        grant_type: 'refresh_token',
        refresh_token: session.refreshToken!,
        client_id: 'quran-reader',
        scope: 'openid offline_access content sync bookmark collection reading_session preference',
      }),
    });
    expect(res.status).toBe(200);
    const token = (await res.json()) as { access_token: string; refresh_token: string; expires_in: number; scope: string };
    expect(token.scope.split(' ')).not.toContain('note');
    await storeSession(a, {
      ...session,
      accessToken: token.access_token,
      refreshToken: token.refresh_token,
      expiresAt: Date.now() + token.expires_in * 1000,
      scope: token.scope,
    });
    await a.goto(`${server.url}/reader/#/chapter/112`);
    await a.reload();
    await a.locator('[data-testid=verses][data-marks=ready]').waitFor();
    await expect.poll(() => syncStatus(a).getAttribute('data-state'), { timeout: 60_000 }).toBe('synced');

    // Offline, so the bookmark and the note leave in one push: the server refuses that batch (403, no scope
    // for notes), the SDK narrows it down to the note, quarantines it and sends the bookmark.
    await laptop.setOffline(true);
    await verse(a, '112:1').locator('[data-action=bookmark]').click();
    await verse(a, '112:1').locator('[data-action=note]').click();
    await a.getByTestId('note-to').fill('4');
    await a.getByTestId('note-body').fill('Al-Ikhlas: the oneness of God in four verses.');
    await a.getByTestId('note-save').click();
    await verse(a, '112:2').locator('.note-snippet').waitFor();
    await expect.poll(() => syncStatus(a).textContent()).toBe('Offline · 2 pending');
    await laptop.setOffline(false);
    await expect.poll(() => syncStatus(a).textContent(), { timeout: 60_000 }).toBe('1 not synced');
    await expect(syncStatus(a).getAttribute('data-state')).resolves.toBe('error');
    // The refused note is rolled back to what the server holds (nothing); the bookmark stays.
    await expect.poll(() => verse(a, '112:2').locator('.note-snippet').count()).toBe(0);
    await expect(verse(a, '112:1').getAttribute('class')).resolves.toContain('is-bookmarked');

    await syncStatus(a).click();
    await a.getByTestId('quarantine-item').first().waitFor();
    await expect(a.getByTestId('quarantine-item').allTextContents()).resolves.toEqual([
      expect.stringMatching(
        /^New note on 112:1-112:4 “Al-Ikhlas: .*”Your sign-in does not allow this: sign in again, then Retry\.Server: Access token lacks the scope .*note.* \(403\)$/i,
      ),
    ]);
    await screenshot(a, 'quarantine');
    await a.getByTestId('quarantine-discard').click();
    await expect(a.getByTestId('quarantine-done').textContent()).resolves.toBe('1 change discarded.');
    await a.getByTestId('sync-dialog').getByRole('button', { name: 'Close' }).click();
    await expect.poll(() => syncStatus(a).textContent()).toBe('Synced');

    // The other device: the bookmark arrived, the refused note did not.
    await b.goto(`${server.url}/reader/#/chapter/112`);
    await b.locator('[data-testid=verses][data-marks=ready]').waitFor();
    await syncNow(b);
    await expect.poll(() => verse(b, '112:1').getAttribute('class'), { timeout: 30_000 }).toContain('is-bookmarked');
    await expect(b.locator('[data-verse-key^="112:"] .note-snippet').count()).resolves.toBe(0);

    // A second refused note, kept this time: sign in again (the reader asks for every scope), then Retry.
    await verse(a, '112:3').locator('[data-action=note]').click();
    await a.getByTestId('note-body').fill('He begets not, nor was He begotten.');
    await a.getByTestId('note-save').click();
    await expect.poll(() => syncStatus(a).textContent(), { timeout: 60_000 }).toBe('1 not synced');
    await syncStatus(a).click();
    await a.getByTestId('quarantine-sign-in').click();
    await a.waitForURL(/\/oauth2\/auth/);
    await a.locator('#username').fill('dev');
    await a.locator('#password').fill('dev-password');
    await a.locator('button[value=allow]').click();
    await a.locator('[data-testid=chapter-list] a').first().waitFor();
    // Signing in kept the device's data, the quarantine with it.
    await expect.poll(() => syncStatus(a).textContent(), { timeout: 60_000 }).toBe('1 not synced');
    await syncStatus(a).click();
    await a.getByTestId('quarantine-retry').click();
    await expect(a.getByTestId('quarantine-done').textContent()).resolves.toBe('1 change queued again.');
    await a.getByTestId('sync-dialog').getByRole('button', { name: 'Close' }).click();
    await expect.poll(() => syncStatus(a).textContent(), { timeout: 60_000 }).toBe('Synced');
    await syncNow(b);
    await expect.poll(() => verse(b, '112:3').locator('.note-snippet').count(), { timeout: 30_000 }).toBe(1);
  });

  it('moves a session that an older build left in localStorage into IndexedDB, staying signed in', async () => {
    const session = (await storedSession(a))!;
    await deleteStoredSession(a);
    await a.evaluate((value) => localStorage.setItem('quran-reader:session', JSON.stringify(value)), session);
    await a.goto(`${server.url}/reader/#/`);
    await a.reload();
    await a.locator('[data-testid=chapter-list] a').first().waitFor();
    await expect(a.evaluate(() => localStorage.getItem('quran-reader:session'))).resolves.toBeNull();
    await expect(storedSession(a)).resolves.toEqual(session);
    await syncNow(a);
    await expect(syncStatus(a).textContent()).resolves.toBe('Synced');
  });

  it('reported no script error and no CSP refusal in any page', () => {
    expect(problems.flat()).toEqual([]);
  });
});
