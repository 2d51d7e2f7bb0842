import { createLocalJWKSet, errors as joseErrors, jwtVerify, type JWTVerifyGetKey } from 'jose';
import type { AuthConfig } from '../config/server-config.js';
import { DependencyUnavailableError } from '../http/dependency-unavailable.js';
import { claimsToVerifiedToken, InvalidAccessTokenError, type VerifiedAccessToken } from './access-token-claims.js';
import { createRemoteKeySet } from './remote-key-set.js';
import type { RevocationList } from './revocation-list.js';
import type { KeyRing } from './signing-keys.js';
import { VerifiedTokenCache } from './verified-token-cache.js';

/** Turns a bearer token into a caller, or throws `InvalidAccessTokenError` (→ 401). */
export interface AccessTokenVerifier {
  verify(token: string): Promise<VerifiedAccessToken>;
  /**
   * `verify` answered from memory, synchronously, for a token already verified and still cached; undefined
   * when it is not (then `verify`). Throws as `verify` would for a cached token revoked since.
   */
  recall(token: string): VerifiedAccessToken | undefined;
}

/** Seconds of clock skew tolerated on `exp`/`nbf`/`iat`. */
const CLOCK_TOLERANCE_S = 5;
/** Only asymmetric algorithms: an HS256 token "signed" with our public key must never verify. */
const ASYMMETRIC_ALGORITHMS = ['ES256', 'ES384', 'ES512', 'RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'EdDSA'];

export interface VerifierDependencies {
  readonly keys: KeyRing;
  readonly issuer: string;
  readonly revocations: RevocationList | null;
  readonly fetch?: typeof fetch;
}

export function createAccessTokenVerifier(auth: AuthConfig, deps: VerifierDependencies): AccessTokenVerifier {
  switch (auth.mode) {
    case 'builtin':
      // Our own tokens always say `typ: at+jwt` (RFC 9068); requiring it keeps ID tokens, signed with the
      // same keys, from being accepted as access tokens.
      return new JwtVerifier(createLocalJWKSet({ keys: [...deps.keys.jwks.keys] }), deps.issuer, null, deps.revocations, ['ES256'], 'at+jwt');
    case 'jwks':
      // External issuers vary (Hydra signs `typ: JWT`), so the type is not required there.
      return new JwtVerifier(
        createRemoteKeySet(new URL(auth.jwksUrl), {
          unknownKidRefetchIntervalMs: auth.unknownKidRefetchIntervalMs,
          cacheMaxAgeMs: 600_000,
          ...(deps.fetch ? { fetch: deps.fetch } : {}),
        }),
        auth.issuer,
        auth.audience,
        null,
        ASYMMETRIC_ALGORITHMS,
        null,
      );
    case 'introspection':
      return new IntrospectionVerifier(auth.introspectionUrl, auth.clientId, auth.clientSecret, deps.fetch ?? fetch);
  }
}

class JwtVerifier implements AccessTokenVerifier {
  private readonly cache = new VerifiedTokenCache();

  constructor(
    private readonly keySet: JWTVerifyGetKey,
    private readonly issuer: string,
    private readonly audience: string | null,
    private readonly revocations: RevocationList | null,
    private readonly algorithms: string[],
    private readonly requiredType: string | null,
  ) {}

  recall(token: string): VerifiedAccessToken | undefined {
    const verified = this.cache.get(token);
    if (verified) this.checkRevocation(verified);
    return verified;
  }

  async verify(token: string): Promise<VerifiedAccessToken> {
    let verified = this.cache.get(token);
    if (!verified) {
      try {
        const { payload } = await jwtVerify(token, this.keySet, {
          issuer: this.issuer,
          ...(this.audience ? { audience: this.audience } : {}),
          algorithms: this.algorithms,
          ...(this.requiredType ? { typ: this.requiredType } : {}),
          clockTolerance: CLOCK_TOLERANCE_S,
          requiredClaims: ['exp', 'sub'],
        });
        verified = claimsToVerifiedToken(payload as Record<string, unknown>);
      } catch (error) {
        // The issuer's JWKS being unreachable is our outage (503), not the caller's bad token (401).
        if (isKeySetUnavailable(error)) throw new DependencyUnavailableError(`issuer keys unavailable: ${(error as Error).message}`, { cause: error });
        throw new InvalidAccessTokenError(describeJoseError(error, this.issuer));
      }
      this.cache.set(token, verified);
    }
    this.checkRevocation(verified);
    return verified;
  }

  private checkRevocation(verified: VerifiedAccessToken): void {
    if (this.revocations?.isRevoked(verified.tokenId, verified.grantId)) throw new InvalidAccessTokenError('token has been revoked');
  }
}

/**
 * RFC 7662 introspection against an external issuer (e.g. Ory Hydra). Active answers are cached for a
 * short while (never beyond the token's expiry) so each request does not cost a round trip.
 */
class IntrospectionVerifier implements AccessTokenVerifier {
  private readonly cache = new VerifiedTokenCache();
  private static readonly CACHE_MS = 30_000;

  constructor(
    private readonly url: string,
    private readonly clientId: string | null,
    private readonly clientSecret: string | null,
    private readonly fetchImpl: typeof fetch,
  ) {}

  recall(token: string): VerifiedAccessToken | undefined {
    return this.cache.get(token);
  }

  async verify(token: string): Promise<VerifiedAccessToken> {
    const cached = this.cache.get(token);
    if (cached) return cached;
    const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' };
    if (this.clientId) {
      headers.authorization = `Basic ${Buffer.from(`${encodeURIComponent(this.clientId)}:${encodeURIComponent(this.clientSecret ?? '')}`).toString('base64')}`;
    }
    let body: Record<string, unknown>;
    try {
      const response = await this.fetchImpl(this.url, { method: 'POST', headers, body: new URLSearchParams({ token }), signal: AbortSignal.timeout(5_000) });
      if (!response.ok) throw new Error(`introspection answered ${response.status}`);
      body = (await response.json()) as Record<string, unknown>;
    } catch (error) {
      // The issuer being unreachable is our outage, not the caller's bad token.
      throw new DependencyUnavailableError(`token introspection failed: ${(error as Error).message}`, { cause: error });
    }
    if (body.active !== true) throw new InvalidAccessTokenError('token is not active');
    // Issuers introspect refresh tokens too (Hydra says so in `token_use`); only access tokens may call APIs.
    if ((body.token_use !== undefined && body.token_use !== 'access_token') || body.token_type === 'refresh_token') {
      throw new InvalidAccessTokenError('token is not an access token');
    }
    if (typeof body.nbf === 'number' && body.nbf * 1000 > Date.now() + CLOCK_TOLERANCE_S * 1000) throw new InvalidAccessTokenError('token is not yet valid');
    const verified = claimsToVerifiedToken(body);
    if (verified.expiresAt <= Date.now()) throw new InvalidAccessTokenError('token has expired');
    this.cache.set(token, { ...verified, expiresAt: Math.min(verified.expiresAt, Date.now() + IntrospectionVerifier.CACHE_MS) });
    return verified;
  }
}

function describeJoseError(error: unknown, expectedIssuer: string): string {
  if (error instanceof InvalidAccessTokenError) return error.message;
  if (error instanceof joseErrors.JWTExpired) return 'token has expired';
  // The issuer is public (discovery says it); naming it turns a puzzling 401 into an obvious setup fix.
  if (error instanceof joseErrors.JWTClaimValidationFailed && error.claim === 'iss') {
    const got = typeof error.payload.iss === 'string' ? JSON.stringify(error.payload.iss.slice(0, 200)) : 'none';
    return `token claim "iss" is invalid: expected ${JSON.stringify(expectedIssuer)}, got ${got}`;
  }
  if (error instanceof joseErrors.JWTClaimValidationFailed) return `token claim "${error.claim}" is invalid`;
  if (error instanceof joseErrors.JWSSignatureVerificationFailed) return 'token signature is invalid';
  if (error instanceof joseErrors.JOSEAlgNotAllowed) return 'token algorithm is not allowed';
  if (error instanceof joseErrors.JWKSNoMatchingKey) return 'token was signed by an unknown key';
  return 'token is malformed';
}

/** Fetching a remote JWKS failed: timeout, network error, or the issuer answering something other than 200. */
function isKeySetUnavailable(error: unknown): boolean {
  if (error instanceof joseErrors.JWKSTimeout) return true;
  if (error instanceof TypeError && error.message === 'fetch failed') return true; // Node's fetch on network failure
  return error instanceof joseErrors.JOSEError && /JSON Web Key Set HTTP response/.test(error.message);
}
