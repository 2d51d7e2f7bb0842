import OAuth2Server from '@node-oauth/oauth2-server';
import { OAUTH2_ERRORS, type OAuth2ErrorCode } from '@quran-sync/protocol';
import type { FastifyBaseLogger } from 'fastify';
import { ApiError, oauth2Error } from '../../http/api-error.js';
import { isDependencyUnavailableError } from '../../http/dependency-unavailable.js';
import { invalidClient, type ClientAuthMethod } from './client-authentication.js';

/** Seconds a client should wait when the database behind the issuer is unreachable. */
const UNAVAILABLE_RETRY_AFTER_S = 2;

/**
 * Turns whatever the token flow threw into the contract's OAuth2 envelope. The library's own errors carry
 * the RFC 6749 code as `name`; their statuses are kept except `invalid_client`, which is always 401 here
 * (the library answers 400 unless Basic was used). Library `ServerError`s wrap our model's failures: a
 * database outage becomes `temporarily_unavailable` 503 + Retry-After, anything else a logged
 * `server_error` 500 whose body says nothing more.
 */
export function toOAuth2ApiError(error: unknown, clientAuthMethod: ClientAuthMethod | null, log: FastifyBaseLogger): ApiError {
  if (error instanceof ApiError) return error;
  const inner = error instanceof OAuth2Server.ServerError ? ((error as { inner?: unknown }).inner ?? error) : error;
  if (isDependencyUnavailableError(inner)) {
    return oauth2Error('temporarily_unavailable', 'The service is temporarily unavailable, please retry', 503, {
      'retry-after': String(UNAVAILABLE_RETRY_AFTER_S),
    });
  }
  if (inner instanceof ApiError) return inner;
  if (error instanceof OAuth2Server.OAuthError && !(error instanceof OAuth2Server.ServerError) && error.name in OAUTH2_ERRORS) {
    const code = error.name as OAuth2ErrorCode;
    if (code === 'invalid_client') return invalidClient(clientAuthMethod, error.message);
    const status = typeof error.code === 'number' && error.code >= 400 && error.code < 500 ? error.code : OAUTH2_ERRORS[code];
    return oauth2Error(code, error.message, status);
  }
  log.error({ err: inner }, 'oauth2 request failed');
  return oauth2Error('server_error', 'Internal server error', 500);
}
