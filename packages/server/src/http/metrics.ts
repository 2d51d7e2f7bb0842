import type { FastifyInstance } from 'fastify';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { DatabaseHandle } from '../db/database.js';

/**
 * Prometheus metrics at `/metrics`: process defaults, request counts and latencies by route template
 * (never the raw URL: ids in paths would explode the label space), and database pool occupancy. Each app
 * has its own registry (capabilities add theirs to it), so several servers in one process (tests) do not collide.
 */
export function installMetrics(app: FastifyInstance, database: DatabaseHandle, registry: Registry): void {
  collectDefaultMetrics({ register: registry });
  const requests = new Counter({ name: 'qs_http_requests_total', help: 'HTTP requests', labelNames: ['method', 'route', 'status'], registers: [registry] });
  const duration = new Histogram({
    name: 'qs_http_request_duration_seconds',
    help: 'HTTP request duration',
    labelNames: ['method', 'route'],
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  new Gauge({ name: 'qs_db_pool_total', help: 'Database connections open', registers: [registry], collect() { this.set(database.totalCount()); } });
  new Gauge({ name: 'qs_db_pool_waiting', help: 'Requests waiting for a database connection', registers: [registry], collect() { this.set(database.waitingCount()); } });

  app.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? 'unmatched';
    requests.inc({ method: request.method, route, status: String(reply.statusCode) });
    duration.observe({ method: request.method, route }, reply.elapsedTime / 1000);
    done();
  });
  app.get('/metrics', { schema: { hide: true } }, async (_request, reply) => {
    reply.type(registry.contentType);
    return registry.metrics();
  });
}
