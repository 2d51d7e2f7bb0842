import type { OAuth2TokenResponse } from '@quran-sync/protocol';
import { DEFAULT_BACKOFF, isRetryableStatus, parseRetryAfter, retryDelay, sleep, type BackoffPolicy } from '../http/backoff.js';
import { basicAuthorization } from './base64.js';

/** Settings shared by everything that calls `/oauth2/token`. */
export interface TokenEndpointOptions {
  /** Base URL of the issuer (`https://sync.example.org`); the token endpoint is `<baseUrl>/oauth2/token`. */
  readonly baseUrl: string;
  /** Injectable for tests and non-standard runtimes; defaults to the global `fetch`. */
  readonly fetch?: typeof fetch;
  readonly backoff?: Partial<BackoffPolicy>;
  /** Injectable clock and randomness (tests). */
  readonly now?: () => number;
  readonly random?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
}

/** A token request the server refused (4xx/5xx in the OAuth2 envelope) or that never got an answer. */
export class TokenRequestError extends Error {
  constructor(
    message: string,
    /** HTTP status, or null when the server could not be reached. */
    readonly status: number | null,
    /** OAuth2 `error` code (`invalid_grant`, `invalid_client`, …) when the server sent one. */
    readonly error: string | null,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'TokenRequestError';
  }
}

export interface ClientAuthentication {
  readonly clientId: string;
  /** Confidential clients authenticate with HTTP Basic; public clients send `client_id` in the form. */
  readonly clientSecret?: string | null;
}

/**
 * Which failures may be retried. `any`: every network failure (safe for client_credentials, which has no
 * state). `before-send`: only failures where the request certainly never reached the server (connection
 * refused, DNS) — required for refresh tokens: the server rotates a refresh token when it processes the
 * request, so blindly resending one whose answer was lost would present a spent token, which the server
 * treats as theft and answers by revoking the whole login.
 */
export type NetworkRetryPolicy = 'any' | 'before-send';

const NEVER_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_CONNECT_TIMEOUT']);

function neverSent(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e && depth < 4; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && NEVER_SENT.has(code)) return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}

/**
 * POSTs a form to `/oauth2/token` and returns the parsed token response. Throttling and temporary
 * unavailability (429, 502-504) are retried after `Retry-After` or a jittered backoff, network failures per
 * `networkRetry`; everything is bounded by `maxAttempts`. OAuth2 refusals (400/401) are not retried.
 */
export async function requestToken(
  options: TokenEndpointOptions,
  client: ClientAuthentication,
  form: Record<string, string>,
  networkRetry: NetworkRetryPolicy,
): Promise<OAuth2TokenResponse> {
  const policy: BackoffPolicy = { ...DEFAULT_BACKOFF, ...options.backoff };
  const fetchImpl = options.fetch ?? globalThis.fetch;
  const wait = options.sleep ?? ((ms: number) => sleep(ms));
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' };
  const body = new URLSearchParams(form);
  if (client.clientSecret) headers.authorization = basicAuthorization(client.clientId, client.clientSecret);
  else body.set('client_id', client.clientId);
  const url = `${options.baseUrl.replace(/\/+$/, '')}/oauth2/token`;

  for (let attempt = 1; ; attempt++) {
    let response: Response;
    try {
      response = await fetchImpl(url, { method: 'POST', headers, body: body.toString() });
    } catch (error) {
      const retryable = networkRetry === 'any' || neverSent(error);
      if (!retryable || attempt >= policy.maxAttempts) {
        throw new TokenRequestError(`token endpoint unreachable: ${(error as Error).message}`, null, null, { cause: error });
      }
      await wait(retryDelay(attempt - 1, null, policy, options.random));
      continue;
    }
    if (response.ok) return parseTokenResponse(await response.json().catch(() => null));
    const payload = (await response.json().catch(() => null)) as { error?: unknown; error_description?: unknown; message?: unknown } | null;
    const code = typeof payload?.error === 'string' ? payload.error : null;
    const description =
      typeof payload?.error_description === 'string' ? payload.error_description : typeof payload?.message === 'string' ? payload.message : response.statusText;
    if (isRetryableStatus(response.status) && attempt < policy.maxAttempts) {
      await wait(retryDelay(attempt - 1, parseRetryAfter(response.headers.get('retry-after'), (options.now ?? Date.now)()), policy, options.random));
      continue;
    }
    throw new TokenRequestError(`token request failed (${response.status}${code ? ` ${code}` : ''}): ${description}`, response.status, code);
  }
}

function parseTokenResponse(body: unknown): OAuth2TokenResponse {
  const b = body as Partial<OAuth2TokenResponse> | null;
  if (!b || typeof b.access_token !== 'string' || typeof b.expires_in !== 'number') {
    throw new TokenRequestError('token endpoint answered without access_token/expires_in', 200, null);
  }
  return b as OAuth2TokenResponse;
}
