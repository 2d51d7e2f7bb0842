import { HealthResponse, ReadyResponse } from '@quran-sync/protocol';
import type { FastifyInstance } from 'fastify';
import type { DatabaseHandle } from '../db/database.js';
import { isDatabaseReachable } from '../db/database.js';
import { serviceUnavailable } from './api-error.js';
import { errorAnswer, jsonAnswer } from './response-docs.js';
import type { ServiceLifecycle } from '../lifecycle/service-lifecycle.js';
import type { Readiness } from './readiness.js';

/**
 * `/health`: the process answers (liveness). `/ready`: start-up work is done (the bundled content is seeded)
 * and the database answers (readiness). The start-up state is checked first: while seeding holds the embedded
 * database, a query would only wait behind it.
 */
export function registerHealthRoutes(app: FastifyInstance, database: DatabaseHandle, readiness: Readiness, services: ServiceLifecycle): void {
  const tags = ['probes'];
  app.get('/health', { schema: { tags, summary: 'Liveness: the process answers', response: { 200: jsonAnswer(HealthResponse, 'Alive') } } }, async () => ({
    status: 'ok',
  }));
  app.get(
    '/ready',
    {
      schema: {
        tags,
        summary: 'Readiness: start-up work is done and the database answers',
        response: {
          200: jsonAnswer(ReadyResponse, 'Ready to serve'),
          503: errorAnswer(503, 'standard', 'Not ready yet (seeding) or the database is unreachable'),
        },
      },
    },
    async () => {
      const reason = readiness.notReadyReason;
      if (reason !== null) throw serviceUnavailable(`Not ready: ${reason}`, 2);
      if (!(await isDatabaseReachable(database.db))) throw serviceUnavailable('Database is not reachable', 2);
      // A degraded service still serves (a cache reading the database, a purge that keeps failing): the node
      // stays in rotation, and the answer names what an operator should look at.
      const degraded = services.unhealthy();
      return degraded.length > 0 ? { status: 'ready', database: database.kind, degraded } : { status: 'ready', database: database.kind };
    },
  );
}
