import type { BrowserContext, Page } from 'playwright';
import type { BrowserCommand } from 'vitest/node';
// Brings in the playwright provider's `page` and `context` on the command context.
import type {} from '@vitest/browser-playwright';

/**
 * Browser commands (run on the Node side, called from tests with `commands.*`) that open real extra tabs:
 * new pages in the test's own browser context, on the test's origin, so they share its IndexedDB databases,
 * Web Locks and BroadcastChannels exactly as two tabs of one site do. Each tab loads `tab.html`, whose
 * `tab-page.ts` exposes a small driver (`TabDriver`) that the test calls through `tabCall`.
 */
const tabs = new Map<string, Page>();
/** Tabs opened as separate devices own their browser context (own storage, own network switch). */
const deviceContexts = new Map<string, BrowserContext>();
let opened = 0;

async function openDriverPage(context: BrowserContext, testPageUrl: string): Promise<string> {
  const page = await context.newPage();
  await page.goto(new URL('/src/testing/browser/tab.html', testPageUrl).href);
  await page.waitForFunction(() => (globalThis as { qsTab?: unknown }).qsTab !== undefined);
  const id = `tab-${++opened}`;
  tabs.set(id, page);
  return id;
}

const openTab: BrowserCommand<[]> = async (ctx) => openDriverPage(ctx.context, ctx.page.url());

/**
 * A tab in a NEW browser context: another device of the same user (nothing shared with the test's tabs but the
 * server), whose network `setOffline` can cut.
 */
const openDevice: BrowserCommand<[]> = async (ctx) => {
  const browser = ctx.context.browser();
  if (!browser) throw new Error('no browser behind the test context');
  const context = await browser.newContext();
  const id = await openDriverPage(context, ctx.page.url());
  deviceContexts.set(id, context);
  return id;
};

/** Cuts (or restores) the network of a device opened with `openDevice` (Playwright's offline emulation). */
const setOffline: BrowserCommand<[id: string, offline: boolean]> = async (_ctx, id, offline) => {
  const context = deviceContexts.get(id);
  if (!context) throw new Error(`${id} is not a device (openDevice)`);
  await context.setOffline(offline);
};

const tabCall: BrowserCommand<[id: string, method: string, args: unknown[]]> = async (_ctx, id, method, args) => {
  const page = pageOf(id);
  return page.evaluate(
    ([m, a]) => {
      const driver = (globalThis as unknown as { qsTab: Record<string, (...args: unknown[]) => unknown> }).qsTab;
      return driver[m as string]!(...(a as unknown[]));
    },
    [method, args] as const,
  );
};

/** Reloads the tab (its JavaScript state is gone; IndexedDB stays) and waits for the driver again. */
const reloadTab: BrowserCommand<[id: string]> = async (_ctx, id) => {
  const page = pageOf(id);
  await page.reload();
  await page.waitForFunction(() => (globalThis as { qsTab?: unknown }).qsTab !== undefined);
};

const closeTab: BrowserCommand<[id: string]> = async (_ctx, id) => {
  const page = tabs.get(id);
  const context = deviceContexts.get(id);
  tabs.delete(id);
  deviceContexts.delete(id);
  await page?.close();
  await context?.close();
};

function pageOf(id: string): Page {
  const page = tabs.get(id);
  if (!page) throw new Error(`no tab ${id}`);
  return page;
}

export const tabCommands = { openTab, openDevice, setOffline, tabCall, reloadTab, closeTab };

declare module 'vitest/browser' {
  interface BrowserCommands {
    openTab(): Promise<string>;
    openDevice(): Promise<string>;
    setOffline(id: string, offline: boolean): Promise<void>;
    tabCall(id: string, method: string, args: unknown[]): Promise<unknown>;
    reloadTab(id: string): Promise<void>;
    closeTab(id: string): Promise<void>;
  }
}
