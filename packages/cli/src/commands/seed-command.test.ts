import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '@quran-sync/server';
import { testPostgresUrl } from '@quran-sync/server/testing';
import { runCliInProcess } from '../testing/cli-harness.js';

/** `quran-sync seed` on a real embedded data directory: seeds once, then leaves the data alone. */
describe.skipIf(testPostgresUrl() !== null)('quran-sync seed (embedded database; not run when QS_TEST_DATABASE_URL is set)', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'qs-seed-cli-'));
  });
  afterAll(async () => fs.rm(dir, { recursive: true, force: true }));

  async function cli(args: string[]): Promise<{ code: number; out: string }> {
    const { code, stdout } = await runCliInProcess(args);
    return { code, out: stdout };
  }

  it('seeds an empty database once', async () => {
    const first = await cli(['seed', '--data-dir', dir]);
    expect(first.code).toBe(0);
    expect(first.out).toMatch(/^seeded 18 resources \(\d+ rows\); feed head is 18\n$/);
    const second = await cli(['seed', '--data-dir', dir]);
    expect(second.out).toBe('content tables are not empty; nothing seeded\n');
    const db = await openDatabase({ kind: 'pglite', dataDir: path.join(dir, 'pgdata') });
    try {
      const n = await db.db.selectFrom('content_resources').select('resource_id').execute();
      expect(n).toHaveLength(18);
    } finally {
      await db.close();
    }
  });
});
