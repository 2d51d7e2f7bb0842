import underPressure from '@fastify/under-pressure';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { OverloadConfig } from '../config/server-config.js';
import type { DatabaseHandle } from '../db/database.js';
import { serviceUnavailable } from './api-error.js';

const ALWAYS_SERVED = new Set(['/health', '/metrics']);

/**
 * Sheds load with 503 + Retry-After instead of letting requests queue into timeouts: when the event loop
 * lags beyond the configured delay (measured by @fastify/under-pressure) or too many requests already
 * wait for a database connection. A client told to come back later recovers faster than one that times out.
 */
export async function installOverloadProtection(app: FastifyInstance, config: OverloadConfig, database: DatabaseHandle): Promise<void> {
  if (!config.enabled) return;
  const shed = async (request: FastifyRequest): Promise<void> => {
    if (ALWAYS_SERVED.has(request.routeOptions.url ?? '')) return;
    throw serviceUnavailable('The server is overloaded, please retry', config.retryAfterSeconds);
  };
  await app.register(underPressure, {
    maxEventLoopDelay: config.maxEventLoopDelayMs,
    retryAfter: config.retryAfterSeconds,
    exposeStatusRoute: false,
    pressureHandler: shed,
  });
  app.addHook('onRequest', (request, _reply, done) => {
    if (database.waitingCount() > config.maxDbWaiting) shed(request).then(() => done(), done);
    else done();
  });
}
