import { APP_STATE_ERRORS, type AppStateErrorCode } from '@quran-sync/protocol';
import { ApiError } from '../http/api-error.js';

/**
 * An App State refusal in QF's gateway shape: the standard envelope plus `details`, the service error
 * (`details.error.code` is what `@quranjs/api` reads). `errorDetails` goes to `details.error.details`.
 */
export function appStateError(code: AppStateErrorCode, message: string, errorDetails?: Record<string, unknown>): ApiError {
  const { status, type } = APP_STATE_ERRORS[code];
  const error = { code, message, ...(errorDetails ? { details: errorDetails } : {}) };
  return new ApiError(status, { message, type, success: false, details: { success: false, error } });
}

/** 412 with the current ETag (null: no live document), where both QF and the SDK's types look for it. */
export function preconditionFailed(currentETag: string | null): ApiError {
  const message = currentETag === null ? 'The document does not exist (the precondition expected it to).' : 'The document changed after the supplied ETag.';
  const error = appStateError('precondition_failed', message, { currentETag });
  (error.body.details as Record<string, unknown>).currentETag = currentETag;
  return error;
}
