import { sql } from 'kysely';
import type { AppContext } from '../app-context.js';
import type { ContentDb } from './content-db.js';
import { applyRowChanges, putResource, validateRowChanges } from './content-editorial.js';
import { withFeedWriter } from './content-feed-writer.js';
import { seedResources } from './content-seed-data.js';

export interface SeedReport {
  readonly seeded: boolean;
  readonly resources: number;
  readonly rows: number;
  readonly head: number;
}

/**
 * Loads the bundled content (`content-seed-data.ts`) into an empty database, in ONE editorial transaction:
 * each resource is created unapproved, its rows are loaded (not public, so no row entries), then it is made
 * public — one `RESOURCE_CREATE` per resource in the feed, not one entry per row. Emptiness is checked
 * under the feed-head lock, so two processes seeding the same database at once seed it once.
 */
export async function seedContent(db: ContentDb, heads?: { advance(head: number): void }): Promise<SeedReport> {
  const { result, head } = await withFeedWriter(
    db,
    async (writer) => {
      const existing = await writer.trx.selectFrom('content_resources').select('resource_id').limit(1).executeTakeFirst();
      if (existing) return { seeded: false, resources: 0, rows: 0 };
      let resources = 0;
      let rows = 0;
      for (const r of seedResources()) {
        const created = await putResource(writer, r.group, r.id, {
          status: 'unapproved',
          metadata: r.metadata,
          ...(r.resourceContentId !== undefined ? { resource_content_id: r.resourceContentId } : {}),
        });
        const changes = validateRowChanges(r.group, created, { upsert: r.rows });
        await applyRowChanges(writer, r.group, created, changes, { resourceIsNew: true });
        await putResource(writer, r.group, r.id, { status: 'public' });
        resources++;
        rows += r.rows.length;
      }
      return { seeded: true, resources, rows };
    },
    heads,
  );
  // Planner statistics for the bulk load, now rather than whenever autovacuum gets to it (PGlite has none):
  // with the tables still counted as empty, a snapshot's keyset batch was planned as a scan and sort of the
  // whole resource (every batch, so quadratic in its size) instead of an index range.
  if (result.seeded) await sql`analyze content_resources, content_rows, content_feed`.execute(db);
  return { ...result, head };
}

/** Seeds the bundled content when the content tables are empty. Returns true when it seeded. */
export async function seedContentIfEmpty(ctx: AppContext): Promise<boolean> {
  const report = await seedContent(ctx.db, ctx.content.heads);
  if (report.seeded) ctx.log.info({ resources: report.resources, rows: report.rows, head: report.head }, 'seeded bundled content');
  return report.seeded;
}
