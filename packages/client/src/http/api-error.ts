import { isContentSyncErrorCode, type ContentSyncErrorCode, type ErrorEnvelopeKind } from '@quran-sync/protocol';

/**
 * Errors of the SDK's HTTP layer, typed from the contract's four error envelopes (auth-and-errors.md):
 *
 * - `ApiError`: the server answered with an error status. `envelope` says which envelope the body had and
 *   `code` is its code: the content-sync code (`resync_required`, …), the user-sync code
 *   (`OutOfSyncError`, …), the OAuth2 `error`, or the standard envelope's `type` (`rate_limit_exceeded`, …).
 * - `NetworkError`: no answer (connection refused, reset, DNS, timeout).
 * - `ProtocolError`: an answer that does not match the contract (not JSON, wrong shape).
 *
 * `attempts` tells how many requests were made before giving up (retries included).
 */
export class ApiError extends Error {
  attempts = 1;

  constructor(
    readonly status: number,
    readonly code: string | null,
    message: string,
    readonly envelope: ErrorEnvelopeKind | null,
    readonly url: string,
    readonly requestId: string | null = null,
    /** The server's `Retry-After`, in milliseconds. */
    readonly retryAfterMs: number | null = null,
    /** The envelope's message as the server sent it (`message` adds the status and code); null without an envelope. */
    readonly serverMessage: string | null = null,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  /** The content-sync error code, when the body was the content-sync envelope with a contract code. */
  get contentSyncCode(): ContentSyncErrorCode | null {
    return this.envelope === 'content' && isContentSyncErrorCode(this.code) ? this.code : null;
  }
}

export class NetworkError extends Error {
  attempts = 1;

  constructor(
    message: string,
    readonly url: string,
    /** Short cause: the system error code (`ECONNREFUSED`, `ECONNRESET`, …), `timeout`, or the fetch message. */
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'NetworkError';
  }
}

export class ProtocolError extends Error {
  constructor(
    message: string,
    readonly url: string,
  ) {
    super(message);
    this.name = 'ProtocolError';
  }
}

/** True for an `ApiError` carrying the given content-sync code. */
export function isContentSyncError(error: unknown, code?: ContentSyncErrorCode): error is ApiError {
  return error instanceof ApiError && error.contentSyncCode !== null && (code === undefined || error.contentSyncCode === code);
}

export interface ParsedErrorBody {
  readonly envelope: ErrorEnvelopeKind;
  readonly code: string;
  readonly message: string;
}

/** Recognises the contract's error envelopes; null for anything else. */
export function parseErrorEnvelope(body: unknown): ParsedErrorBody | null {
  if (typeof body !== 'object' || body === null) return null;
  const b = body as Record<string, unknown>;
  if (typeof b.error === 'object' && b.error !== null) {
    const e = b.error as Record<string, unknown>;
    if (typeof e.code !== 'string') return null;
    const message = typeof e.message === 'string' ? e.message : e.code;
    // The user-sync envelope wraps the same {code, message} in {success: false, …}.
    return { envelope: b.success === false ? 'sync' : 'content', code: e.code, message };
  }
  if (typeof b.error === 'string') {
    return { envelope: 'oauth2', code: b.error, message: typeof b.error_description === 'string' ? b.error_description : b.error };
  }
  if (typeof b.type === 'string' && typeof b.message === 'string') return { envelope: 'standard', code: b.type, message: b.message };
  return null;
}
