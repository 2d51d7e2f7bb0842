import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { RateLimitConfig } from '../../config/server-config.js';
import { oauth2Error } from '../../http/api-error.js';

/**
 * One client authentication attempt, as the throttle sees it. `ClientAuthenticator` asks `admit` before it
 * does anything expensive (and again right before each scrypt), and reports `failed` after a wrong secret.
 */
export interface ClientAuthAttempt {
  /** Throws `invalid_client` 429 + Retry-After when the client id or the caller's address is over its limit. */
  admit(clientId: string): Promise<void>;
  /**
   * Counts one failed authentication against the caller's address, and against the client id when it names
   * an existing client (unknown ids cost no hashing, and counting them would let a flood of made-up ids
   * evict the counters of real clients from the in-memory store).
   */
  failed(clientId: string, knownClient: boolean): Promise<void>;
}

type Limiter = ReturnType<FastifyInstance['createRateLimit']>;

/**
 * Failed client authentications (RFC 6749 §10.10: the server must keep client secrets from being guessed),
 * counted per client id and per source address. It is the sign-in page's mechanism: limiters made with
 * `app.createRateLimit`, so the counters live where the app's other rate limits live (in memory, or in
 * Redis shared by every node when `REDIS_URL` is set, failing open like them when Redis is unreachable).
 *
 * Only failures are counted (a limiter call with `increment: false` peeks), so a client that knows its
 * secret is never slowed down by its own traffic. Over a limit every attempt is refused, the right secret
 * included: answering it would turn the refusal into a cheap oracle for guesses.
 */
export class ClientAuthThrottle {
  /** The client id a limiter call is about; the plugin's key generators only see the request. */
  private readonly clientIds = new WeakMap<FastifyRequest, string>();
  private readonly perClient: Limiter;
  private readonly perAddress: Limiter;

  private constructor(app: FastifyInstance, config: RateLimitConfig) {
    const limiter = (max: number, key: (request: FastifyRequest) => string): Limiter =>
      app.createRateLimit({ max, timeWindow: config.clientAuthFailureWindowMs, skipOnError: true, keyGenerator: key });
    this.perClient = limiter(config.clientAuthFailuresPerClient, (request) => `client-auth:client:${this.clientIds.get(request) ?? ''}`);
    this.perAddress = limiter(config.clientAuthFailuresPerAddress, (request) => `client-auth:ip:${request.ip}`);
  }

  /** A throttle on the app's rate-limit store, or null when rate limiting is off (no limiter plugin). */
  static install(app: FastifyInstance, config: RateLimitConfig): ClientAuthThrottle | null {
    return config.enabled && app.hasDecorator('createRateLimit') ? new ClientAuthThrottle(app, config) : null;
  }

  attempt(request: FastifyRequest): ClientAuthAttempt {
    return {
      admit: async (clientId) => {
        this.clientIds.set(request, clientId.slice(0, 200));
        // Both counters are read before refusing, so the answer names the limit that was hit.
        const [address, client] = await Promise.all([this.perAddress(request, { increment: false }), this.perClient(request, { increment: false })]);
        if (isOver(address)) throw tooManyFailures('from this address', address.ttl);
        if (isOver(client)) throw tooManyFailures('for this client', client.ttl);
      },
      failed: async (clientId, knownClient) => {
        this.clientIds.set(request, clientId.slice(0, 200));
        await Promise.all([this.perAddress(request), knownClient ? this.perClient(request) : null]);
      },
    };
  }
}

type Verdict = Awaited<ReturnType<Limiter>>;

/** A peek reports the failures so far: the limit is reached when no failure remains allowed. */
function isOver(verdict: Verdict): verdict is Extract<Verdict, { isAllowed: false }> {
  return !verdict.isAllowed && verdict.remaining <= 0 && verdict.ttl > 0;
}

function tooManyFailures(scope: string, ttlMs: number) {
  const seconds = Math.max(1, Math.ceil(ttlMs / 1000));
  return oauth2Error('invalid_client', `Too many failed client authentications ${scope}; retry in ${seconds} s`, 429, { 'retry-after': String(seconds) });
}
