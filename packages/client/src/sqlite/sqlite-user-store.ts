import type { MutationType, UserResource } from '@quran-sync/protocol';
import type { BatchReads, ListRecordsOptions, OutboxEntry, QuarantinedEntry, UserRecord, UserStore, UserStoreOp, UserSyncMeta } from '../user/user-store.js';
import { UserStoreError, validateUserStoreOps } from '../user/user-store-ops.js';
import type { SqliteDatabase, SqliteStatement } from './sqlite-database.js';
import { SQLITE_USER_SCHEMA, SQLITE_USER_SCHEMA_VERSION } from './sqlite-user-schema.js';
import { installSqliteSchema } from './sqlite-schema-install.js';

interface RecordColumns extends Record<string, unknown> {
  resource: string;
  id: string;
  data: string | null;
  base: string | null;
  base_timestamp: number | null;
  natural_key: string | null;
  updated_at: number;
}

interface OutboxColumns extends Record<string, unknown> {
  seq: number;
  type: string;
  resource: string;
  id: string;
  send_id: number;
  data: string | null;
  created_at: number;
}

const UPSERT_RECORD =
  'insert into qs_user_records (resource, id, data, base, base_timestamp, natural_key, updated_at) values (?, ?, ?, ?, ?, ?, ?) ' +
  'on conflict (resource, id) do update set data = excluded.data, base = excluded.base, base_timestamp = excluded.base_timestamp, ' +
  'natural_key = excluded.natural_key, updated_at = excluded.updated_at';
const UPSERT_OUTBOX = 'insert or replace into qs_user_outbox (seq, type, resource, id, send_id, data, created_at) values (?, ?, ?, ?, ?, ?, ?)';
const SYNC_META_KEY = 'sync';

/**
 * `UserStore` on SQLite through any `SqliteDatabase` adapter (schema in `sqlite-user-schema.ts`). A write batch
 * becomes one list of statements run in one transaction by the adapter.
 */
export class SqliteUserStore implements UserStore, BatchReads {
  private constructor(private readonly db: SqliteDatabase) {}

  /** Creates the tables if needed; refuses a database written by a newer, incompatible store. */
  static async open(db: SqliteDatabase): Promise<SqliteUserStore> {
    const refused = await installSqliteSchema(db, { statements: SQLITE_USER_SCHEMA, version: SQLITE_USER_SCHEMA_VERSION, metaTable: 'qs_user_meta' });
    if (refused) {
      throw new UserStoreError(`this database holds user store schema ${refused.newerVersion}; this SDK reads up to ${SQLITE_USER_SCHEMA_VERSION}`);
    }
    return new SqliteUserStore(db);
  }

  async write(ops: readonly UserStoreOp[]): Promise<void> {
    validateUserStoreOps(ops);
    const statements = ops.map(statementOf);
    if (statements.length > 0) await this.db.transaction(statements);
  }

  async readMeta(): Promise<UserSyncMeta | null> {
    const rows = await this.db.all<{ value: string }>('select value from qs_user_meta where key = ?', [SYNC_META_KEY]);
    return rows[0] ? (JSON.parse(rows[0].value) as UserSyncMeta) : null;
  }

  async getRecord(resource: UserResource, id: string): Promise<UserRecord | null> {
    const rows = await this.db.all<RecordColumns>('select * from qs_user_records where resource = ? and id = ?', [resource, id]);
    return rows[0] ? toRecord(rows[0]) : null;
  }

  async getRecords(resource: UserResource, ids: readonly string[]): Promise<Map<string, UserRecord>> {
    // The ids as one JSON parameter: one statement (prepared once) whatever their number.
    const rows = await this.db.all<RecordColumns>('select * from qs_user_records where resource = ? and id in (select value from json_each(?))', [
      resource,
      JSON.stringify(ids),
    ]);
    return new Map(rows.map((row) => [row.id, toRecord(row)] as const));
  }

  async findRecords(resource: UserResource, naturalKey: string): Promise<UserRecord[]> {
    const rows = await this.db.all<RecordColumns>('select * from qs_user_records where resource = ? and natural_key = ? order by id', [resource, naturalKey]);
    return rows.map(toRecord);
  }

  async listRecords(resource: UserResource, options: ListRecordsOptions = {}): Promise<UserRecord[]> {
    // The hints filter on the stored JSON text: equal texts are equal records (one serialiser writes both
    // columns), and unequal texts that happen to mean the same value are merely listed, which is allowed.
    const where = [
      'resource = ?',
      ...(options.includeDeleted ? [] : ['data is not null']),
      ...(options.unsettled ? ['(data is null or data is not base)'] : []),
      ...(options.confirmed ? ['base is not null'] : []),
    ];
    const rows = await this.db.all<RecordColumns>(`select * from qs_user_records where ${where.join(' and ')} order by id`, [resource]);
    return rows.map(toRecord);
  }

