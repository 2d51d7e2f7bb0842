/**
 * Error codes of the App State API and the status and envelope `type` each is answered with. The codes are
 * QF's (what `@quranjs/api` 3.10 reads from `details.error.code`); the types are those of QF's gateway for
 * the same code, so a client branching on either sees what it sees against QF.
 */
export const APP_STATE_ERRORS = {
  invalid_json: { status: 400, type: 'invalid_request' },
  invalid_key: { status: 400, type: 'invalid_request' },
  invalid_collection: { status: 400, type: 'invalid_request' },
  invalid_sync_token: { status: 400, type: 'invalid_request' },
  invalid_cursor: { status: 400, type: 'invalid_request' },
  invalid_etag: { status: 400, type: 'invalid_request' },
  invalid_precondition: { status: 400, type: 'invalid_request' },
  invalid_idempotency_key: { status: 400, type: 'invalid_request' },
  insufficient_scope: { status: 403, type: 'insufficient_scope' },
  collection_not_allowed: { status: 403, type: 'forbidden' },
  document_not_found: { status: 404, type: 'not_found' },
  idempotency_key_reused: { status: 409, type: 'service_error' },
  sync_token_expired: { status: 410, type: 'gone' },
  precondition_failed: { status: 412, type: 'precondition_failed' },
  document_too_large: { status: 413, type: 'payload_too_large' },
  quota_exceeded: { status: 422, type: 'unprocessable_entity' },
  precondition_required: { status: 428, type: 'precondition_required' },
} as const;

export type AppStateErrorCode = keyof typeof APP_STATE_ERRORS;
