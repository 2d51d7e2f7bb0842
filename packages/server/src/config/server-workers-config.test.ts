import os from 'node:os';
import { describe, expect, it } from 'vitest';
import { ConfigError, resolveServerConfig } from './server-config.js';

describe('server processes (QS_WORKERS / --workers)', () => {
  const postgres = { databaseUrl: 'postgres://postgres@127.0.0.1:5432/test' };

  it('is one process unless asked; auto is one per CPU the process may use', () => {
    expect(resolveServerConfig(postgres, {}).workers).toBe(1);
    expect(resolveServerConfig({ ...postgres, workers: 3 }, {}).workers).toBe(3);
    expect(resolveServerConfig(postgres, { QS_WORKERS: 'auto' }).workers).toBe(os.availableParallelism());
  });

  it('refuses more than one process on the embedded database, and counts that are not counts', () => {
    expect(() => resolveServerConfig({ workers: 2, inMemoryDatabase: true }, {})).toThrow(/needs PostgreSQL \(DATABASE_URL\)/);
    for (const bad of ['0', 'two', '1.5', '-1']) {
      expect(() => resolveServerConfig(postgres, { QS_WORKERS: bad })).toThrow(ConfigError);
    }
    // One process is fine on either database.
    expect(resolveServerConfig({ inMemoryDatabase: true }, { QS_WORKERS: '1' }).workers).toBe(1);
  });
});
