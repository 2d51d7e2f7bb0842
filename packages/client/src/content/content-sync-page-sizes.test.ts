import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rows, serverPublicState, startContentFixture, storeState, type ContentFixture } from '../testing/content-sync-fixture.js';
import { ContentSyncClient } from './content-sync-client.js';
import { MemoryContentStore } from './memory-content-store.js';

/**
 * Page sizes for a bootstrap and for an incremental run over several pages. Twelve resources and five
 * mutations per window: every size up to 13 gives a different page count, larger ones all give one page,
 * so `npm test` runs 1..13 and a few large sizes up to the maximum; QS_SLOW_TESTS=1 runs every size the
 * contract allows (1..100).
 */
const PAGE_SIZES = process.env.QS_SLOW_TESTS === '1' ? range(1, 100) : [...range(1, 13), 25, 64, 99, 100];

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}

describe('content sync at every page size', () => {
  let fx: ContentFixture;
  const FILTER = 'translations:*;tafsirs:*';
  beforeAll(async () => {
    fx = await startContentFixture();
    for (let n = 1; n <= 8; n++) {
      await fx.editor.put('translations', n, {});
      await fx.editor.rows('translations', n, { upsert: [1, 2, 3].map((i) => rows.translation(i, i, `t${n}-${i}`)) });
    }
    for (let n = 1; n <= 4; n++) {
      await fx.editor.put('tafsirs', n, {});
      await fx.editor.rows('tafsirs', n, { upsert: [rows.tafsir(1, 1, `f${n}`)] });
    }
  });
  afterAll(async () => fx?.close());

  it(`per_page ${PAGE_SIZES.length === 100 ? '1..100' : PAGE_SIZES.join(',')}: bootstrap then incremental converge, with the expected number of pages`, async () => {
    for (const perPage of PAGE_SIZES) {
      const store = new MemoryContentStore();
      const client = new ContentSyncClient({ baseUrl: fx.server.url, resources: FILTER, store, tokenProvider: fx.tokenProvider, perPage });
      const resources = Object.keys(await serverPublicState(fx.server, FILTER)).length;
      const boot = await client.sync();
      expect(boot.pages, `bootstrap per_page=${perPage}`).toBe(Math.max(1, Math.ceil(resources / perPage)));
      expect(await storeState(store), `bootstrap per_page=${perPage}`).toEqual(await serverPublicState(fx.server, FILTER));
      // Three row changes, a hide and a show: five mutations in the window.
      const n = (perPage % 8) + 1;
      await fx.editor.rows('translations', n, {
        upsert: [rows.translation(1, 1, `p${perPage}`), rows.translation(9, 9, `new${perPage}`)],
        delete: [{ record_type: 'translation', id: 2 }],
      });
      await fx.editor.put('tafsirs', (perPage % 4) + 1, { status: perPage % 2 === 0 ? 'hidden' : 'public', metadata: { p: perPage } });
      await fx.editor.rows('translations', n, { upsert: [rows.translation(2, 2, 'back')] });
      const inc = await client.sync();
      expect(inc.mode).toBe('incremental');
      expect(inc.pages, `incremental per_page=${perPage}`).toBe(Math.ceil(Math.max(1, inc.mutationsApplied) / perPage));
      expect(await storeState(store), `per_page=${perPage}`).toEqual(await serverPublicState(fx.server, FILTER));
    }
  }, 300_000);
});
