import { startTestServer, type TestServer } from '@quran-sync/server/testing';
import { USER_RESOURCES } from '@quran-sync/protocol';
import { afterAll } from 'vitest';
import type { TokenProvider } from '../../auth/token-provider.js';
import { startFaultProxy, type FaultProxy } from '../../testing/fault-proxy.js';
import type { ConflictPolicy, ConflictPolicyName } from '../conflict-policy.js';
import { MemoryUserStore } from '../memory-user-store.js';
import { recordIdOf } from '../user-resource-data.js';
import { UserSyncClient, type UserSyncClientOptions } from '../user-sync-client.js';
import type { UserStore } from '../user-store.js';

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

export type StateMap = Record<string, unknown>;

/** The user's live state on the server, `RESOURCE:id → data`, read with a full pull (all pages). */
export async function serverState(server: TestServer, userId: string): Promise<StateMap> {
  const headers = await server.authHeaders({ userId, scopes: USER_SCOPES });
  const state: StateMap = {};
  let since = 0;
  for (;;) {
    const response = await fetch(`${server.url}/v1/sync?mutationsSince=${since}&limit=1000`, { headers });
    if (!response.ok) throw new Error(`pull failed: ${response.status} ${await response.text()}`);
    const { data } = (await response.json()) as { data: { mutations: Array<{ type: string; resource: (typeof USER_RESOURCES)[number]; resourceId: string | null; data: Record<string, unknown> }>; hasMore: boolean; lastMutationAt: number } };
    for (const m of data.mutations) {
      const key = `${m.resource}:${recordIdOf(m)}`;
      if (m.type === 'DELETE') delete state[key];
      else state[key] = m.data;
    }
    if (!data.hasMore) return sortKeys(state);
    since = data.lastMutationAt;
  }
}

/** What the device shows, `RESOURCE:id → data` (live records only). */
export async function deviceState(store: UserStore): Promise<StateMap> {
  const state: StateMap = {};
  for (const resource of USER_RESOURCES) for (const r of await store.listRecords(resource)) state[`${resource}:${r.id}`] = r.data;
  return sortKeys(state);
}

function sortKeys(state: StateMap): StateMap {
  return Object.fromEntries(Object.entries(state).sort(([a], [b]) => (a < b ? -1 : 1)));
}

export async function startUserSyncServer(): Promise<TestServer> {
  return startTestServer();
}

let userCounter = 0;
/** A user id no other test uses (tests share one server). */
export function freshUserId(prefix = 'u'): string {
  return `${prefix}-${process.pid}-${Date.now().toString(36)}-${++userCounter}`;
}

/** Syncs devices one after the other until none has anything left to send and all agree on the head. */
export async function syncUntilQuiet(devices: readonly Device[], maxRounds = 6): Promise<void> {
  for (let round = 0; round < maxRounds; round++) {
    for (const d of devices) await d.client.sync();
    const statuses = await Promise.all(devices.map((d) => d.client.status()));
    if (statuses.every((s) => s.pending === 0 && s.head === statuses[0]!.head)) {
      // One more pass so every device has pulled the last head.
      for (const d of devices) await d.client.sync();
      return;
    }
  }
  throw new Error('devices did not quiesce');
}
