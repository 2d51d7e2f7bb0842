import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from '@quran-sync/server/testing';
import {
  downloadTranslations,
  launchChromium,
  newDevice,
  signIn,
  startReaderServer,
  storedSession,
  syncNow,
  syncStatus,
  trackPageProblems,
} from './reader-harness.js';

/**
 * A device whose stores lost records behind the clients' back (a deleted IndexedDB row, as a half-written
 * store or a restored backup leaves) finds out from the server's digests, heals, and says so in the sync
 * dialog (docs/integrity.md).
 */
describe('integrity repair in the reader, in Chromium', () => {
  let server: TestServer;
  let browser: Browser;
  let page: Page;
  const problems: string[][] = [];

  beforeAll(async () => {
    [server, browser] = await Promise.all([startReaderServer(), launchChromium()]);
    const device = await newDevice(browser);
    problems.push(trackPageProblems(device));
    page = await device.newPage();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  /** Rows of translation 20 in the content store, and bookmark records in the user store. */
  const counts = (): Promise<{ rows: number; bookmarks: number }> =>
    page.evaluate(async () => {
      const open = (name: string) =>
        new Promise<IDBDatabase>((resolve, reject) => {
          const request = indexedDB.open(name);
          request.onsuccess = () => resolve(request.result);
          request.onerror = () => reject(request.error);
        });
      const all = <T>(db: IDBDatabase, store: string) =>
        new Promise<T[]>((resolve, reject) => {
          const request = db.transaction(store).objectStore(store).getAll();
          request.onsuccess = () => resolve(request.result as T[]);
          request.onerror = () => reject(request.error);
        });
      const userDb = (await indexedDB.databases()).find((d) => d.name?.startsWith('quran-reader-user:'))!.name!;
      const [content, user] = await Promise.all([open('quran-reader-content'), open(userDb)]);
      const rows = (await all<{ group: string; resourceId: number }>(content, 'rows')).filter((r) => r.group === 'translations' && r.resourceId === 20).length;
      const bookmarks = (await all<{ resource: string }>(user, 'records')).filter((r) => r.resource === 'BOOKMARK').length;
      content.close();
      user.close();
      return { rows, bookmarks };
    });

  it('repairs a deleted content row and a deleted bookmark, and reports both in the sync dialog', async () => {
    await signIn(page, server.url);
    await downloadTranslations(page, [20]);
    // Two bookmarks written on another device, brought here by a sync.
    const session = (await storedSession(page))!;
    const headers = { 'x-auth-token': session.accessToken, 'x-client-id': 'quran-reader', 'content-type': 'application/json' };
    const head = (
      (await (await fetch(`${server.url}/auth/v1/sync?mutationsSince=0&metadataOnly=true`, { headers })).json()) as { data: { lastMutationAt: number } }
    ).data.lastMutationAt;
    const mutations = [1, 2].map((verseNumber) => ({ type: 'CREATE', resource: 'BOOKMARK', data: { type: 'ayah', key: 1, verseNumber, mushaf: 1 } }));
    const pushed = await fetch(`${server.url}/auth/v1/sync?lastMutationAt=${head}`, { method: 'POST', headers, body: JSON.stringify({ mutations }) });
    expect(pushed.status).toBe(200);
    await syncNow(page);
    await expect.poll(counts).toMatchObject({ bookmarks: 2 });
    const before = await counts();
    expect(before.rows).toBeGreaterThan(6000);

    // Behind the clients' back: one translation row and one bookmark record go.
    await page.evaluate(async () => {
      const deleteFirst = (name: string, store: string, matches: (value: Record<string, unknown>) => boolean) =>
        new Promise<void>((resolve, reject) => {
          const request = indexedDB.open(name);
          request.onerror = () => reject(request.error);
          request.onsuccess = () => {
            const db = request.result;
            const tx = db.transaction(store, 'readwrite');
            const cursor = tx.objectStore(store).openCursor();
            cursor.onsuccess = () => {
              const c = cursor.result;
              if (!c) return;
              if (matches(c.value as Record<string, unknown>)) c.delete();
              else c.continue();
            };
            tx.oncomplete = () => {
              db.close();
              resolve();
            };
            tx.onerror = () => reject(tx.error);
          };
        });
      const userDb = (await indexedDB.databases()).find((d) => d.name?.startsWith('quran-reader-user:'))!.name!;
      await deleteFirst('quran-reader-content', 'rows', (v) => v.group === 'translations' && v.resourceId === 20);
      await deleteFirst(userDb, 'records', (v) => v.resource === 'BOOKMARK');
    });
    expect(await counts()).toEqual({ rows: before.rows - 1, bookmarks: 1 });

    // An app start (the clients check on their first run), then a check on demand from the dialog.
    await page.reload();
    await syncStatus(page).waitFor();
    await syncStatus(page).click();
    await page.getByTestId('verify-integrity').click();
    await page.getByTestId('sync-dialog').waitFor({ state: 'detached' });
    await syncStatus(page).click();
    const line = page.getByTestId('integrity-status');
    await expect.poll(() => line.textContent()).toMatch(/^last check: (ok|repaired) at .+; repaired: (1 resource \/ BOOKMARK|BOOKMARK \/ 1 resource) at /);
    expect(await counts()).toEqual(before);
  });

  it('reported no script error in the page', () => {
    expect(problems.flat()).toEqual([]);
  });
});
