import underPressure, { TYPE_EVENT_LOOP_DELAY } from '@fastify/under-pressure';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { OverloadConfig } from '../config/server-config.js';
import type { DatabaseHandle } from '../db/database.js';
import { serviceUnavailable } from './api-error.js';
import type { Readiness } from './readiness.js';

/** Routes never shed: liveness and scrapes must answer most of all when the server is busy. */
export const ALWAYS_SERVED = new Set(['/health', '/metrics']);

/** How often @fastify/under-pressure samples event-loop delay (the mean over the last interval). */
const LAG_SAMPLE_INTERVAL_MS = 1000;

/**
 * After start-up, how long a lag sample may still cover start-up work: the sample being taken when start-up
 * ended covers part of it, and stays in force for one more interval.
 */
export const STARTUP_LAG_SETTLE_MS = 2 * LAG_SAMPLE_INTERVAL_MS;

/**
 * Sheds load with 503 + Retry-After instead of letting requests queue into timeouts: when the event loop
 * lags beyond the configured delay (measured by @fastify/under-pressure) or too many requests already
 * wait for a database connection. A client told to come back later recovers faster than one that times out.
 *
 * Lag caused by the server's own start-up work (migrations, seeding the bundled content) is not load, and
 * is not shed: `/ready` reports that state instead (http/readiness.ts).
 */
export async function installOverloadProtection(app: FastifyInstance, config: OverloadConfig, database: DatabaseHandle, readiness: Readiness): Promise<void> {
  if (!config.enabled) return;
  const shed = async (request: FastifyRequest): Promise<void> => {
    if (ALWAYS_SERVED.has(request.routeOptions.url ?? '')) return;
    throw serviceUnavailable('The server is overloaded, please retry', config.retryAfterSeconds);
  };
  await app.register(underPressure, {
    maxEventLoopDelay: config.maxEventLoopDelayMs,
    sampleInterval: LAG_SAMPLE_INTERVAL_MS,
    retryAfter: config.retryAfterSeconds,
    exposeStatusRoute: false,
    pressureHandler: (request, _reply, type) => (type === TYPE_EVENT_LOOP_DELAY && readiness.settling ? undefined : shed(request)),
  });
  app.addHook('onRequest', (request, _reply, done) => {
    if (database.waitingCount() > config.maxDbWaiting) shed(request).then(() => done(), done);
    else done();
  });
}
