import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { backoffDelay, DEFAULT_BACKOFF, parseRetryAfter, retryDelay, sleep } from './backoff.js';

describe('backoff', () => {
  it('draws each delay uniformly below the exponential cap, never above maxDelayMs (full jitter)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 60 }), fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), (retry, r) => {
        const delay = backoffDelay(retry, DEFAULT_BACKOFF, () => r);
        const cap = Math.min(DEFAULT_BACKOFF.maxDelayMs, DEFAULT_BACKOFF.baseDelayMs * 2 ** retry);
        expect(delay).toBeGreaterThanOrEqual(0);
        expect(delay).toBeLessThanOrEqual(cap);
        expect(delay).toBe(Math.floor(r * cap));
      }),
    );
    expect(backoffDelay(0, DEFAULT_BACKOFF, () => 0.999)).toBe(249);
    expect(backoffDelay(3, DEFAULT_BACKOFF, () => 0.5)).toBe(1000);
    expect(backoffDelay(40, DEFAULT_BACKOFF, () => 0.999)).toBe(29_970);
  });

  it('reads Retry-After as seconds or an HTTP date', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(parseRetryAfter('120', now)).toBe(120_000);
    expect(parseRetryAfter(' 0 ', now)).toBe(0);
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Wed, 31 Dec 2025 23:00:00 GMT', now)).toBe(0);
    for (const bad of [null, undefined, '', '-1', '1.5', 'soon', '12abc']) expect(parseRetryAfter(bad, now)).toBeNull();
  });

  it("prefers the server's Retry-After, capped at maxDelayMs", () => {
    expect(retryDelay(0, 5_000, DEFAULT_BACKOFF, () => 0.9)).toBe(5_000);
    expect(retryDelay(0, 3_600_000, DEFAULT_BACKOFF, () => 0.9)).toBe(DEFAULT_BACKOFF.maxDelayMs);
    expect(retryDelay(2, null, DEFAULT_BACKOFF, () => 0.5)).toBe(500);
  });

  it('sleep resolves, and rejects when aborted', async () => {
    await expect(sleep(1)).resolves.toBeUndefined();
    const controller = new AbortController();
    const pending = sleep(60_000, controller.signal);
    controller.abort(new Error('stop'));
    await expect(pending).rejects.toThrow('stop');
  });
});
