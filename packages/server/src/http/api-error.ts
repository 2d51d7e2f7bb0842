import {
  CONTENT_SYNC_ERRORS,
  OAUTH2_ERRORS,
  standardErrorType,
  type ContentSyncErrorCode,
  type OAuth2ErrorCode,
  type UserSyncErrorCode,
} from '@quran-sync/protocol';

/**
 * An error meant for the client: its status, its body (already in one of the contract's four envelopes)
 * and any headers it needs (`Retry-After`). Route code throws these; the central error handler sends them
 * as they are. Anything else that reaches the handler is either a known framework error (mapped there) or
 * a bug (500, logged, body without detail).
 */
export class ApiError extends Error {
  constructor(
    readonly statusCode: number,
    readonly body: Readonly<Record<string, unknown>>,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(typeof body.message === 'string' ? body.message : JSON.stringify(body));
    this.name = 'ApiError';
  }
}

/** `{message, type, success: false}` */
export function standardError(status: number, message: string, headers?: Record<string, string>): ApiError {
  return new ApiError(status, { message, type: standardErrorType(status), success: false }, headers);
}

/**
 * `{success: false, error: {code, message}}` for `/v1/sync` 409/422 and direct-write 409. `details`, an
 * extension after QF's fields, says what exactly was wrong when the message (kept as QF words it) does not.
 */
export function syncError(status: 409 | 422, code: UserSyncErrorCode, message: string, details?: string): ApiError {
  return new ApiError(status, { success: false, error: details === undefined ? { code, message } : { code, message, details } });
}

/** `{error: {code, message}}` with the status the contract assigns to the code. */
export function contentSyncError(code: ContentSyncErrorCode, message: string): ApiError {
  return new ApiError(CONTENT_SYNC_ERRORS[code], { error: { code, message } });
}

/** `{error, error_description, status_code}` */
export function oauth2Error(code: OAuth2ErrorCode, description: string, status: number = OAUTH2_ERRORS[code], headers?: Record<string, string>): ApiError {
  return new ApiError(status, { error: code, error_description: description, status_code: status }, headers);
}

/** 503 with `Retry-After`: the caller should come back, nothing was done. */
export function serviceUnavailable(message: string, retryAfterSeconds: number): ApiError {
  return standardError(503, message, { 'retry-after': String(retryAfterSeconds) });
}
