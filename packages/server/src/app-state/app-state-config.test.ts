import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveServerConfig } from '../config/server-config.js';
import { DEFAULT_APP_STATE_CONFIG, resolveAppStateConfig } from './app-state-config.js';

describe('App State configuration', () => {
  it('is the default set without QS_APP_STATE_CONFIG, and read from the JSON file it names', async () => {
    expect(resolveServerConfig({ inMemoryDatabase: true }, {}).appState).toEqual(DEFAULT_APP_STATE_CONFIG);
    const file = path.join(await fs.mkdtemp(path.join(os.tmpdir(), 'app-state-config-')), 'app-state.json');
    await fs.writeFile(
      file,
      JSON.stringify({ configVersion: 7, limits: { maxDocumentBytes: 1000 }, collections: [{ name: 'plans', maxDocumentsPerUser: 5 }] }),
    );
    const config = resolveServerConfig({ inMemoryDatabase: true }, { QS_APP_STATE_CONFIG: file }).appState;
    expect(config).toEqual({
      configVersion: 7,
      limits: { ...DEFAULT_APP_STATE_CONFIG.limits, maxDocumentBytes: 1000 },
      collections: [{ name: 'plans', maxDocumentsPerUser: 5, requiresPrecondition: true }],
    });
  });

  it('lists every problem of a bad file instead of starting with it', () => {
    const problems: string[] = [];
    resolveAppStateConfig(
      {
        configVersion: 0,
        limits: { maxDocumentBytes: -1, extra: 1 },
        collections: [{ name: 'Bad Name' }, { name: 'ok' }, { name: 'ok', requiresPrecondition: 'yes' }],
      } as never,
      problems,
    );
    expect(problems).toEqual([
      'App State configuration: unknown field limits.extra',
      'App State configuration: limits.maxDocumentBytes must be an integer in 1..2147483647',
      'App State configuration: collections[0].name must match ^[a-z0-9][a-z0-9._-]{0,79}$',
      'App State configuration: collections[2].name "ok" is listed twice',
      'App State configuration: collections[2].requiresPrecondition must be true or false',
      'App State configuration: configVersion must be an integer in 1..2147483647',
    ]);
    expect(() => resolveServerConfig({ inMemoryDatabase: true }, { QS_APP_STATE_CONFIG: '/nonexistent/app-state.json' })).toThrow(/QS_APP_STATE_CONFIG/);
  });
});
