import { sql } from 'kysely';
import type { ContentDb } from './content-db.js';

/**
 * A resource's rows as JSON text straight from PostgreSQL (`data::text`, never parsed), in snapshot order,
 * read in keyset batches over `(sort_key, record_type, record_key)` — never an OFFSET, so each batch costs
 * the same however deep into the resource it is. Shared by the streamed snapshot and the snapshot cache.
 * Yields non-empty batches; stops after the first short one.
 */
export async function* snapshotRowBatches(db: ContentDb, group: string, id: number, batchRows: number): AsyncGenerator<string[]> {
  let after: { sortKey: string; recordType: string; recordKey: string } | null = null;
  for (;;) {
    const batch: Array<{ sort_key: string; record_type: string; record_key: string; json: string }> = await db
      .selectFrom('content_rows')
      .select(['sort_key', 'record_type', 'record_key', sql<string>`data::text`.as('json')])
      .where('resource_group', '=', group)
      .where('resource_id', '=', id)
      .$if(after !== null, (qb) =>
        qb.where((eb) => eb(eb.refTuple('sort_key', 'record_type', 'record_key'), '>', eb.tuple(after!.sortKey, after!.recordType, after!.recordKey))),
      )
      .orderBy('sort_key')
      .orderBy('record_type')
      .orderBy('record_key')
      .limit(batchRows)
      .execute();
    if (batch.length === 0) return;
    yield batch.map((r) => r.json);
    if (batch.length < batchRows) return;
    const last = batch[batch.length - 1]!;
    after = { sortKey: last.sort_key, recordType: last.record_type, recordKey: last.record_key };
  }
}

/** The snapshot body up to the opening of `records` (both the streamed and the cached body start so). */
export function snapshotBodyPrefix(head: { readonly group: string; readonly id: number; readonly schemaVersion: number }, resourceContentId: number | null): string {
  return `{"resource_group":${JSON.stringify(head.group)},"resource_id":${head.id},"resource_content_id":${resourceContentId === null ? 'null' : resourceContentId},"schema_version":${head.schemaVersion},"records":[`;
}
