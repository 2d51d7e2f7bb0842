/**
 * Content sync error codes and their HTTP statuses (content-sync.md, "Errors"). One table, used by the
 * server to answer and by the SDK to decide how to recover.
 */
export const CONTENT_SYNC_ERRORS = {
  resync_required: 410,
  token_filter_mismatch: 422,
  cursor_filter_mismatch: 422,
  cursor_per_page_mismatch: 422,
  invalid_per_page: 422,
  invalid_resources: 422,
  unknown_resource_group: 422,
  invalid_request: 422,
  snapshot_not_found: 404,
} as const;

export type ContentSyncErrorCode = keyof typeof CONTENT_SYNC_ERRORS;

export function isContentSyncErrorCode(code: unknown): code is ContentSyncErrorCode {
  return typeof code === 'string' && Object.hasOwn(CONTENT_SYNC_ERRORS, code);
}
