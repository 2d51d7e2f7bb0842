import { HEADERS } from '@quran-sync/protocol';
import { authorizedFetch, type FetchLike } from '../auth/authorized-fetch.js';
import type { TokenProvider } from '../auth/token-provider.js';
import { ApiError, NetworkError, parseErrorEnvelope } from './api-error.js';
import { backoffDelay, DEFAULT_BACKOFF, parseRetryAfter, sleep as defaultSleep, type BackoffPolicy } from './backoff.js';

/**
 * The one place the SDK talks HTTP to a Quran Sync (or QF) API: content sync uses it, and the user-data
 * SDK is meant to. It is not content-specific.
 *
 * - Authorisation: with a `TokenProvider`, every request carries `x-auth-token` + `x-client-id`; a 401 gets
 *   one retry with a fresh token (`authorizedFetch`).
 * - Retries, always bounded by `maxAttempts` AND `totalBudgetMs` (a retry that would start after the budget
 *   is not made):
 *   - 429, 502, 503, 504 ("nothing was done, try later"): any method;
 *   - 500 and network failures (reset, timeout): only idempotent requests (GET/HEAD/PUT/DELETE/OPTIONS, or
 *     any request with an `Idempotency-Key`), since the server may have acted on a request whose answer was
 *     lost; a connection that was never established (refused, DNS) is retried for every method.
 *   The wait is the server's `Retry-After` when given — honoured exactly: a server asking for more than
 *   `maxDelayMs` gets no early retry, the error is returned with `retryAfterMs` so the caller can come back
 *   later — else exponential backoff with full jitter (`backoff.ts`).
 * - Cancellation: `signal` aborts the request in flight and any wait; the signal's reason is thrown.
 * - Errors are typed (`api-error.ts`). Anything `fetch` throws that is not a network failure (not a
 *   `TypeError`) is rethrown untouched, never retried.
 */
export interface RetryPolicy extends BackoffPolicy {
  /** No retry starts later than this after the first attempt. */
  readonly totalBudgetMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { ...DEFAULT_BACKOFF, totalBudgetMs: 120_000 };

export interface RetryInfo {
  readonly url: string;
  /** The attempt that failed (1 = the first request). */
  readonly attempt: number;
  readonly delayMs: number;
  readonly error: ApiError | NetworkError;
}

export interface HttpTransportOptions {
  /** Base URL the API's paths are appended to, e.g. `https://sync.example.org` (no trailing path needed). */
  readonly baseUrl: string;
  /** Omit for unauthenticated calls. */
  readonly tokenProvider?: TokenProvider;
  /** Injectable `fetch` (tests, React Native polyfills, proxies); defaults to the global one. */
  readonly fetch?: FetchLike;
  readonly retry?: Partial<RetryPolicy>;
  /** Limit for each attempt to produce response headers (default 30 s); a timeout counts as a network failure. */
  readonly attemptTimeoutMs?: number;
  readonly onRetry?: (info: RetryInfo) => void;
  /** Injectable clock, randomness and sleep (tests). */
  readonly now?: () => number;
  readonly random?: () => number;
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

export interface TransportRequest {
  readonly method?: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
  readonly signal?: AbortSignal;
  /** Non-2xx statuses to return as responses instead of throwing (e.g. 304). */
  readonly accept?: readonly number[];
  /** Override whether the request is safe to repeat after an ambiguous failure. */
  readonly idempotent?: boolean;
}

const IDEMPOTENT_METHODS = new Set(['GET', 'HEAD', 'PUT', 'DELETE', 'OPTIONS']);
const NEVER_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_CONNECT_TIMEOUT']);

export class HttpTransport {
  readonly baseUrl: string;
  private readonly fetchImpl: FetchLike;
  private readonly policy: RetryPolicy;
  private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  private readonly now: () => number;

  constructor(private readonly options: HttpTransportOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    new URL(this.baseUrl); // fail fast on a malformed base URL
    const raw: FetchLike = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
    this.fetchImpl = options.tokenProvider ? authorizedFetch(options.tokenProvider, { fetch: raw }) : raw;
    this.policy = { ...DEFAULT_RETRY_POLICY, ...options.retry };
    this.sleep = options.sleep ?? defaultSleep;
    this.now = options.now ?? Date.now;
  }

