import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import { HEADERS } from '@quran-sync/protocol';
import type { RateLimitConfig } from '../config/server-config.js';
import { standardError } from './api-error.js';

/** Routes never limited: probes and scrapes must keep answering while clients are throttled. */
export const UNLIMITED_ROUTES = new Set(['/health', '/ready', '/metrics']);

/**
 * Two limits per request, as the contract asks: one per OAuth client (all of an app's users together,
 * keyed by `x-client-id`, or the IP when absent) and one per user (after authentication). Counters live
 * in memory, or in Redis when `REDIS_URL` is set so every node shares them. If Redis fails we let
 * requests through (`skipOnError`): losing the limiter must not take the API down with it.
 *
 * Must be installed after the auth guard: the per-user limit reads `request.auth`. Routes may add their own
 * limiter through `app.createRateLimit` (the sign-in form does).
 */
export async function installRateLimits(app: FastifyInstance, config: RateLimitConfig, redisUrl: string | null): Promise<() => Promise<void>> {
  if (!config.enabled) return async () => {};
  const redis = redisUrl ? new Redis(redisUrl, { maxRetriesPerRequest: 1, enableOfflineQueue: false, connectTimeout: 2_000, lazyConnect: false }) : null;
  redis?.on('error', () => {}); // reported through skipOnError; reconnects on its own
  await app.register(rateLimit, {
    global: false,
    ...(redis ? { redis, nameSpace: 'quran-sync-rl:' } : {}),
    skipOnError: true,
  });

  // One hook checks both limits. The plugin's own hook (`app.rateLimit`) runs only the first limiter
  // installed on a request, so the per-user limit would silently never apply; `createRateLimit` gives
  // plain checks we can chain.
  const perClient = app.createRateLimit({
    max: config.perClient,
    timeWindow: config.windowMs,
    skipOnError: true,
    keyGenerator: (request) => {
      const client = request.headers[HEADERS.clientId];
      return typeof client === 'string' && client.length > 0 && client.length <= 200 ? `client:${client}` : `ip:${request.ip}`;
    },
  });
  const perUser = app.createRateLimit({
    max: config.perUser,
    timeWindow: config.windowMs,
    skipOnError: true,
    keyGenerator: (request) => `user:${request.auth?.userId ?? ''}`,
  });
  const refuse = (ttlMs: number): never => {
    const seconds = Math.max(1, Math.ceil(ttlMs / 1000));
    throw standardError(429, `Rate limit exceeded, retry in ${seconds} s`, { 'retry-after': String(seconds) });
  };
  app.addHook('onRequest', async (request) => {
    if (UNLIMITED_ROUTES.has(request.routeOptions.url ?? '')) return;
    const client = await perClient(request);
    if (!client.isAllowed && client.isExceeded) refuse(client.ttl);
    if (!request.auth?.userId) return;
    const user = await perUser(request);
    if (!user.isAllowed && user.isExceeded) refuse(user.ttl);
  });
  return async () => {
    if (redis) await redis.quit().catch(() => redis.disconnect());
  };
}
