import type { ResourceGroupName, SetDigest } from '@quran-sync/protocol';
import type {
  ContentCheckpoint,
  ContentStore,
  ContentStoreOp,
  ListRowsOptions,
  StoredResource,
  StoredResourceStatus,
  StoredRow,
} from '../content/content-store.js';
import { ContentStoreError, pageBounds, rowIndexFields, validateContentStoreOps, verseIndexRange } from '../content/content-store-ops.js';
import { computeStoredDigest, digestReads, keptDigestChanges, resourceRefKey, rowRefKey } from '../content/content-store-digests.js';
import { SQLITE_CONTENT_SCHEMA, SQLITE_CONTENT_SCHEMA_VERSION } from './sqlite-content-schema.js';
import { installSqliteSchema } from './sqlite-schema-install.js';
import type { SqliteDatabase, SqliteStatement, SqliteValue } from './sqlite-database.js';

interface ResourceColumns extends Record<string, unknown> {
  resource_group: string;
  resource_id: number;
  resource_content_id: number | null;
  status: string;
  unavailable_reason: string | null;
  etag: string | null;
  sequence: number;
  changed_at: string | null;
  fresh_at: number;
}

interface RowColumns extends Record<string, unknown> {
  record_type: string;
  record_key: string;
  data: string;
}

const UPSERT_RESOURCE =
  'insert into qs_content_resources (resource_group, resource_id, resource_content_id, status, unavailable_reason, etag, sequence, changed_at, fresh_at) values (?, ?, ?, ?, ?, ?, ?, ?, ?) ' +
  'on conflict (resource_group, resource_id) do update set resource_content_id = excluded.resource_content_id, status = excluded.status, ' +
  'unavailable_reason = excluded.unavailable_reason, etag = excluded.etag, sequence = excluded.sequence, changed_at = excluded.changed_at, fresh_at = excluded.fresh_at';
const UPSERT_ROW =
  'insert into qs_content_rows (resource_group, resource_id, record_type, record_key, sort_key, verse_index, data) values (?, ?, ?, ?, ?, ?, ?) ' +
  'on conflict (resource_group, resource_id, record_type, record_key) do update set sort_key = excluded.sort_key, verse_index = excluded.verse_index, data = excluded.data';
const DELETE_ROWS = 'delete from qs_content_rows where resource_group = ? and resource_id = ?';

/**
 * `ContentStore` on SQLite through any `SqliteDatabase` adapter (schema in `sqlite-content-schema.ts`).
 * A write batch becomes one list of statements run in one transaction by the adapter.
 */
export class SqliteContentStore implements ContentStore {
  private constructor(private readonly db: SqliteDatabase) {}

  /** Creates the tables if needed; refuses a database written by a newer, incompatible store. */
  static async open(db: SqliteDatabase): Promise<SqliteContentStore> {
    const refused = await installSqliteSchema(db, { statements: SQLITE_CONTENT_SCHEMA, version: SQLITE_CONTENT_SCHEMA_VERSION, metaTable: 'qs_content_meta' });
    if (refused) {
      throw new ContentStoreError(`this database holds content store schema ${refused.newerVersion}; this SDK reads up to ${SQLITE_CONTENT_SCHEMA_VERSION}`);
    }
    return new SqliteContentStore(db);
  }

  async write(ops: readonly ContentStoreOp[]): Promise<void> {
    validateContentStoreOps(ops);
    const statements: SqliteStatement[] = [];
    // The adapter runs a list of statements, so what the digests need is read first (one writer per store).
    const reads = digestReads(ops);
    const baseDigests = new Map<string, SetDigest>();
    for (const r of reads.resources)
      baseDigests.set(resourceRefKey(r.group, r.id), (await this.readDigest(r.group, r.id)) ?? (await computeStoredDigest(this, r.group, r.id)));
    const baseRows = new Map<string, unknown>();
    for (const r of reads.rows) {
      const row = await this.getRow(r.group, r.resourceId, r.recordType, r.recordKey);
      if (row) baseRows.set(rowRefKey(r.group, r.resourceId, r.recordType, r.recordKey), row.data);
    }
    for (const op of ops) {
      switch (op.op) {
        case 'replaceResource':
          statements.push({ sql: DELETE_ROWS, params: [op.resource.group, op.resource.id] });
          statements.push(resourceStatement(op.resource));
          for (const r of op.rows) statements.push(rowStatement(op.resource.group, op.resource.id, r.recordType, r.recordKey, r.data));
          break;
        case 'putResource':
          statements.push(resourceStatement(op.resource));
          break;
        case 'removeResource':
          statements.push({ sql: DELETE_ROWS, params: [op.group, op.resourceId] });
          statements.push({ sql: 'delete from qs_content_resources where resource_group = ? and resource_id = ?', params: [op.group, op.resourceId] });
          break;
        case 'upsertRow':
          statements.push(rowStatement(op.group, op.resourceId, op.recordType, op.recordKey, op.data));
          break;
        case 'deleteRow':
          statements.push({
            sql: 'delete from qs_content_rows where resource_group = ? and resource_id = ? and record_type = ? and record_key = ?',
            params: [op.group, op.resourceId, op.recordType, op.recordKey],
          });
          break;
        case 'writeCheckpoint':
          statements.push({
            sql: 'insert or replace into qs_content_checkpoint (id, filter, token, sequence, synced_at) values (1, ?, ?, ?, ?)',
            params: [op.checkpoint.filter, op.checkpoint.token, op.checkpoint.sequence, op.checkpoint.syncedAt],
          });
          break;
        case 'clearCheckpoint':
          statements.push({ sql: 'delete from qs_content_checkpoint', params: [] });
          break;
      }
    }
    for (const { group, id, digest } of keptDigestChanges(ops, { digests: baseDigests, rows: baseRows }).values()) {
      statements.push(
        digest
          ? {
              sql: 'insert or replace into qs_content_digests (resource_group, resource_id, digest, row_count) values (?, ?, ?, ?)',
              params: [group, id, digest.digest, digest.count],
            }
          : { sql: 'delete from qs_content_digests where resource_group = ? and resource_id = ?', params: [group, id] },
      );
    }
    if (statements.length > 0) await this.db.transaction(statements);
  }

