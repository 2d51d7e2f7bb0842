import { describe, inject, it } from 'vitest';
import { runStructuralProgramInBrowser } from './testing/structural-browser.js';

/**
 * The multi-device structural model test (user-sync-structural-model.test.ts) in real Chromium: per seed the
 * same program, 3–5 devices of a fresh user, each a `UserSyncClient` on its own real `IndexedDbUserStore`,
 * talking over HTTP to the real server of browser-global-setup.ts. Faults come from a `fetch` wrapper per
 * device instead of the Node proxies, restarts reopen the device's database by name; once healed and synced
 * until quiet, every device must equal the server with nothing queued or quarantined, no duplicates and
 * referential integrity (testing/structural-browser.ts).
 *
 * A short run: the seeds are fixed here (the page has no environment) and each needs a fresh user minted on
 * the Node side (BROWSER_STRUCTURAL_USERS). Besides seed 1, three of the Node test's regression seeds: a link
 * into a collection deleted elsewhere (2), an unlink of a bookmark deleted and made again elsewhere (38), the
 * orphan rule after an unlink that raced another device's push (1403). To replay a seed with its trace, use
 * the Node test's QS_USER_MODEL_SEED (the same program).
 */
const SEEDS: readonly number[] = [1, 2, 38, 1403];

const qs = inject('qs');
const run = Math.random().toString(36).slice(2, 8);

describe('structural multi-device model in Chromium, on IndexedDB', () => {
  it.each(SEEDS.map((seed, i) => ({ seed, i })))('seed $seed converges', async ({ seed, i }) => {
    const user = qs.structuralUsers[i];
    if (!user) throw new Error('out of structural test users: raise BROWSER_STRUCTURAL_USERS in browser-global-setup.ts');
    await runStructuralProgramInBrowser({ seed, serverUrl: qs.serverUrl, user, databasePrefix: `structural-${run}-seed${seed}` });
  });
});
