import { startTestServer, type TestServer } from '@quran-sync/server/testing';
import { afterAll } from 'vitest';
import type { TokenProvider } from '../../auth/token-provider.js';
import { startFaultProxy, type FaultProxy } from '../../testing/fault-proxy.js';
import type { ConflictPolicy, ConflictPolicyName } from '../conflict-policy.js';
import { MemoryUserStore } from '../memory-user-store.js';
import { UserSyncClient, type UserSyncClientOptions } from '../user-sync-client.js';
import type { UserStore } from '../user-store.js';
import { serverStateAt, type StateMap } from './user-state.js';

// The browser-safe part lives in user-state.ts; re-exported for the tests that import it from here.
export { deviceState, serverStateAt, syncUntilQuiet, type StateMap } from './user-state.js';

/**
 * Test rig for the user-sync SDK: a REAL server (`startTestServer`, real database), one real fault-injecting
 * proxy per simulated device (node:http; drop request, drop response after the server applied it, 5xx, delay),
 * and helpers that read the server's state through its own API and the device's state from its store.
 */
export const USER_SCOPES = ['sync', 'bookmark', 'collection', 'note', 'reading_session', 'preference'] as const;

export function tokenProviderFor(server: TestServer, userId: string, scopes: readonly string[] = USER_SCOPES): TokenProvider {
  let token: Promise<string> | null = null;
  return {
    getToken: async () => ({ accessToken: await (token ??= server.mintToken({ userId, scopes })), clientId: 'test-client' }),
    invalidate: () => {
      token = null;
    },
  };
}

export interface Device {
  readonly name: string;
  readonly client: UserSyncClient;
  readonly store: UserStore;
  readonly proxy: FaultProxy;
  /** Requests the proxy saw, as `METHOD path?query`. */
  requests(): string[];
  close(): Promise<void>;
}

export interface DeviceOptions {
  readonly name?: string;
  readonly store?: UserStore;
  readonly conflictPolicy?: ConflictPolicyName | ConflictPolicy;
  readonly scopes?: readonly string[];
  readonly client?: Partial<UserSyncClientOptions>;
  /** Reuse this proxy (an app restart keeps the device's network path and its fault plan). */
  readonly proxy?: FaultProxy;
}

/** A device: a client on its own store, talking to the server through its own fault proxy. */
export async function openDevice(server: TestServer, userId: string, options: DeviceOptions = {}): Promise<Device> {
  const proxy = options.proxy ?? (await startFaultProxy(server.url));
  const store = options.store ?? new MemoryUserStore();
  const client = new UserSyncClient({
    store,
    baseUrl: proxy.url,
    tokenProvider: tokenProviderFor(server, userId, options.scopes),
    retry: { baseDelayMs: 1, maxDelayMs: 20, maxAttempts: 3, totalBudgetMs: 10_000 },
    attemptTimeoutMs: 10_000,
    engine: { outOfSyncBackoff: { baseDelayMs: 5, maxDelayMs: 100, maxAttempts: Number.MAX_SAFE_INTEGER } },
    ...(options.conflictPolicy ? { conflictPolicy: options.conflictPolicy } : {}),
    ...options.client,
  });
  return {
    name: options.name ?? userId,
    client,
    store,
    proxy,
    requests: () => proxy.requests.map((r) => `${r.method} ${r.url}`),
    async close() {
      await client.close().catch(() => undefined);
      await proxy.close();
    },
  };
}

/**
 * An opener for a test file: opens devices like `openDevice` and closes every one it opened once the file's
 * tests are done. Call it at module level (it registers an `afterAll`).
 */
export function closingDevices(): (server: TestServer, userId: string, options?: DeviceOptions) => Promise<Device> {
  const opened: Device[] = [];
  afterAll(async () => {
    for (const d of opened) await d.close();
  });
  return async (server, userId, options = {}) => {
    const d = await openDevice(server, userId, options);
    opened.push(d);
    return d;
  };
}

/** The user's live state on the server, `RESOURCE:id → data`, read with a full pull (all pages). */
export async function serverState(server: TestServer, userId: string): Promise<StateMap> {
  return serverStateAt(server.url, await server.authHeaders({ userId, scopes: USER_SCOPES }));
}

export async function startUserSyncServer(): Promise<TestServer> {
  return startTestServer();
}

let userCounter = 0;
/** A user id no other test uses (tests share one server). */
export function freshUserId(prefix = 'u'): string {
  return `${prefix}-${process.pid}-${Date.now().toString(36)}-${++userCounter}`;
}
