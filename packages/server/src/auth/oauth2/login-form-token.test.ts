import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { LoginFormTokens, readCookie } from './login-form-token.js';

describe('login form tokens', () => {
  const tokens = new LoginFormTokens(randomBytes(32));
  const bound = ['web', 'http://127.0.0.1:9/callback', 'bookmark openid', 'xyz', 'c'.repeat(43), 'S256', null];

  it('verifies for the same browser secret and parameters until it expires', () => {
    const browser = tokens.newBrowserSecret();
    const now = Date.now();
    const token = tokens.issue(browser, bound, now);
    expect(tokens.verify(token, browser, bound, now + 1000)).toBe(true);
    expect(tokens.verify(token, browser, bound, now + 601_000)).toBe(false);
    expect(tokens.verify(token, tokens.newBrowserSecret(), bound, now)).toBe(false);
    expect(tokens.verify(token, null, bound, now)).toBe(false);
    for (let i = 0; i < bound.length; i++) {
      const changed = [...bound];
      changed[i] = `${changed[i] ?? ''}x`;
      expect(tokens.verify(token, browser, changed, now)).toBe(false);
    }
    // Moving a value between fields changes the MAC too (the bound list is encoded unambiguously).
    expect(tokens.verify(token, browser, ['web', 'http://127.0.0.1:9/callback', 'bookmark', 'openid xyz', 'c'.repeat(43), 'S256', null], now)).toBe(false);
  });

  it('rejects tokens of another server secret and malformed tokens', () => {
    const browser = tokens.newBrowserSecret();
    const foreign = new LoginFormTokens(randomBytes(32)).issue(browser, bound);
    expect(tokens.verify(foreign, browser, bound)).toBe(false);
    for (const bad of ['', 'abc', '123.', `${Date.now()}.${'A'.repeat(42)}`, `x.${'A'.repeat(43)}`]) expect(tokens.verify(bad, browser, bound)).toBe(false);
  });

  it('reads one cookie out of a Cookie header', () => {
    expect(readCookie('a=1; qs_oauth2_login=abc; b=2', 'qs_oauth2_login')).toBe('abc');
    expect(readCookie('xqs_oauth2_login=abc', 'qs_oauth2_login')).toBeNull();
    expect(readCookie(undefined, 'qs_oauth2_login')).toBeNull();
  });
});
