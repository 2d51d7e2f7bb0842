import { HEADERS } from '@quran-sync/protocol';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { oauth2Error, standardError } from './api-error.js';
import { sendApiError } from './error-handler.js';
import { applySecurityHeaders } from './security-headers.js';

/**
 * Errors the router raises before any hook runs (Fastify's `frameworkErrors`): a URL whose percent-escapes
 * do not decode (`%zz`, `%FF`, an encoded lone surrogate) and a path parameter beyond the router's length
 * limit. Without this they got Fastify's own body (`{error, code, message, statusCode}`) and no
 * `X-Request-Id`; now they get the standard envelope (OAuth2's under `/oauth2/`), the request id and the
 * security headers like every other answer.
 */
export function frameworkErrorHandler(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  reply.header(HEADERS.requestId, request.id);
  applySecurityHeaders(reply);
  const tooLong = error.code === 'FST_ERR_MAX_PARAM_LENGTH';
  const status = tooLong ? 414 : 400;
  const message = tooLong ? 'A path segment of the URL is too long' : 'The URL is not validly percent-encoded';
  sendApiError(reply, request.url.startsWith('/oauth2/') ? oauth2Error('invalid_request', message, status) : standardError(status, message));
}
