import type { ErrorEnvelopeKind } from '@quran-sync/protocol';

/**
 * Per-route settings read by the app-wide hooks (`config` of a Fastify route).
 *
 * - `auth`: what the access token must carry; absent means a public route.
 * - `errorEnvelope`: which envelope framework-level errors (malformed body, unsupported media type, …)
 *   take on this route; route code picks its own envelope explicitly through `ApiError`.
 */
export interface RouteAuthRequirement {
  /** Every scope listed must be granted (parent scopes grant children). */
  readonly scopes: readonly string[];
  /** The token must belong to a user (not a client-credentials token). */
  readonly user?: boolean;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    auth?: RouteAuthRequirement;
    errorEnvelope?: ErrorEnvelopeKind;
  }
}
