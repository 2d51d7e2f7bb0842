import { describe, expect, it } from 'vitest';
import { resolveReaderDir } from './reader-dir.js';
import { parseEnvBoolean } from './env-boolean-words.js';
import { resolveServerConfig } from './server-config.js';

describe('boolean settings in the environment', () => {
  it('reads every accepted spelling, in any case, and nothing else', () => {
    for (const word of ['1', 'true', 'YES', 'On']) expect(parseEnvBoolean(word)).toBe(true);
    for (const word of ['0', 'False', 'no', 'OFF']) expect(parseEnvBoolean(word)).toBe(false);
    for (const word of ['', 'y', 'enabled', '2']) expect(parseEnvBoolean(word)).toBeNull();
  });

  it('applies to server settings, and refuses an unknown spelling with a message naming the variable', () => {
    expect(resolveServerConfig({}, { QS_LENIENT_DIRECT_WRITES: 'yes' }).userSync.lenientDirectWrites).toBe(true);
    expect(resolveServerConfig({}, { QS_RATE_LIMIT: 'off' }).rateLimit.enabled).toBe(false);
    expect(() => resolveServerConfig({}, { QS_RATE_LIMIT: 'sometimes' })).toThrow(/QS_RATE_LIMIT must be true or false/);
  });

  it('turns the reader off with any false spelling of QS_READER_DIR; anything else is a directory', () => {
    for (const word of ['false', 'OFF', 'no', '0']) expect(resolveReaderDir(undefined, word)).toBeNull();
    expect(resolveReaderDir(undefined, '/srv/reader')).toBe('/srv/reader');
    expect(resolveReaderDir(false, '/srv/reader')).toBeNull();
  });
});