  /** Absolute URL for a path (`/api/v4/…`, as the server's relative links are) or an absolute URL. */
  url(pathOrUrl: string): string {
    if (/^https?:\/\//i.test(pathOrUrl)) return new URL(pathOrUrl).toString();
    if (!pathOrUrl.startsWith('/')) throw new TypeError(`expected a path starting with "/" or an absolute URL, got "${pathOrUrl.slice(0, 80)}"`);
    return new URL(`${this.baseUrl}${pathOrUrl}`).toString();
  }

  /** The response (2xx or an `accept`ed status), with its body unread. */
  async request(pathOrUrl: string, request: TransportRequest = {}): Promise<Response> {
    return this.send(pathOrUrl, request, async (response) => response);
  }

  /**
   * Sends the request and reads the body with `read`. A network failure while reading (connection reset
   * mid-body) is retried like a failed request, so `read` must not have side effects beyond consuming the
   * body. Errors `read` throws otherwise (`ProtocolError`, …) pass through unretried.
   */
  async send<T>(pathOrUrl: string, request: TransportRequest, read: (response: Response) => Promise<T>): Promise<T> {
    const url = this.url(pathOrUrl);
    const method = (request.method ?? 'GET').toUpperCase();
    const headers: Record<string, string> = { accept: 'application/json', ...request.headers };
    const idempotent = request.idempotent ?? (IDEMPOTENT_METHODS.has(method) || Object.keys(headers).some((h) => h.toLowerCase() === HEADERS.idempotencyKey));
    const { signal } = request;
    const started = this.now();

    for (let attempt = 1; ; attempt++) {
      if (signal?.aborted) throw signal.reason;
      let failure: ApiError | NetworkError;
      let retryable: boolean;
      let retryAfterMs: number | null = null;
      const attemptAbort = new AbortController();
      const forward = (): void => attemptAbort.abort(signal?.reason);
      signal?.addEventListener('abort', forward, { once: true });
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        attemptAbort.abort(new Error('attempt timed out'));
      }, this.options.attemptTimeoutMs ?? 30_000);
      try {
        let response: Response;
        try {
          response = await this.fetchImpl(url, { method, headers, ...(request.body !== undefined ? { body: request.body } : {}), signal: attemptAbort.signal });
        } finally {
          // The timeout covers waiting for the headers; a long body (a big snapshot) may take its time.
          clearTimeout(timer);
        }
        if (response.ok || request.accept?.includes(response.status)) return await read(response);
        const apiError = await apiErrorFrom(response, url, this.now());
        failure = apiError;
        retryAfterMs = apiError.retryAfterMs;
        retryable =
          response.status === 429 || response.status === 502 || response.status === 503 || response.status === 504 || (response.status === 500 && idempotent);
      } catch (error) {
        if (signal?.aborted) throw signal.reason;
        if (!(error instanceof TypeError) && !timedOut) throw error;
        // Messages name the endpoint without its query string: it can carry long tokens and cursors.
        const reason = timedOut ? 'timeout' : describeCause(error);
        const where = withoutQuery(url);
        failure = new NetworkError(
          timedOut ? `no answer from ${where} within ${this.options.attemptTimeoutMs ?? 30_000} ms` : `cannot reach ${where}: ${reason}`,
          url,
          reason,
          { cause: error },
        );
        retryable = idempotent || neverSent(error);
      } finally {
        clearTimeout(timer);
        signal?.removeEventListener('abort', forward);
      }

      failure.attempts = attempt;
      if (!retryable || attempt >= this.policy.maxAttempts) throw failure;
      // Retry-After is honoured exactly or not at all: retrying earlier than asked only earns another 429.
      if (retryAfterMs !== null && retryAfterMs > this.policy.maxDelayMs) throw failure;
      const delayMs = retryAfterMs ?? backoffDelay(attempt - 1, this.policy, this.options.random);
      if (this.now() + delayMs - started > this.policy.totalBudgetMs) throw failure;
      this.options.onRetry?.({ url, attempt, delayMs, error: failure });
      await this.sleep(delayMs, signal);
    }
  }
}

async function apiErrorFrom(response: Response, url: string, now: number): Promise<ApiError> {
  let text = '';
  try {
    text = await response.text();
  } catch {
    // The error body is informative only; the status decides.
  }
  let parsed = null;
  try {
    parsed = parseErrorEnvelope(JSON.parse(text));
  } catch {
    parsed = null;
  }
  const message = parsed?.message ?? (text.trim().slice(0, 200) || response.statusText || `HTTP ${response.status}`);
  return new ApiError(
    response.status,
    parsed?.code ?? null,
    `${response.status}${parsed ? ` ${parsed.code}` : ''}: ${message}`,
    parsed?.envelope ?? null,
    url,
    response.headers.get(HEADERS.requestId),
    parseRetryAfter(response.headers.get(HEADERS.retryAfter), now),
    parsed?.message ?? null,
  );
}

function neverSent(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e && depth < 4; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && NEVER_SENT_CODES.has(code)) return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}

function withoutQuery(url: string): string {
  const u = new URL(url);
  return `${u.origin}${u.pathname}`;
}

function describeCause(error: unknown): string {
  const cause = (error as { cause?: { code?: unknown; message?: unknown } }).cause;
  if (cause && typeof cause.code === 'string') return cause.code;
  if (cause && typeof cause.message === 'string') return cause.message;
  return (error as Error).message;
}
