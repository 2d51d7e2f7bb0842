import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Redis } from 'ioredis';
import { HEADERS } from '@quran-sync/protocol';
import type { RateLimitConfig } from '../config/server-config.js';
import { standardError } from './api-error.js';

/** Routes never limited: probes and scrapes must keep answering while clients are throttled. */
const UNLIMITED_ROUTES = new Set(['/health', '/ready', '/metrics']);

/**
 * Two limits per request, as the contract asks: one per OAuth client (all of an app's users together,
 * keyed by `x-client-id`, or the IP when absent) and one per user (after authentication). Counters live
 * in memory, or in Redis when `REDIS_URL` is set so every node shares them. If Redis fails we let
 * requests through (`skipOnError`): losing the limiter must not take the API down with it.
 *
 * Must be installed after the auth guard: the per-user limit reads `request.auth`.
 */
export async function installRateLimits(app: FastifyInstance, config: RateLimitConfig, redisUrl: string | null): Promise<() => Promise<void>> {
  if (!config.enabled) return async () => {};
  const redis = redisUrl ? new Redis(redisUrl, { maxRetriesPerRequest: 1, enableOfflineQueue: false, connectTimeout: 2_000, lazyConnect: false }) : null;
  redis?.on('error', () => {}); // reported through skipOnError; reconnects on its own
  await app.register(rateLimit, {
    global: false,
    ...(redis ? { redis, nameSpace: 'quran-sync-rl:' } : {}),
    skipOnError: true,
    errorResponseBuilder: (_req, context) => {
      const seconds = Math.max(1, Math.ceil(context.ttl / 1000));
      return standardError(429, `Rate limit exceeded, retry in ${seconds} s`, { 'retry-after': String(seconds) });
    },
  });

  const skip = (request: FastifyRequest): boolean => UNLIMITED_ROUTES.has(request.routeOptions.url ?? '');
  const perClient = app.rateLimit({
    max: config.perClient,
    timeWindow: config.windowMs,
    keyGenerator: (request) => {
      const client = request.headers[HEADERS.clientId];
      return typeof client === 'string' && client.length > 0 && client.length <= 200 ? `client:${client}` : `ip:${request.ip}`;
    },
    allowList: (request) => skip(request),
  });
  const perUser = app.rateLimit({
    max: config.perUser,
    timeWindow: config.windowMs,
    keyGenerator: (request) => `user:${request.auth?.userId ?? ''}`,
    allowList: (request) => skip(request) || !request.auth?.userId,
  });
  app.addHook('onRequest', perClient);
  app.addHook('onRequest', perUser);
  return async () => {
    if (redis) await redis.quit().catch(() => redis.disconnect());
  };
}
