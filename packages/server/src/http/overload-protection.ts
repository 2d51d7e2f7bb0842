import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { FastifyInstance } from 'fastify';
import type { OverloadConfig } from '../config/server-config.js';
import type { DatabaseHandle } from '../db/database.js';
import { serviceUnavailable } from './api-error.js';

const ALWAYS_SERVED = new Set(['/health', '/metrics']);

/**
 * Sheds load with 503 + Retry-After instead of letting requests queue into timeouts: when the event loop
 * lags beyond the configured delay (sampled, p99 over the last second) or too many requests already wait
 * for a database connection. A client told to come back later recovers faster than one that times out.
 */
export function installOverloadProtection(app: FastifyInstance, config: OverloadConfig, database: DatabaseHandle): void {
  if (!config.enabled) return;
  const histogram = monitorEventLoopDelay({ resolution: 20 });
  histogram.enable();
  let lagMs = 0;
  const timer = setInterval(() => {
    lagMs = histogram.percentile(99) / 1e6;
    histogram.reset();
  }, 1000);
  timer.unref();
  app.addHook('onClose', async () => {
    clearInterval(timer);
    histogram.disable();
  });
  app.addHook('onRequest', async (request) => {
    if (ALWAYS_SERVED.has(request.routeOptions.url ?? '')) return;
    if (lagMs > config.maxEventLoopDelayMs) {
      throw serviceUnavailable('The server is overloaded, please retry', config.retryAfterSeconds);
    }
    if (database.waitingCount() > config.maxDbWaiting) {
      throw serviceUnavailable('The server is overloaded, please retry', config.retryAfterSeconds);
    }
  });
}
