import type { ErrorEnvelopeKind } from '@quran-sync/protocol';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ApiError, oauth2Error, serviceUnavailable, standardError } from './api-error.js';
import { isDependencyUnavailableError } from './dependency-unavailable.js';

/**
 * The one place errors become responses. Every response it sends is in one of the contract's envelopes
 * and carries `X-Request-Id` (set by the request-id hook). Client-caused errors keep their 4xx status;
 * only genuine faults are 500, and a 500 body never contains a stack, SQL or the original message.
 */
export function installErrorHandler(app: FastifyInstance, options: { retryAfterSeconds: number }): void {
  app.setErrorHandler((error: FastifyError | ApiError | Error, request, reply) => {
    const apiError = toApiError(error, envelopeOf(request), options.retryAfterSeconds);
    if (apiError.statusCode === 503 && !(error instanceof ApiError)) {
      // A database or issuer outage is not a bug: one line per refused request, not a stack each.
      const cause = error as { code?: unknown; message?: unknown };
      request.log.warn({ code: cause.code, cause: String(cause.message).slice(0, 200) }, 'dependency unavailable, answered 503');
    } else if (apiError.statusCode >= 500 && !(error instanceof ApiError)) {
      request.log.error({ err: error }, 'request failed');
    } else if (apiError.statusCode >= 500) {
      request.log.warn({ status: apiError.statusCode, msg: apiError.message }, 'request refused');
    }
    return sendApiError(reply, apiError);
  });

  app.setNotFoundHandler((request, reply) => {
    const error =
      envelopeOf(request) === 'oauth2'
        ? oauth2Error('invalid_request', `${request.method} ${request.url.split('?')[0]} does not exist`, 404)
        : standardError(404, `Route ${request.method} ${request.url.split('?')[0]} not found`);
    return sendApiError(reply, error);
  });
}

export function sendApiError(reply: FastifyReply, error: ApiError): FastifyReply {
  for (const [name, value] of Object.entries(error.headers)) reply.header(name, value);
  return reply.code(error.statusCode).type('application/json; charset=utf-8').send(error.body);
}

function envelopeOf(request: FastifyRequest): ErrorEnvelopeKind {
  return request.routeOptions?.config?.errorEnvelope ?? (request.url.startsWith('/oauth2/') ? 'oauth2' : 'standard');
}

function toApiError(error: FastifyError | ApiError | Error, envelope: ErrorEnvelopeKind, retryAfterSeconds: number): ApiError {
  if (error instanceof ApiError) return error;
  if (isDependencyUnavailableError(error)) {
    return serviceUnavailable('The service is temporarily unavailable, please retry', retryAfterSeconds);
  }
  const fastifyError = error as FastifyError;
  const status = clientStatusOf(fastifyError);
  if (status === null) return standardError(500, 'Internal server error');
  const message = clientMessageOf(fastifyError, status);
  if (envelope === 'oauth2') return oauth2Error('invalid_request', message, status);
  return standardError(status, message);
}

/** The 4xx status of a framework error caused by the request, or null when it is a fault of ours. */
function clientStatusOf(error: FastifyError): number | null {
  if (error.validation) return 400;
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return 413;
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' ? 415 : 400;
    default:
      break;
  }
  if (error instanceof SyntaxError) return 400;
  const status = error.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) return status;
  return null;
}

function clientMessageOf(error: FastifyError, status: number): string {
  if (error.validation) return `Invalid request: ${error.message}`;
  if (status === 413) return 'Request body is too large';
  if (status === 415) return 'Unsupported Content-Type';
  if (error instanceof SyntaxError || error.code === 'FST_ERR_CTP_INVALID_JSON_BODY') return 'Request body is not valid JSON';
  return error.message || 'Bad request';
}
