import { describe, expect, it } from 'vitest';
import { negotiateEncoding } from './content-encoding.js';

describe('Accept-Encoding negotiation', () => {
  const both = ['br', 'gzip'] as const;
  it('prefers the earlier offer at equal q, and honours q-values', () => {
    expect(negotiateEncoding('gzip, br', both)).toBe('br');
    expect(negotiateEncoding('br;q=0.5, gzip', both)).toBe('gzip');
    expect(negotiateEncoding('br;q=0, gzip;q=0', both)).toBe('identity');
    expect(negotiateEncoding('gzip;q=0.8', ['gzip'])).toBe('gzip');
  });
  it('reads * for encodings not named, x-gzip as gzip, and lists sent as several headers', () => {
    expect(negotiateEncoding('*', both)).toBe('br');
    expect(negotiateEncoding('br;q=0, *', both)).toBe('gzip');
    expect(negotiateEncoding('x-gzip', ['gzip'])).toBe('gzip');
    expect(negotiateEncoding(['identity', 'gzip;q=0.3'], both)).toBe('gzip');
  });
  it('answers identity for no header, nothing acceptable, or junk', () => {
    expect(negotiateEncoding(undefined, both)).toBe('identity');
    expect(negotiateEncoding('', both)).toBe('identity');
    expect(negotiateEncoding('deflate, identity', both)).toBe('identity');
    expect(negotiateEncoding('gzip;q=abc', both)).toBe('identity');
    expect(negotiateEncoding(';;,,,', both)).toBe('identity');
  });
});
