import type { FastifyInstance } from 'fastify';
import type { DatabaseHandle } from '../db/database.js';
import { isDatabaseReachable } from '../db/database.js';
import { serviceUnavailable } from './api-error.js';

/** `/health`: the process answers (liveness). `/ready`: and its database does (readiness). */
export function registerHealthRoutes(app: FastifyInstance, database: DatabaseHandle): void {
  app.get('/health', { schema: { hide: true } }, async () => ({ status: 'ok' }));
  app.get('/ready', { schema: { hide: true } }, async () => {
    if (!(await isDatabaseReachable(database.db))) throw serviceUnavailable('Database is not reachable', 2);
    return { status: 'ready', database: database.kind };
  });
}
