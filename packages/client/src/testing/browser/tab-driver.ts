import type { FetchLike } from '../../auth/authorized-fetch.js';
import type { TokenProvider } from '../../auth/token-provider.js';
import { UserSessionTokenProvider } from '../../auth/user-session-provider.js';
import { IndexedDbSessionStorage } from '../../auth/indexeddb-session-storage.js';
import type { UserSession } from '../../auth/user-session.js';
import type { ContentSyncSummary } from '../../content/content-sync-events.js';
import { ContentSyncClient } from '../../content/content-sync-client.js';
import { IndexedDbContentStore } from '../../content/indexeddb-content-store.js';
import { IndexedDbUserStore } from '../../user/indexeddb-user-store.js';
import { UserSyncClient } from '../../user/user-sync-client.js';
import type { SyncReport } from '../../user/user-sync-events.js';

/**
 * The driver of one test tab (a real page of the test origin, opened by tab-commands.ts). It holds the SDK
 * clients this tab runs, the way an app would, and answers the test's calls with plain JSON values. Run in the
 * test's own page as well (the test file imports it), every "tab" of a test speaks the same vocabulary.
 */
export interface ClientOptions {
  readonly name: string;
  readonly baseUrl: string;
  readonly token: string;
  readonly clientId: string;
}

/** What a tab observed; times are epoch milliseconds (performance.timeOrigin based: comparable across tabs). */
export interface RequestLog {
  readonly method: string;
  readonly path: string;
  readonly start: number;
  readonly end: number;
}

export interface ChangeLog {
  readonly resources: string[];
  readonly origin: string;
  readonly otherContext: boolean;
}

const staticTokenProvider = (accessToken: string, clientId: string): TokenProvider => ({
  getToken: async () => ({ accessToken, clientId }),
  invalidate: () => undefined,
});

const epochNow = (): number => performance.timeOrigin + performance.now();

