/**
 * Retry timing shared by every network loop of the SDK (token providers, sync engines): exponential
 * backoff with full jitter, and the server's `Retry-After` when it gives one.
 *
 * Full jitter (a uniformly random delay between 0 and the exponential cap) spreads the retries of many
 * clients that failed together, so a recovering server is not hit by synchronised waves.
 */
export interface BackoffPolicy {
  /** Cap of the first retry's delay; doubles with each attempt. */
  readonly baseDelayMs: number;
  /** Largest delay ever waited, `Retry-After` included. */
  readonly maxDelayMs: number;
  /** Attempts in total, the first one included (so `maxAttempts - 1` retries). */
  readonly maxAttempts: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { baseDelayMs: 250, maxDelayMs: 30_000, maxAttempts: 5 };

/** Delay before retry number `retry` (0 for the first retry): uniform in [0, min(max, base · 2^retry)]. */
export function backoffDelay(retry: number, policy: BackoffPolicy = DEFAULT_BACKOFF, random: () => number = Math.random): number {
  const cap = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, retry));
  return Math.floor(random() * cap);
}

/**
 * `Retry-After` in milliseconds: delta-seconds (`120`) or an HTTP-date (RFC 9110 §10.2.3); null when absent
 * or unreadable. A date in the past means "now" (0).
 */
export function parseRetryAfter(value: string | null | undefined, now: number = Date.now()): number | null {
  if (value === null || value === undefined) return null;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  if (!/[a-z]/i.test(trimmed)) return null;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? null : Math.max(0, date - now);
}

/** The wait before retry number `retry`: the server's `Retry-After` when given, else jittered backoff; capped. */
export function retryDelay(retry: number, retryAfterMs: number | null, policy: BackoffPolicy = DEFAULT_BACKOFF, random: () => number = Math.random): number {
  if (retryAfterMs !== null) return Math.min(policy.maxDelayMs, retryAfterMs);
  return backoffDelay(retry, policy, random);
}

/** Resolves after `ms`; rejects with the signal's reason when aborted first. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Statuses that say "nothing was done, try again later": throttling and temporary unavailability. */
export function isRetryableStatus(status: number): boolean {
  return status === 429 || status === 502 || status === 503 || status === 504;
}
