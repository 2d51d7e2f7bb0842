/** OAuth2 error codes we emit and their statuses (RFC 6749 §5.2, auth-and-errors.md). */
export const OAUTH2_ERRORS = {
  invalid_request: 400,
  invalid_client: 401,
  invalid_grant: 400,
  unauthorized_client: 400,
  unsupported_grant_type: 400,
  invalid_scope: 400,
  access_denied: 403,
  unsupported_response_type: 400,
  invalid_token: 401,
  /** RFC 6750 §3.1: the token is valid but lacks a scope the resource needs (userinfo without `openid`). */
  insufficient_scope: 403,
  server_error: 500,
  temporarily_unavailable: 503,
} as const;

export type OAuth2ErrorCode = keyof typeof OAUTH2_ERRORS;
