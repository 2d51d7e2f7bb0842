import { USER_RESOURCES } from '@quran-sync/protocol';
import { recordIdOf } from '../user-resource-data.js';
import type { UserStore } from '../user-store.js';
import type { UserSyncClient } from '../user-sync-client.js';

/**
 * Reading a user's state on the server and on a device, and syncing devices until they agree. Free of
 * Node-only imports, so the Node rig (`user-sync-harness.ts`) and the Chromium run (`structural-browser.ts`)
 * share it: the server is reached by URL and auth headers, not through a TestServer.
 */
export type StateMap = Record<string, unknown>;

/** The user's live state on the server at `baseUrl`, `RESOURCE:id → data`, read with a full pull (all pages). */
export async function serverStateAt(baseUrl: string, headers: Record<string, string>): Promise<StateMap> {
  const state: StateMap = {};
  let since = 0;
  for (;;) {
    const response = await fetch(`${baseUrl}/v1/sync?mutationsSince=${since}&limit=1000`, { headers });
    if (!response.ok) throw new Error(`pull failed: ${response.status} ${await response.text()}`);
    const { data } = (await response.json()) as {
      data: {
        mutations: Array<{ type: string; resource: (typeof USER_RESOURCES)[number]; resourceId: string | null; data: Record<string, unknown> }>;
        hasMore: boolean;
        lastMutationAt: number;
      };
    };
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

/** Syncs devices one after the other until none has anything left to send and all agree on the head. */
export async function syncUntilQuiet(devices: ReadonlyArray<{ readonly client: Pick<UserSyncClient, 'sync' | 'status'> }>, maxRounds = 6): Promise<void> {
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
