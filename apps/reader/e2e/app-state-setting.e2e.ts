import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from '@quran-sync/server/testing';
import { downloadTranslations, launchChromium, newDevice, signIn, startReaderServer, storedSession, trackPageProblems, verse } from './reader-harness.js';

/**
 * The chosen translations follow the dev user between two devices (browser contexts) through App State:
 * the setting a device writes is offered by the other at its first sign-in, and applied by a running
 * device when it syncs (here: when its connection comes back).
 */
describe('reader settings through App State, in Chromium', () => {
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

  /** The document `settings/translations` as the server holds it, read with the page's own sign-in. */
  const settingOnServer = async (page: Page): Promise<unknown> => {
    const session = (await storedSession(page))!;
    const res = await fetch(`${server.url}/auth/v1/app-state/settings/translations`, {
      headers: { 'x-auth-token': session.accessToken, 'x-client-id': 'quran-reader' },
    });
    return res.status === 404 ? null : ((await res.json()) as { data: { value: unknown } }).data.value;
  };
  const checkedTranslations = (page: Page): Promise<number[]> =>
    page
      .locator('[data-testid^=translation-]:checked')
      .evaluateAll((boxes) => boxes.map((box) => Number(box.getAttribute('data-testid')!.replace('translation-', ''))));

  it('offers the translations chosen on one device at the first sign-in on another', async () => {
    await signIn(a, server.url);
    await downloadTranslations(a, [20, 9004]);
    await expect.poll(() => settingOnServer(a)).toEqual([20, 9004]);

    await signIn(b, server.url);
    await b.getByTestId('translations-view').waitFor();
    await expect.poll(() => checkedTranslations(b)).toEqual([20, 9004]);
    // Downloading as offered: the phone reads with the laptop's translations.
    await b.getByTestId('download').click();
    await b.getByTestId('chapter-list').locator('a').first().waitFor({ timeout: 180_000 });
    await b.goto(`${server.url}/reader/#/chapter/1`);
    await expect
      .poll(() =>
        verse(b, '1:1')
          .locator('[data-translation]')
          .evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-translation')))),
      )
      .toEqual([20, 9004]);
  });

  it('applies a change made on the other device when the connection comes back', async () => {
    await phone.setOffline(true);
    await a.goto(`${server.url}/reader/#/translations`);
    await a.getByTestId('translation-9001').check();
    await a.getByTestId('download').click();
    await expect.poll(() => a.getByTestId('bootstrap-progress').getAttribute('data-done'), { timeout: 120_000 }).toBe('true');
    await expect.poll(() => settingOnServer(a)).toEqual([20, 9001, 9004]);

    await phone.setOffline(false);
    // The phone adopts the setting and downloads the new translation; the open chapter shows it.
    await expect
      .poll(
        () =>
          verse(b, '1:1')
            .locator('[data-translation]')
            .evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-translation')))),
        { timeout: 60_000 },
      )
      .toEqual([20, 9001, 9004]);
    await expect(verse(b, '1:1').locator('[data-translation="9001"]').textContent()).resolves.toMatch(/[\u0980-\u09FF]/);
    await b.goto(`${server.url}/reader/#/translations`);
    await expect.poll(() => checkedTranslations(b)).toEqual([20, 9001, 9004]);
  });

  it('reported no script error and no CSP refusal in any page', () => {
    expect(problems.flat()).toEqual([]);
  });
});
