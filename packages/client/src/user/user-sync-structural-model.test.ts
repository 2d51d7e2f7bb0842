import type { TestServer } from '@quran-sync/server/testing';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { formatRun, runStructuralProgram } from './testing/structural-model.js';
import { removeStorageDirectory, STORE_KINDS, type StoreKind } from './testing/structural-stores.js';
import { startUserSyncServer } from './testing/user-sync-harness.js';

/**
 * Seeds that once failed: they always run on the memory store, and on the durable stores when one is selected
 * (QS_USER_MODEL_STORE=sqlite|indexeddb|all).
 * - 2, 53: a link into a collection another device had deleted was quarantined (422 Invalid collectionId).
 * - 38: unlinking a bookmark another device had deleted (and made again) was quarantined (422 Invalid resourceId).
 * - 9, 36, 127, 162, 232, 276: a link the server acknowledged as a no-op (its bookmark or collection already
 *   deleted elsewhere) stayed live on the pushing device, dangling.
 * - 1403, 1895: a bookmark the server deleted by the orphan rule, after this device's own unlink raced another
 *   device's push (409, rebase), stayed live on the device.
 */
const REGRESSION_SEEDS: readonly number[] = [2, 9, 36, 38, 53, 127, 162, 232, 276, 1403, 1895];

/**
 * Model-based test of multi-device convergence under structural edits (testing/structural-model.ts): per seed,
 * 3–5 devices of a fresh user edit bookmarks, collections and links offline — cascades, orphans, bookmarks
 * made again under new ids, renames, the reading bookmark — and sync one by one or at once through real
 * fault proxies (lost answers, dropped requests, 5xx, writes during a push, app restarts on the same durable
 * store) against one real server. Once the network heals and they synced until quiet, every device must equal
 * the server, with nothing queued or quarantined, no duplicate, no lost uncontested write, and referential
 * integrity on the server and on each device (testing/structural-invariants.ts).
 *
 * Seeds (fast-check `fc.sample` with the seed; the same program on every store):
 * - default (`npm test`): memory seeds 1..DEFAULT_SEEDS.memory, SQLite and IndexedDB a few each, plus
 *   REGRESSION_SEEDS on memory; the wide search is `.ci/run`'s own step (QS_USER_MODEL_SEEDS=2000);
 * - `QS_USER_MODEL_SEEDS=N`: seeds 1..N on memory, and 1..ceil(N/10) on SQLite and IndexedDB (`A-B`: from A);
 * - `QS_USER_MODEL_STORE=memory|sqlite|indexeddb|all`: only that store (all: each store), with every seed;
 * - `QS_USER_MODEL_SEED=n` (or `n,m,…`): exactly those seeds (on QS_USER_MODEL_STORE, default all three),
 *   printing the program and what each command did.
 * A failure's message holds the program, the trace and every problem found, and the replay command.
 */
const DEFAULT_SEEDS: Readonly<Record<StoreKind, number>> = { memory: 8, sqlite: 2, indexeddb: 2 };

function plan(): Array<{ store: StoreKind; seeds: number[] }> {
  const env = process.env;
  const storeEnv = env.QS_USER_MODEL_STORE;
  if (storeEnv !== undefined && storeEnv !== 'all' && !STORE_KINDS.includes(storeEnv as StoreKind))
    throw new Error(`QS_USER_MODEL_STORE must be memory, sqlite, indexeddb or all, not ${storeEnv}`);
  const only = storeEnv === undefined || storeEnv === 'all' ? null : (storeEnv as StoreKind);
  const stores = only ? [only] : STORE_KINDS;
  if (env.QS_USER_MODEL_SEED) return stores.map((store) => ({ store, seeds: env.QS_USER_MODEL_SEED!.split(',').map(Number) }));
  // `N` is 1..N; `A-B` is A..B, to explore seeds beyond the ones CI runs.
  const [from, to] = env.QS_USER_MODEL_SEEDS?.includes('-') ? env.QS_USER_MODEL_SEEDS.split('-').map(Number) : [1, Number(env.QS_USER_MODEL_SEEDS)];
  const range = (n: number) => Array.from({ length: n }, (_, i) => from! + i);
  const total = env.QS_USER_MODEL_SEEDS ? to! - from! + 1 : null;
  return stores.map((store) => {
    const count = total === null ? DEFAULT_SEEDS[store] : store === 'memory' || storeEnv !== undefined ? total : Math.ceil(total / 10);
    const regressions = store === 'memory' || storeEnv !== undefined ? REGRESSION_SEEDS : [];
    return { store, seeds: [...new Set([...regressions, ...range(count)])] };
  });
}

let server: TestServer;
beforeAll(async () => {
  server = await startUserSyncServer();
});
afterAll(async () => {
  await server?.close();
  removeStorageDirectory();
});

const replaying = Boolean(process.env.QS_USER_MODEL_SEED);

describe.each(plan())('structural multi-device model on $store', ({ store, seeds }) => {
  it.each(seeds)(`seed %i converges (${store})`, async (seed) => {
    const run = await runStructuralProgram(server, seed, store);
    if (replaying) console.log(`seed ${seed} on ${store} passed:\n${formatRun(run)}`);
  });
});
