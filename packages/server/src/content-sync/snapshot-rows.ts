import { sql } from 'kysely';
import type { ContentDb } from './content-db.js';

/**
 * A resource's rows as JSON text straight from PostgreSQL (`data::text`, never parsed), in snapshot order,
 * read in keyset batches over `(sort_key, record_type, record_key)` — never an OFFSET, so each batch costs
 * the same however deep into the resource it is. Shared by the streamed snapshot and the snapshot cache.
 * Yields each non-empty batch as the UTF-8 bytes of its rows joined with commas, every batch after the
 * first led by a comma too: the batches concatenated are the contents of the `records` array. Stops after
 * the first short batch.
 *
 * The rows come as bytes (`convert_to(…, 'UTF8')`, a bytea), not text: they are only passed through, and
 * as text every row was decoded from UTF-8 by the driver and encoded again for the socket or the cache,
 * over half of the server's CPU for an uncached snapshot of the (mostly Arabic) Quran text.
 *
 * The next batch is asked for as soon as one arrives, before the consumer has written it out: the database
 * reads batch k+1 while the socket (or compressor) takes batch k. At most two batches are held.
 */
export async function* snapshotRowBatches(db: ContentDb, group: string, id: number, batchRows: number): AsyncGenerator<Buffer> {
  let next: Promise<KeyedRow[]> | null = readBatch(db, group, id, batchRows, null);
  let first = true;
  while (next) {
    const batch: KeyedRow[] = await next;
    if (batch.length === 0) return;
    next = batch.length < batchRows ? null : prefetch(readBatch(db, group, id, batchRows, batch[batch.length - 1]!));
    yield joinRows(batch, !first);
    first = false;
  }
}

interface KeyedRow {
  readonly sort_key: string;
  readonly record_type: string;
  readonly record_key: string;
  /** The row's JSON as UTF-8 (a Buffer from pg, a Uint8Array from PGlite). */
  readonly json: Uint8Array;
}

const COMMA = 0x2c;

/** The rows' bytes joined with commas, after a comma of their own when `leadingComma`. */
function joinRows(rows: readonly KeyedRow[], leadingComma: boolean): Buffer {
  let length = leadingComma ? rows.length : rows.length - 1;
  for (const row of rows) length += row.json.length;
  const joined = Buffer.allocUnsafe(length);
  let at = 0;
  for (const row of rows) {
    if (at > 0 || leadingComma) joined[at++] = COMMA;
    joined.set(row.json, at);
    at += row.json.length;
  }
  return joined;
}

/**
 * A read nobody may await: the consumer can stop after any batch (client gone, body too large for the
 * cache). Its failure must not surface as an unhandled rejection; a consumer that does await it still
 * sees the error.
 */
function prefetch<T>(read: Promise<T>): Promise<T> {
  read.catch(() => {});
  return read;
}

function readBatch(
  db: ContentDb,
  group: string,
  id: number,
  batchRows: number,
  after: Pick<KeyedRow, 'sort_key' | 'record_type' | 'record_key'> | null,
): Promise<KeyedRow[]> {
  return db
    .selectFrom('content_rows')
    .select(['sort_key', 'record_type', 'record_key', sql<Uint8Array>`convert_to(data::text, 'UTF8')`.as('json')])
    .where('resource_group', '=', group)
    .where('resource_id', '=', id)
    .$if(after !== null, (qb) =>
      qb.where((eb) => eb(eb.refTuple('sort_key', 'record_type', 'record_key'), '>', eb.tuple(after!.sort_key, after!.record_type, after!.record_key))),
    )
    .orderBy('sort_key')
    .orderBy('record_type')
    .orderBy('record_key')
    .limit(batchRows)
    .execute();
}

/** The snapshot body up to the opening of `records` (both the streamed and the cached body start so). */
export function snapshotBodyPrefix(
  head: { readonly group: string; readonly id: number; readonly schemaVersion: number },
  resourceContentId: number | null,
): string {
  return `{"resource_group":${JSON.stringify(head.group)},"resource_id":${head.id},"resource_content_id":${resourceContentId === null ? 'null' : resourceContentId},"schema_version":${head.schemaVersion},"records":[`;
}
