import path from 'node:path';
import { resolveServerConfig } from '@quran-sync/server';
import { describe, expect, it } from 'vitest';
import { formatBanner, serveBanner } from './serve-banner.js';

/** The start-up banner a person sees on a terminal: where to go next, and the dev credentials only while they exist. */
describe('serve banner', () => {
  const url = 'http://127.0.0.1:18000';
  const env = {};

  it('on the embedded database: URL, docs, reader, dev credentials and the token command for this data directory', () => {
    const config = resolveServerConfig({ port: 18000, dataDir: '/tmp/qs-walk', readerDir: '/tmp/qs-reader' }, env);
    const text = formatBanner(serveBanner(config, url));
    expect(text).toContain(`listening on ${url}`);
    expect(text).toMatch(/API docs +http:\/\/127\.0\.0\.1:18000\/docs +\(OpenAPI: http:\/\/127\.0\.0\.1:18000\/openapi\.json\)/);
    expect(text).toMatch(/Reader +http:\/\/127\.0\.0\.1:18000\/reader\/ +\(sign in as dev \/ dev-password\)/);
    expect(text).toMatch(/Dev client +dev-client \/ dev-secret/);
    expect(text).toMatch(/Dev user +dev \/ dev-password/);
    expect(text).toContain('npx quran-sync token --user dev --scopes "sync bookmark collection note reading_session preference" --data-dir /tmp/qs-walk');
    expect(text).toContain('QS_DEV_CREDENTIALS=false');
    // Plain text for a terminal: no JSON, no escape codes.
    // biome-ignore lint/suspicious/noControlCharactersInRegex: ESC starts a terminal escape code
    expect(text).not.toMatch(/[{}\u001b]/);
  });

  it('shows no credentials when they are off, and no reader when it is off', () => {
    const config = resolveServerConfig({ port: 18000, dataDir: '/tmp/qs-walk', readerDir: false, createDevCredentials: false }, env);
    const banner = serveBanner(config, url);
    expect(banner.devCredentials).toBeNull();
    const text = formatBanner(banner);
    expect(text).not.toMatch(/dev-secret|dev-password|Dev client|Dev user|Reader/);
    expect(text).toContain('npx quran-sync token --user <user id>');
  });

  it('on PostgreSQL: the database without its password, and no credentials by default', () => {
    const config = resolveServerConfig(
      { databaseUrl: 'postgres://app:s3cret@db.example:5432/qs', readerDir: false, dataDir: path.resolve('.quran-sync') },
      env,
    );
    const text = formatBanner(serveBanner(config, url));
    expect(text).not.toContain('s3cret');
    expect(text).toContain('db.example:5432/qs');
    expect(text).not.toContain('dev-secret');
    // The default data directory needs no option.
    expect(text).toMatch(/--scopes "[^"]+"\n/);
  });

  it('names the public URL when one is set', () => {
    const config = resolveServerConfig({ publicUrl: 'https://sync.example.org', readerDir: false }, env);
    expect(serveBanner(config, url)).toMatchObject({ url: 'https://sync.example.org', docsUrl: 'https://sync.example.org/docs' });
  });

  it('takes no token command when tokens come from an external issuer', () => {
    const config = resolveServerConfig(
      { readerDir: false, authMode: 'jwks', jwksUrl: 'https://id.example.org/jwks', externalIssuer: 'https://id.example.org' },
      env,
    );
    expect(serveBanner(config, url).tokenCommand).toBeNull();
  });
});
