import type { FastifyBaseLogger } from 'fastify';
import type { Kysely } from 'kysely';
import type { AppContext } from '../../app-context.js';
import type { Database } from '../../db/schema.js';
import type { AccessTokenVerifier } from '../access-token-verifier.js';
import type { RevocationList } from '../revocation-list.js';
import type { KeyRing } from '../signing-keys.js';
import type { ClientAuthThrottle } from './client-auth-throttle.js';
import { ClientAuthenticator } from './client-authentication.js';

/** What the built-in issuer's endpoints share; built once per app from its context. */
export interface IssuerDependencies {
  readonly db: Kysely<Database>;
  readonly keys: KeyRing;
  /** `iss` of every token we sign. */
  readonly issuer: string;
  readonly verifier: AccessTokenVerifier;
  readonly revocations: RevocationList;
  readonly clients: ClientAuthenticator;
  /** Counts failed client authentications; null when rate limiting is off. */
  readonly clientAuthThrottle: ClientAuthThrottle | null;
  readonly accessTokenTtlSeconds: number;
  readonly refreshTokenTtlSeconds: number;
  /** Base URL for endpoint links when configured (`QS_PUBLIC_URL`); else taken from each request. */
  readonly publicUrl: string | null;
  readonly log: FastifyBaseLogger;
}

/** The issuer's dependencies, or null when the server trusts an external issuer instead. */
export function issuerDependencies(ctx: AppContext, clientAuthThrottle: ClientAuthThrottle | null = null): IssuerDependencies | null {
  const auth = ctx.config.auth;
  if (auth.mode !== 'builtin' || !ctx.revocations) return null;
  return {
    db: ctx.db,
    keys: ctx.keys,
    issuer: ctx.config.issuer,
    verifier: ctx.verifier,
    revocations: ctx.revocations,
    clients: new ClientAuthenticator(ctx.db),
    clientAuthThrottle,
    accessTokenTtlSeconds: auth.accessTokenTtlSeconds,
    refreshTokenTtlSeconds: auth.refreshTokenTtlSeconds,
    publicUrl: ctx.config.publicUrl,
    log: ctx.log,
  };
}
