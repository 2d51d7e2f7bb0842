import formbody from '@fastify/formbody';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { standardError } from './api-error.js';

/**
 * Which request bodies a route takes. Every API route takes JSON only: any other body — a form, `text/plain`,
 * multipart — is refused with 415 (standard envelope) before it is read, so no handler ever sees a body the
 * route did not ask for. The OAuth2 routes (`/oauth2/*`: token, revocation, introspection, the login form)
 * are left to their own handling: they take `application/x-www-form-urlencoded` as RFC 6749 requires, and
 * answer anything else in the OAuth2 envelope.
 *
 * Why it matters: form and `text/plain` bodies are what a browser may send across origins without a CORS
 * preflight, and the form parser (registered for OAuth2) and Fastify's built-in `text/plain` parser apply to
 * every route unless told otherwise — `name=x` posted as a form created a collection.
 */
export async function installBodyParsers(app: FastifyInstance): Promise<void> {
  installJsonParser(app);
  await app.register(formbody);
  app.addHook('preParsing', (request, _reply, _payload, done) => {
    const problem = mediaTypeProblem(request);
    if (problem) done(standardError(415, problem));
    else done();
  });
}

/** Routes that take forms (RFC 6749 §4.1.3 and §2.3.1, RFC 7009, RFC 7662, the login page's form). */
function isFormRoute(routeUrl: string): boolean {
  return routeUrl.startsWith('/oauth2/');
}

function mediaTypeProblem(request: FastifyRequest): string | null {
  const contentType = request.headers['content-type'];
  // Without a Content-Type Fastify itself answers 415 for a body and lets an empty request through.
  if (contentType === undefined) return null;
  // Unmatched URLs go on to their 404, whatever they carry.
  const routeUrl = request.routeOptions.url;
  if (routeUrl === undefined || isFormRoute(routeUrl)) return null;
  // A request without a body is "no body" whatever its header says (mobile clients send
  // `Content-Type: application/json` on bodiless DELETEs); Fastify ignores GET and HEAD bodies anyway.
  if (request.method === 'GET' || request.method === 'HEAD' || !hasBody(request)) return null;
  const mediaType = contentType.split(';', 1)[0]!.trim().toLowerCase();
  if (mediaType === 'application/json') return null;
  return `Unsupported Content-Type ${JSON.stringify(mediaType.slice(0, 100))}: send the body as application/json`;
}

function hasBody(request: FastifyRequest): boolean {
  const length = request.headers['content-length'];
  return request.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

/**
 * JSON bodies through Fastify's own parser (prototype-poisoning protection included), except that an empty
 * body is "no body": mobile clients send `Content-Type: application/json` on bodiless DELETEs.
 */
function installJsonParser(app: FastifyInstance): void {
  const parse = app.getDefaultJsonParser('error', 'error');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    if (body === '' || (typeof body === 'string' && body.trim() === '')) {
      done(null, undefined);
      return;
    }
    parse(request, body as string, done);
  });
}
