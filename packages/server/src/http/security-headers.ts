import helmet, { type HelmetOptions } from 'helmet';
import type { FastifyReply, FastifyRequest } from 'fastify';

/**
 * Helmet's headers (nosniff, frame options, HSTS, referrer policy, …) for every answer. No global CSP: the
 * APIs serve JSON, and the one HTML page (the OAuth2 login form) sets a strict CSP of its own. Resources are
 * `cross-origin` so browser apps on other origins may read the public APIs when CORS allows them.
 */
export const SECURITY_HEADER_OPTIONS = {
  contentSecurityPolicy: false,
  crossOriginResourcePolicy: { policy: 'cross-origin' as const },
} satisfies HelmetOptions;

const applyHelmet = helmet(SECURITY_HEADER_OPTIONS);

/**
 * The same headers on answers that bypass every hook (router-level errors, see framework-errors.ts): set
 * on the raw response, which Node merges into the head Fastify writes.
 */
export function applySecurityHeaders(request: FastifyRequest, reply: FastifyReply): void {
  applyHelmet(request.raw, reply.raw, () => {});
}
