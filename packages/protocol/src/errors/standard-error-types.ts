/**
 * The standard error envelope's `type` for each HTTP status (auth-and-errors.md).
 *
 * 413 and 415 are not in QF's table; we use them for oversized bodies and wrong content types
 * because folding them into 400 would hide the cause from operators (see docs/contract-decisions.md).
 */
export const STANDARD_ERROR_TYPES = {
  400: 'invalid_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  409: 'conflict',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  422: 'unprocessable_entity',
  429: 'rate_limit_exceeded',
  500: 'internal_server_error',
  502: 'bad_gateway',
  503: 'service_unavailable',
  504: 'gateway_timeout',
} as const;

export type StandardErrorStatus = keyof typeof STANDARD_ERROR_TYPES;
export type StandardErrorType = (typeof STANDARD_ERROR_TYPES)[StandardErrorStatus];

/** The type for any status; unknown 4xx fall back to `invalid_request`, unknown 5xx to `internal_server_error`. */
export function standardErrorType(status: number): StandardErrorType {
  const known = (STANDARD_ERROR_TYPES as Record<number, StandardErrorType>)[status];
  if (known) return known;
  return status >= 500 ? 'internal_server_error' : 'invalid_request';
}
