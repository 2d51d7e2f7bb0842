import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { redirectUriProblem } from './client-repository.js';
import { redirectUriMatches } from './redirect-uri-match.js';

describe('redirect URI matching', () => {
  const registered = ['https://app.example/cb', 'http://127.0.0.1:8080/reader/callback', 'http://localhost:3000/cb?x=1', 'com.example.app:/oauth'];

  it('matches registered URIs exactly', () => {
    for (const uri of registered) expect(redirectUriMatches(uri, registered)).toBe(true);
    for (const uri of [
      'https://app.example/cb/',
      'https://app.example/cb?x=1',
      'https://APP.example/cb',
      'http://app.example/cb',
      'https://app.example:443/cb',
      'com.example.app:/oauth2',
    ]) {
      expect(redirectUriMatches(uri, registered)).toBe(false);
    }
  });

  it('lets loopback URIs vary in port only (RFC 8252 §7.3)', () => {
    expect(redirectUriMatches('http://127.0.0.1:51234/reader/callback', registered)).toBe(true);
    expect(redirectUriMatches('http://127.0.0.1/reader/callback', registered)).toBe(true);
    expect(redirectUriMatches('http://localhost:9999/cb?x=1', registered)).toBe(true);
    for (const uri of [
      'http://127.0.0.1:51234/reader/callback2',
      'http://localhost:9999/cb',
      'http://[::1]:8080/reader/callback',
      'http://127.0.0.1:99999/reader/callback',
      'http://127.0.0.1:8080@evil.example/reader/callback',
    ]) {
      expect(redirectUriMatches(uri, registered)).toBe(false);
    }
  });

  it('never matches a non-loopback URI that is not registered (property)', () => {
    fc.assert(
      fc.property(fc.webUrl({ withQueryParameters: true }), (uri) => {
        fc.pre(!registered.includes(uri) && !/^http:\/\/(127\.0\.0\.1|localhost|\[::1\])[:/]/.test(uri));
        expect(redirectUriMatches(uri, registered)).toBe(false);
      }),
    );
  });

  it('accepts only absolute http(s) or reverse-domain private-use URIs without fragment for registration', () => {
    for (const ok of ['https://app.example/cb', 'http://127.0.0.1:8080/cb', 'com.example.app:/oauth']) expect(redirectUriProblem(ok)).toBeNull();
    for (const bad of ['/relative', 'https://app.example/cb#frag', 'javascript:alert(1)', 'myapp:/cb', 'data:text/html,x', 'not a url'])
      expect(redirectUriProblem(bad)).not.toBeNull();
  });
});