  async readCheckpoint(): Promise<ContentCheckpoint | null> {
    const rows = await this.db.all<{ filter: string; token: string; sequence: number; synced_at: number }>(
      'select filter, token, sequence, synced_at from qs_content_checkpoint where id = 1',
    );
    const r = rows[0];
    return r ? { filter: r.filter, token: r.token, sequence: Number(r.sequence), syncedAt: Number(r.synced_at) } : null;
  }

  async getResource(group: ResourceGroupName, resourceId: number): Promise<StoredResource | null> {
    const rows = await this.db.all<ResourceColumns>('select * from qs_content_resources where resource_group = ? and resource_id = ?', [group, resourceId]);
    return rows[0] ? toResource(rows[0]) : null;
  }

  async listResources(): Promise<StoredResource[]> {
    return (await this.db.all<ResourceColumns>('select * from qs_content_resources order by resource_group, resource_id')).map(toResource);
  }

  async getRow(group: ResourceGroupName, resourceId: number, recordType: string, recordKey: string | number): Promise<StoredRow | null> {
    const rows = await this.db.all<RowColumns>(
      'select record_type, record_key, data from qs_content_rows where resource_group = ? and resource_id = ? and record_type = ? and record_key = ?',
      [group, resourceId, recordType, String(recordKey)],
    );
    return rows[0] ? toRow(group, resourceId, rows[0]) : null;
  }

  async listRows(group: ResourceGroupName, resourceId: number, options?: ListRowsOptions): Promise<StoredRow[]> {
    const range = verseIndexRange(options);
    const { offset, limit } = pageBounds(options);
    const where = ['resource_group = ?', 'resource_id = ?'];
    const params: SqliteValue[] = [group, resourceId];
    if (options?.recordType !== undefined) {
      where.push('record_type = ?');
      params.push(options.recordType);
    }
    if (range) {
      where.push('verse_index is not null', 'verse_index between ? and ?');
      params.push(range.from, range.to);
    }
    // SQLite wants a LIMIT before an OFFSET; -1 means "no limit".
    params.push(limit === Number.MAX_SAFE_INTEGER ? -1 : limit, offset);
    const rows = await this.db.all<RowColumns>(
      `select record_type, record_key, data from qs_content_rows where ${where.join(' and ')} order by sort_key, record_type, record_key limit ? offset ?`,
      params,
    );
    return rows.map((r) => toRow(group, resourceId, r));
  }

  async countRows(group: ResourceGroupName, resourceId: number): Promise<number> {
    const rows = await this.db.all<{ n: number }>('select count(*) as n from qs_content_rows where resource_group = ? and resource_id = ?', [
      group,
      resourceId,
    ]);
    return Number(rows[0]?.n ?? 0);
  }

  async readDigest(group: ResourceGroupName, resourceId: number): Promise<SetDigest | null> {
    const rows = await this.db.all<{ digest: string; row_count: number }>(
      'select digest, row_count from qs_content_digests where resource_group = ? and resource_id = ?',
      [group, resourceId],
    );
    return rows[0] ? { digest: rows[0].digest, count: Number(rows[0].row_count) } : null;
  }

  async close(): Promise<void> {
    await this.db.close();
  }
}

function resourceStatement(r: StoredResource): SqliteStatement {
  return { sql: UPSERT_RESOURCE, params: [r.group, r.id, r.resourceContentId, r.status, r.unavailableReason, r.etag, r.sequence, r.changedAt, r.freshAt] };
}

function rowStatement(
  group: ResourceGroupName,
  resourceId: number,
  recordType: string,
  recordKey: string,
  data: Readonly<Record<string, unknown>>,
): SqliteStatement {
  const { sortKey, verseIndex } = rowIndexFields(group, recordType, data);
  return { sql: UPSERT_ROW, params: [group, resourceId, recordType, recordKey, sortKey, verseIndex, JSON.stringify(data)] };
}

function toResource(r: ResourceColumns): StoredResource {
  return {
    group: r.resource_group as ResourceGroupName,
    id: Number(r.resource_id),
    resourceContentId: r.resource_content_id === null ? null : Number(r.resource_content_id),
    status: r.status as StoredResourceStatus,
    unavailableReason: r.unavailable_reason,
    etag: r.etag,
    sequence: Number(r.sequence),
    changedAt: r.changed_at,
    freshAt: Number(r.fresh_at),
  };
}

function toRow(group: ResourceGroupName, resourceId: number, r: RowColumns): StoredRow {
  return { group, resourceId, recordType: r.record_type, recordKey: r.record_key, data: JSON.parse(r.data) as Record<string, unknown> };
}