export function createTabDriver() {
  let user: UserSyncClient | null = null;
  let session: UserSessionTokenProvider | null = null;
  let content: ContentSyncClient | null = null;
  let userSync: Promise<SyncReport> | null = null;
  const requests: RequestLog[] = [];
  const changes: ChangeLog[] = [];
  const contentHeard: ContentSyncSummary[] = [];
  // Pushes can be held at the network (to keep a sync run in flight while the test looks at the other tab).
  let hold: { released: Promise<void>; release: () => void } | null = null;
  let pushSeen: (() => void) | null = null;
  let pushStarted: Promise<void> = new Promise((resolve) => (pushSeen = resolve));

  const recordingFetch: FetchLike = async (input, init) => {
    const start = epochNow();
    const method = init?.method ?? 'GET';
    if (method === 'POST') {
      pushSeen?.();
      if (hold) await hold.released;
    }
    try {
      return await fetch(input, init);
    } finally {
      requests.push({ method, path: new URL(String(input)).pathname, start, end: epochNow() });
    }
  };

  const requireUser = (): UserSyncClient => {
    if (!user) throw new Error('openUser first');
    return user;
  };

  return {
    async openUser(options: ClientOptions): Promise<void> {
      user = new UserSyncClient({
        store: await IndexedDbUserStore.open({ name: options.name }),
        baseUrl: options.baseUrl,
        tokenProvider: staticTokenProvider(options.token, options.clientId),
        fetch: recordingFetch,
        retry: { baseDelayMs: 5, maxDelayMs: 50, maxAttempts: 3, totalBudgetMs: 10_000 },
      });
      user.subscribe((change) => changes.push({ resources: [...change.resources].sort(), origin: change.origin, otherContext: change.otherContext === true }));
    },
    /** Writes `count` notes and `count` bookmarks (in chapter `chapter`), all started at once. */
    async writeMany(count: number, tag: string, chapter: number): Promise<number> {
      const u = requireUser();
      const writes: Promise<unknown>[] = [];
      for (let i = 1; i <= count; i++) {
        writes.push(u.notes.create({ body: `${tag} note ${i}`, ranges: [`2:${i}`] }));
        writes.push(u.bookmarks.add({ type: 'ayah', key: chapter, verseNumber: i }));
      }
      await Promise.all(writes);
      return writes.length;
    },
    async addBookmark(key: number, verseNumber: number): Promise<string> {
      return (await requireUser().bookmarks.add({ type: 'ayah', key, verseNumber })).id;
    },
    async createNote(body: string, verseKey: string): Promise<string> {
      return (await requireUser().notes.create({ body, ranges: [verseKey] })).id;
    },
    async updateNote(id: string, body: string): Promise<void> {
      await requireUser().notes.update(id, { body });
    },
    async bookmarks(): Promise<string[]> {
      return (await requireUser().bookmarks.list()).map((b) => `${b.key}:${b.verseNumber ?? ''}`).sort();
    },
    async notes(): Promise<string[]> {
      return (await requireUser().notes.list()).map((n) => n.body).sort();
    },
    pendingCount(): Promise<number> {
      return requireUser().pendingCount();
    },
    /** The outbox as stored (read through a second connection to the same database). */
    async outboxSeqs(name: string): Promise<number[]> {
      const store = await IndexedDbUserStore.open({ name });
      try {
        return (await store.listOutbox()).map((e) => e.seq);
      } finally {
        await store.close();
      }
    },
    holdPushes(): void {
      let release!: () => void;
      const released = new Promise<void>((resolve) => (release = resolve));
      hold = { released, release };
      pushStarted = new Promise((resolve) => (pushSeen = resolve));
    },
    releasePushes(): void {
      hold?.release();
      hold = null;
    },
    /** Resolves once a push has reached the (held) network layer. */
    async waitForPush(): Promise<void> {
      await pushStarted;
    },
    startSync(): void {
      userSync = requireUser().sync();
      userSync.catch(() => undefined);
    },
    async finishSync(): Promise<{ pushed: number; pulled: number }> {
      if (!userSync) throw new Error('startSync first');
      const report = await userSync;
      userSync = null;
      return { pushed: report.pushed, pulled: report.pulled };
    },
    /** A sync that may fail (offline): its outcome as data. */
    async trySync(): Promise<{ ok: boolean; error: string | null }> {
      try {
        await requireUser().sync();
        return { ok: true, error: null };
      } catch (error) {
        return { ok: false, error: error instanceof Error ? error.name : String(error) };
      }
    },
    async sync(): Promise<{ pushed: number; pulled: number }> {
      const report = await requireUser().sync();
      return { pushed: report.pushed, pulled: report.pulled };
    },
    requests(): RequestLog[] {
      return [...requests];
    },
    changes(): ChangeLog[] {
      return [...changes];
    },
    /** Waits until this tab has seen a change event matching the arguments. */
    async waitForChange(otherContext: boolean, resource: string): Promise<ChangeLog> {
      for (;;) {
        const seen = changes.find((c) => c.otherContext === otherContext && c.resources.includes(resource));
        if (seen) return seen;
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    },
    /** This origin's Web Locks as the browser reports them (held and waiting, by name). */
    async locks(): Promise<{ held: string[]; pending: string[] }> {
      const state = await (
        globalThis as unknown as { navigator: { locks: { query(): Promise<{ held?: { name?: string }[]; pending?: { name?: string }[] }> } } }
      ).navigator.locks.query();
      return { held: (state.held ?? []).map((l) => l.name ?? ''), pending: (state.pending ?? []).map((l) => l.name ?? '') };
    },
    async openContent(options: ClientOptions & { readonly resources: string }): Promise<void> {
      content = new ContentSyncClient({
        baseUrl: options.baseUrl,
        resources: options.resources,
        store: await IndexedDbContentStore.open({ name: options.name }),
        tokenProvider: staticTokenProvider(options.token, options.clientId),
        fetch: recordingFetch,
      });
      content.on('otherContextSynced', (summary) => contentHeard.push(summary));
    },
    async contentSync(): Promise<{ mode: string; snapshotsFetched: number }> {
      if (!content) throw new Error('openContent first');
      const summary = await content.sync();
      return { mode: summary.mode, snapshotsFetched: summary.snapshotsFetched };
    },
    contentHeard(): { mode: string; snapshotsFetched: number }[] {
      return contentHeard.map((s) => ({ mode: s.mode, snapshotsFetched: s.snapshotsFetched }));
    },
    async contentRowCount(name: string, group: string, id: number): Promise<number> {
      const store = await IndexedDbContentStore.open({ name });
      try {
        return (await store.listRows(group as never, id)).length;
      } finally {
        await store.close();
      }
    },
    /** Stores `value` as the signed-in session (IndexedDB database `name`, shared by every tab of the origin). */
    async storeSession(name: string, value: UserSession): Promise<void> {
      const storage = await IndexedDbSessionStorage.open({ name });
      await storage.save(value);
      storage.close();
    },
    async storedSession(name: string): Promise<UserSession | null> {
      const storage = await IndexedDbSessionStorage.open({ name });
      try {
        return await storage.load();
      } finally {
        storage.close();
      }
    },
    /** A session provider as an app keeps it: the stored session, refreshes under the default Web Lock. */
    async openSession(options: { readonly baseUrl: string; readonly clientId: string; readonly storageName: string }): Promise<void> {
      const storage = await IndexedDbSessionStorage.open({ name: options.storageName });
      const stored = await storage.load();
      if (!stored) throw new Error('no stored session');
      session = new UserSessionTokenProvider({
        baseUrl: options.baseUrl,
        clientId: options.clientId,
        session: stored,
        storage,
        fetch: recordingFetch as typeof fetch,
      });
    },
    async getToken(): Promise<string> {
      if (!session) throw new Error('openSession first');
      return (await session.getToken()).accessToken;
    },
    async close(): Promise<void> {
      await user?.close();
      await content?.close();
      user = null;
      content = null;
    },
  };
}

export type TabDriver = ReturnType<typeof createTabDriver>;
