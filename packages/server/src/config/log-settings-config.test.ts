import { describe, expect, it } from 'vitest';
import { ConfigError, resolveServerConfig } from './server-config.js';

/** QS_LOG_FORMAT and QS_LOG_REQUESTS: readable logs on a terminal, request lines only when asked for. */
describe('log settings', () => {
  it('defaults: format chosen by the terminal, no request lines at info', () => {
    expect(resolveServerConfig({}, {})).toMatchObject({ logLevel: 'info', logFormat: 'auto', logRequests: false });
  });

  it('request lines by default at debug and trace, or when QS_LOG_REQUESTS says so', () => {
    expect(resolveServerConfig({}, { LOG_LEVEL: 'debug' }).logRequests).toBe(true);
    expect(resolveServerConfig({}, { LOG_LEVEL: 'trace' }).logRequests).toBe(true);
    expect(resolveServerConfig({}, { QS_LOG_REQUESTS: '1' }).logRequests).toBe(true);
    expect(resolveServerConfig({}, { LOG_LEVEL: 'debug', QS_LOG_REQUESTS: 'false' }).logRequests).toBe(false);
  });

  it('takes json or pretty, and refuses anything else with every other problem', () => {
    expect(resolveServerConfig({}, { QS_LOG_FORMAT: 'json' }).logFormat).toBe('json');
    expect(resolveServerConfig({}, { QS_LOG_FORMAT: 'pretty' }).logFormat).toBe('pretty');
    const refused = (() => {
      try {
        resolveServerConfig({}, { QS_LOG_FORMAT: 'colour', QS_LOG_REQUESTS: 'sometimes' });
      } catch (error) {
        return error;
      }
      return null;
    })();
    expect(refused).toBeInstanceOf(ConfigError);
    expect((refused as Error).message).toContain('log format (QS_LOG_FORMAT) must be one of auto, json, pretty');
    expect((refused as Error).message).toContain('QS_LOG_REQUESTS must be true or false');
  });
});
