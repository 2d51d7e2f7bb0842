import { createHash, timingSafeEqual } from 'node:crypto';
import { HEADERS } from '@quran-sync/protocol';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type onRequestHookHandler } from 'fastify';
import { collectDefaultMetrics, Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { MetricsConfig } from '../config/server-config.js';
import type { DatabaseHandle } from '../db/database.js';
import { standardError } from './api-error.js';
import { clientErrorHandler } from './client-error-handler.js';
import { installErrorHandler } from './error-handler.js';
import { frameworkErrorHandler } from './framework-errors.js';
import { listeningUrl } from './listening-url.js';
import { requestIdOptions } from './request-id.js';
import { errorAnswer, mediaAnswer } from './response-docs.js';
import { applySecurityHeaders } from './security-headers.js';

/**
 * Prometheus metrics at `/metrics`: process defaults, request counts and latencies by route template
 * (never the raw URL: ids in paths would explode the label space), and database pool occupancy. Each app
 * has its own registry (capabilities add theirs to it), so several servers in one process (tests) do not collide.
 *
 * Metrics tell an outsider a lot (routes and their traffic, memory, pool use, write paths), so who may read
 * them is the operator's decision (`MetricsConfig`): openly on the main port (the embedded database's
 * development default), behind a bearer token, or on a separate listener (`createMetricsListener`).
 */
export function installMetrics(app: FastifyInstance, database: DatabaseHandle, registry: Registry, config: MetricsConfig): void {
  collectDefaultMetrics({ register: registry });
  const requests = new Counter({ name: 'qs_http_requests_total', help: 'HTTP requests', labelNames: ['method', 'route', 'status'], registers: [registry] });
  const duration = new Histogram({
    name: 'qs_http_request_duration_seconds',
    help: 'HTTP request duration',
    labelNames: ['method', 'route'],
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  new Gauge({
    name: 'qs_db_pool_total',
    help: 'Database connections open',
    registers: [registry],
    collect() {
      this.set(database.totalCount());
    },
  });
  new Gauge({
    name: 'qs_db_pool_waiting',
    help: 'Requests waiting for a database connection',
    registers: [registry],
    collect() {
      this.set(database.waitingCount());
    },
  });

  app.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? 'unmatched';
    requests.inc({ method: request.method, route, status: String(reply.statusCode) });
    duration.observe({ method: request.method, route }, reply.elapsedTime / 1000);
    done();
  });

  if (config.port === null && (config.public || config.token !== null)) {
    registerMetricsRoute(app, registry, config.token);
  } else {
    // Not served here: a clear 404 rather than the generic one, so an operator knows where to look.
    const schema = {
      tags: ['probes'],
      summary: 'Prometheus metrics (not served on this port)',
      response: { 404: errorAnswer(404, 'standard', 'Metrics are not served on this port') },
    };
    app.get('/metrics', { schema }, async () => {
      throw standardError(404, 'Metrics are not served on this port (see QS_METRICS_TOKEN, QS_METRICS_PORT, QS_METRICS_PUBLIC)');
    });
  }
}

function registerMetricsRoute(app: FastifyInstance, registry: Registry, token: string | null): void {
  const schema = {
    tags: ['probes'],
    summary: 'Prometheus metrics (text exposition format)',
    ...(token !== null ? { security: [{ metricsToken: [] }] } : {}),
    response: {
      200: mediaAnswer('text/plain', 'Metrics in the Prometheus text format (version 0.0.4)'),
      ...(token !== null ? { 401: errorAnswer(401, 'standard', 'Missing or wrong metrics token') } : {}),
    },
  };
  app.get('/metrics', { schema, ...(token !== null ? { onRequest: requireMetricsToken(token) } : {}) }, async (_request, reply) => {
    reply.type(registry.contentType);
    return registry.metrics();
  });
}

/** 401 unless `Authorization: Bearer <token>`; compared as digests, so neither content nor length leaks by timing. */
function requireMetricsToken(token: string): onRequestHookHandler {
  const expected = createHash('sha256').update(token).digest();
  return (request, _reply, done) => {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '');
    const given = createHash('sha256')
      .update(match?.[1] ?? '')
      .digest();
    if (match && timingSafeEqual(given, expected)) done();
    else done(standardError(401, 'Metrics need Authorization: Bearer <QS_METRICS_TOKEN>', { 'www-authenticate': 'Bearer realm="metrics"' }));
  };
}

export interface MetricsListener {
  /** Listens on `config.host:config.port`; resolves to the base URL. */
  listen(): Promise<string>;
  close(): Promise<void>;
}

/**
 * `/metrics` alone on a port of its own (`QS_METRICS_PORT`), for deployments that keep it on a private
 * interface or network. The same answers as the main port's: the contract's envelope, `X-Request-Id`, the
 * security headers, the token when one is set; every other path is 404.
 */
export function createMetricsListener(
  registry: Registry,
  config: MetricsConfig,
  options: { readonly logger: FastifyBaseLogger; readonly requestTimeoutMs: number; readonly retryAfterSeconds: number },
): MetricsListener {
  const app = Fastify({
    loggerInstance: options.logger,
    requestTimeout: options.requestTimeoutMs,
    clientErrorHandler,
    frameworkErrors: frameworkErrorHandler,
    forceCloseConnections: true,
    ...requestIdOptions,
  });
  app.addHook('onRequest', (request, reply, done) => {
    applySecurityHeaders(reply);
    reply.header(HEADERS.requestId, request.id);
    done();
  });
  installErrorHandler(app, { retryAfterSeconds: options.retryAfterSeconds });
  registerMetricsRoute(app, registry, config.token);
  return {
    async listen() {
      await app.listen({ host: config.host, port: config.port ?? 0 });
      return listeningUrl(app.server, 'metrics listener');
    },
    close: () => app.close(),
  };
}