  async getOutbox(seq: number): Promise<OutboxEntry | null> {
    const rows = await this.db.all<OutboxColumns>('select * from qs_user_outbox where seq = ?', [seq]);
    return rows[0] ? toEntry(rows[0]) : null;
  }

  async listOutbox(limit?: number): Promise<OutboxEntry[]> {
    const rows = await this.db.all<OutboxColumns>('select * from qs_user_outbox order by seq limit ?', [limit ?? -1]);
    return rows.map(toEntry);
  }

  async outboxFor(resource: UserResource, id: string): Promise<OutboxEntry[]> {
    const rows = await this.db.all<OutboxColumns>('select * from qs_user_outbox where resource = ? and id = ? order by seq', [resource, id]);
    return rows.map(toEntry);
  }

  async outboxSeqs(resource: UserResource, ids: readonly string[]): Promise<Array<{ id: string; seq: number }>> {
    const rows = await this.db.all<{ id: string; seq: number }>(
      'select id, seq from qs_user_outbox where resource = ? and id in (select value from json_each(?))',
      [resource, JSON.stringify(ids)],
    );
    return rows.map((r) => ({ id: r.id, seq: Number(r.seq) }));
  }

  async countOutbox(): Promise<number> {
    const rows = await this.db.all<{ n: number }>('select count(*) as n from qs_user_outbox');
    return Number(rows[0]?.n ?? 0);
  }

  async listQuarantine(): Promise<QuarantinedEntry[]> {
    const rows = await this.db.all<{ entry: string }>('select entry from qs_user_quarantine order by seq');
    return rows.map((r) => JSON.parse(r.entry) as QuarantinedEntry);
  }

  async maxSeq(): Promise<number> {
    const rows = await this.db.all<{ n: number | null }>(
      'select max(seq) as n from (select seq from qs_user_outbox union all select seq from qs_user_quarantine)',
    );
    return Number(rows[0]?.n ?? 0);
  }

  async clear(): Promise<void> {
    await this.db.transaction([
      { sql: 'delete from qs_user_records', params: [] },
      { sql: 'delete from qs_user_outbox', params: [] },
      { sql: 'delete from qs_user_quarantine', params: [] },
      { sql: 'delete from qs_user_meta where key = ?', params: [SYNC_META_KEY] },
    ]);
  }

  async close(): Promise<void> {
    await this.db.close();
  }
}

const json = (value: unknown): string | null => (value === null ? null : JSON.stringify(value));
const parse = (text: string | null): Record<string, unknown> | null => (text === null ? null : (JSON.parse(text) as Record<string, unknown>));

function toRecord(r: RecordColumns): UserRecord {
  return {
    resource: r.resource as UserResource,
    id: r.id,
    data: parse(r.data),
    base: parse(r.base),
    baseTimestamp: r.base_timestamp === null ? null : Number(r.base_timestamp),
    naturalKey: r.natural_key,
    updatedAt: Number(r.updated_at),
  };
}

function toEntry(r: OutboxColumns): OutboxEntry {
  return {
    seq: Number(r.seq),
    type: r.type as MutationType,
    resource: r.resource as UserResource,
    id: r.id,
    sendId: Number(r.send_id) === 1,
    data: parse(r.data),
    createdAt: Number(r.created_at),
  };
}

/** The SQLite statement of one store operation. */
function statementOf(op: UserStoreOp): SqliteStatement {
  switch (op.op) {
    case 'putRecord': {
      const r = op.record;
      return { sql: UPSERT_RECORD, params: [r.resource, r.id, json(r.data), json(r.base), r.baseTimestamp, r.naturalKey, r.updatedAt] };
    }
    case 'deleteRecord':
      return { sql: 'delete from qs_user_records where resource = ? and id = ?', params: [op.resource, op.id] };
    case 'putOutbox': {
      const e = op.entry;
      return { sql: UPSERT_OUTBOX, params: [e.seq, e.type, e.resource, e.id, e.sendId ? 1 : 0, json(e.data), e.createdAt] };
    }
    case 'deleteOutbox':
      return { sql: 'delete from qs_user_outbox where seq = ?', params: [op.seq] };
    case 'putQuarantine':
      return { sql: 'insert or replace into qs_user_quarantine (seq, entry) values (?, ?)', params: [op.entry.seq, JSON.stringify(op.entry)] };
    case 'deleteQuarantine':
      return { sql: 'delete from qs_user_quarantine where seq = ?', params: [op.seq] };
    case 'putMeta':
      return { sql: 'insert or replace into qs_user_meta (key, value) values (?, ?)', params: [SYNC_META_KEY, JSON.stringify(op.meta)] };
  }
}
