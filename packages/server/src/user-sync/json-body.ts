import type { FastifyInstance } from 'fastify';
import { bodyInputProblem, markBodyChecked } from '../http/request-input-guard.js';

/**
 * The user API's JSON body parser. A body that is not JSON parses to {@link MALFORMED_JSON} instead of
 * failing in the framework, so each route answers in its own envelope: `/v1/sync` with the sync envelope's
 * 422 `Invalid mutations` (sync clients already handle that), direct endpoints with the standard 400. An
 * empty body is no body (mobile clients send `Content-Type: application/json` on GET and DELETE).
 * Fastify's own parser still does the parsing, prototype-poisoning protection included.
 */
export const MALFORMED_JSON: unique symbol = Symbol('malformed JSON body');

/** Why a request's body parsed to {@link MALFORMED_JSON}, for the `details` of the answer. */
const malformedReasons = new WeakMap<object, string>();

/** The parser's reason for a body that parsed to {@link MALFORMED_JSON}, if the request had one. */
export function malformedJsonReason(request: object): string | undefined {
  return malformedReasons.get(request);
}

export function installUserJsonParser(app: FastifyInstance): void {
  const parse = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    if (typeof body !== 'string' || body.trim() === '') {
      done(null, undefined);
      return;
    }
    parse(request, body, (error, value) => {
      // Nested too deep, NUL characters, lone surrogates: unusable like malformed JSON (http/request-input-guard.ts).
      const problem = error ? `body is not valid JSON: ${jsonSyntaxError(body) ?? error.message}` : bodyInputProblem(value);
      if (problem !== null) {
        malformedReasons.set(request, problem);
        return done(null, MALFORMED_JSON);
      }
      markBodyChecked(value);
      done(null, value);
    });
  });
}

/**
 * The JSON engine's own reason, with its position ("Expected ':' after property name in JSON at position 13"),
 * which the framework's parser error leaves out. Parsed again only for a body already refused.
 */
function jsonSyntaxError(text: string): string | undefined {
  try {
    JSON.parse(text);
    return undefined; // valid JSON the framework refused anyway (a prototype-poisoning key): its message says why
  } catch (error) {
    return (error as Error).message;
  }
}
