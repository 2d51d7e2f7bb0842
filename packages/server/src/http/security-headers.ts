import type { IncomingMessage, ServerResponse } from 'node:http';
import helmet, { type HelmetOptions } from 'helmet';
import type { FastifyReply } from 'fastify';

/**
 * Helmet's headers (nosniff, frame options, HSTS, referrer policy, …) for every answer. No global CSP: the
 * APIs serve JSON, and the one HTML page (the OAuth2 login form) sets a strict CSP of its own. Resources are
 * `cross-origin` so browser apps on other origins may read the public APIs when CORS allows them.
 */
export const SECURITY_HEADER_OPTIONS = {
  contentSecurityPolicy: false,
  crossOriginResourcePolicy: { policy: 'cross-origin' as const },
} satisfies HelmetOptions;

/**
 * The headers helmet sets with {@link SECURITY_HEADER_OPTIONS}, recorded once at start-up. With no CSP (so
 * no nonces) helmet's output does not depend on the request, and running its middleware per request, as
 * `@fastify/helmet` did (it also rebuilt the middleware chain for every request), was the largest cost of a
 * cached snapshot answer after the socket write itself. Helmet stays the source of the values.
 */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = recordHelmetHeaders(SECURITY_HEADER_OPTIONS);

function recordHelmetHeaders(options: HelmetOptions): Readonly<Record<string, string>> {
  const headers: Record<string, string> = {};
  const recorder = {
    setHeader(name: string, value: string | number | readonly string[]) {
      headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value);
    },
    removeHeader(name: string) {
      delete headers[name.toLowerCase()];
    },
  };
  let finished = false;
  helmet(options)({ headers: {} } as IncomingMessage, recorder as unknown as ServerResponse, (error?: unknown) => {
    if (error) throw error;
    finished = true;
  });
  // A helmet that answered asynchronously or per request would make this recording wrong: fail at start-up.
  if (!finished) throw new Error('helmet did not set its headers synchronously');
  return Object.freeze(headers);
}

/** Puts the security headers on an answer (the request-plumbing hook, and router-level errors that skip it). */
export function applySecurityHeaders(reply: FastifyReply): void {
  reply.headers(SECURITY_HEADERS);
}
