import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import type { UserSession } from '@quran-sync/client';
import { startTestServer, type TestServer } from '@quran-sync/server/testing';

const here = path.dirname(fileURLToPath(import.meta.url));
export const READER_DIST = path.resolve(here, '../dist');
const ARTIFACTS = path.resolve(here, '../test-results');
const DOCS_IMAGES = path.resolve(here, '../../../docs/images');

/** Debian's Chromium (the issue asks for it; `.ci/run` installs it when missing), or CHROMIUM_PATH. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/**
 * A real server on a real (in-memory PGlite, or QS_TEST_DATABASE_URL) database, seeded with the bundled
 * content, with the dev user and the reader's public OAuth client, serving the built reader.
 */
export async function startReaderServer(): Promise<TestServer> {
  if (!fs.existsSync(path.join(READER_DIST, 'index.html')))
    throw new Error(`no reader build in ${READER_DIST}: run npm run build -w apps/reader (npm run test:browser:reader does)`);
  return startTestServer({ seedOnStart: true, createDevCredentials: true, readerDir: READER_DIST });
}

export async function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-background-networking'] });
}

/** A browser context is a device: its own IndexedDB, localStorage, service worker and cookies. */
export async function newDevice(browser: Browser): Promise<BrowserContext> {
  return browser.newContext({ viewport: { width: 1200, height: 860 }, deviceScaleFactor: 1, locale: 'en-US', timezoneId: 'UTC' });
}

/** Signs in as dev / dev-password through the server's real login page. */
export async function signIn(page: Page, baseUrl: string): Promise<void> {
  await page.goto(`${baseUrl}/reader/`);
  await page.getByTestId('sign-in').click();
  await page.waitForURL(/\/oauth2\/auth/);
  await page.locator('#username').fill('dev');
  await page.locator('#password').fill('dev-password');
  await page.locator('button[value=allow]').click();
  await page.waitForURL(/\/reader\/(#.*)?$/);
}

/** Picks translations and downloads them; resolves when the chapter list shows. Returns the progress values seen. */
export async function downloadTranslations(page: Page, ids: readonly number[], screenshotName?: string): Promise<number[]> {
  await page.getByTestId('translations-view').waitFor();
  for (const box of await page.locator('[data-testid^=translation-]').all()) {
    const id = Number((await box.getAttribute('data-testid'))!.replace('translation-', ''));
    await box.setChecked(ids.includes(id));
  }
  // Every value the progress bar takes, recorded in the page as it changes.
  await page.evaluate(() => {
    const seen: number[] = [];
    (window as unknown as { progressSeen: number[] }).progressSeen = seen;
    const bar = document.querySelector('[data-testid=bootstrap-progress]')!;
    new MutationObserver(() => seen.push(Number(bar.getAttribute('aria-valuenow') ?? -1))).observe(bar, {
      attributes: true,
      attributeFilter: ['aria-valuenow'],
    });
  });
  await page.getByTestId('download').click();
  if (screenshotName) {
    // The bar part-way, for the docs; a download too quick to catch still passes.
    await page
      .waitForFunction(() => Number(document.querySelector('[data-testid=bootstrap-progress]')?.getAttribute('aria-valuenow') ?? 0) >= 30, undefined, {
        timeout: 60_000,
        polling: 50,
      })
      .catch(() => undefined);
    await screenshot(page, screenshotName);
  }
  await page.getByTestId('chapter-list').locator('a').first().waitFor({ timeout: 180_000 });
  return page.evaluate(() => (window as unknown as { progressSeen: number[] }).progressSeen);
}

/** Waits until the service worker controls the page, so a reload works with no network. */
export async function waitForServiceWorker(page: Page): Promise<void> {
  await page.evaluate(async () => {
    await navigator.serviceWorker.ready;
    if (!navigator.serviceWorker.controller)
      await new Promise((resolve) => navigator.serviceWorker.addEventListener('controllerchange', resolve, { once: true }));
  });
}

export function syncStatus(page: Page) {
  return page.getByTestId('sync-status');
}

/** Opens the sync dialog and runs "Sync now" (both engines), waiting until the dialog closes. */
export async function syncNow(page: Page): Promise<void> {
  await syncStatus(page).click();
  await page.getByTestId('sync-now').click();
  await page.getByTestId('sync-dialog').waitFor({ state: 'detached' });
}

/** Saves a screenshot as a test artifact, and into docs/images when UPDATE_SCREENSHOTS=1. */
export async function screenshot(page: Page, name: string): Promise<void> {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  const file = path.join(ARTIFACTS, `reader-${name}.png`);
  // Not with a passing notification over the content.
  await page
    .locator('.toast.visible')
    .waitFor({ state: 'detached', timeout: 5000 })
    .catch(() => undefined);
  await page.screenshot({ path: file });
  if (process.env.UPDATE_SCREENSHOTS === '1') {
    fs.mkdirSync(DOCS_IMAGES, { recursive: true });
    fs.copyFileSync(file, path.join(DOCS_IMAGES, `reader-${name}.png`));
  }
}

/**
 * Problems a page reports on its own: uncaught exceptions and unhandled rejections, and Content-Security-Policy
 * refusals (the reader is served under a strict CSP). Network errors while offline are expected and not counted.
 */
export function trackPageProblems(context: BrowserContext): string[] {
  const problems: string[] = [];
  const watch = (page: Page): void => {
    page.on('pageerror', (error) => problems.push(`${page.url()}: ${error.message}`));
    page.on('console', (message) => {
      if (message.type() === 'error' && /Content.Security.Policy|Refused to/i.test(message.text())) problems.push(`${page.url()}: ${message.text()}`);
    });
  };
  context.pages().forEach(watch);
  context.on('page', watch);
  return problems;
}

export function verse(page: Page, key: string) {
  return page.locator(`[data-verse-key="${key}"]`);
}

/** The reader's stored sign-in (IndexedDB `quran-reader-session`, key `current`, shared by the device's tabs). */
export function storedSession(page: Page): Promise<UserSession | null> {
  return page.evaluate<unknown, SessionOp>(sessionStorageRequest, { op: 'get' }) as Promise<UserSession | null>;
}

/** Replaces the stored sign-in, as another tab's refresh would; the reader's tabs read it when they refresh or start. */
export async function storeSession(page: Page, session: UserSession): Promise<void> {
  await page.evaluate<unknown, SessionOp>(sessionStorageRequest, { op: 'put', session });
}

/** Removes the stored sign-in (what signing out does). */
export async function deleteStoredSession(page: Page): Promise<void> {
  await page.evaluate<unknown, SessionOp>(sessionStorageRequest, { op: 'delete' });
}

type SessionOp = { readonly op: 'get' } | { readonly op: 'put'; readonly session: UserSession } | { readonly op: 'delete' };

/** Runs in the page (self-contained: playwright sends its source). */
function sessionStorageRequest(command: SessionOp): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const open = indexedDB.open('quran-reader-session');
    open.onerror = () => reject(open.error);
    open.onsuccess = () => {
      const db = open.result;
      const tx = db.transaction('sessions', command.op === 'get' ? 'readonly' : 'readwrite');
      const store = tx.objectStore('sessions');
      const request = command.op === 'get' ? store.get('current') : command.op === 'put' ? store.put(command.session, 'current') : store.delete('current');
      tx.oncomplete = () => {
        db.close();
        resolve(command.op === 'get' ? (request.result ?? null) : null);
      };
      tx.onerror = () => reject(tx.error);
    };
  });
}
