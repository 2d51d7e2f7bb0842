import { setImmediate as nextTurn } from 'node:timers/promises';
import type { KyselyPlugin, PluginTransformQueryArgs, PluginTransformResultArgs, QueryResult, RootOperationNode, UnknownRow } from 'kysely';
import type { AppContext } from '../app-context.js';
import { seedContentIfEmpty } from '../content-sync/content-seed.js';
import type { Readiness } from './readiness.js';

/**
 * One turn of the event loop after every query. The embedded database (PGlite) runs in this thread and
 * resolves queries without giving the event loop a turn, so the ~160 queries of the seed (7 s on a 2-core
 * machine) ran as one unbroken chain: no request, health check or timer was served until it ended. With a
 * turn after each query the server answers between statements (a single large statement still holds it).
 * On PostgreSQL a query already waits for the network; the extra turn costs nothing worth counting.
 */
class YieldAfterEachQuery implements KyselyPlugin {
  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    return args.node;
  }

  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    await nextTurn();
    return args.result;
  }
}

/**
 * Seeds the bundled content into an empty database while the server is already listening: `/ready` says why it
 * is not ready meanwhile, and requests are served between the seed's statements (content appears all at once:
 * the seed is one transaction).
 */
export async function seedWhileServing(ctx: AppContext, readiness: Readiness): Promise<void> {
  readiness.notReady('seeding the bundled content');
  await seedContentIfEmpty({ ...ctx, db: ctx.db.withPlugin(new YieldAfterEachQuery()) });
  readiness.ready();
}
