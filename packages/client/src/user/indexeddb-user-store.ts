import { openDB, type DBSchema, type IDBPDatabase } from 'idb';
import { commitIndexedDbBatch } from '../indexeddb/indexeddb-batch.js';
import { keyRange } from '../indexeddb/indexeddb-key-range.js';
import type { UserResource } from '@quran-sync/protocol';
import type { BatchReads, ListRecordsOptions, OutboxEntry, QuarantinedEntry, UserRecord, UserStore, UserStoreOp, UserSyncMeta } from './user-store.js';
import { omittedByHints, validateUserStoreOps } from './user-store-ops.js';

/**
 * `UserStore` on IndexedDB (browsers, Electron renderers), through `idb`.
 *
 * Object stores (database version 1):
 * - `records`, key `[resource, id]`, index `naturalKey` on `[resource, naturalKey]` (records without a natural
 *   key are not indexed: `null` is not a valid key);
 * - `outbox`, key `seq`, index `record` on `[resource, id, seq]`;
 * - `quarantine`, key `seq`;
 * - `meta`, one record under the key `sync`.
 *
 * A write batch is ONE readwrite transaction over the four stores with every request issued up front, so it
 * commits whole or aborts whole; nothing else is awaited while it is open (IndexedDB would auto-commit).
 * Values go through JSON before they are stored, so this store keeps exactly what the SQLite and memory stores
 * keep (`undefined` members dropped).
 */
interface UserDbSchema extends DBSchema {
  records: { key: [string, string]; value: UserRecord; indexes: { naturalKey: [string, string] } };
  outbox: { key: number; value: OutboxEntry; indexes: { record: [string, string, number] } };
  quarantine: { key: number; value: QuarantinedEntry };
  meta: { key: string; value: UserSyncMeta };
}

const DB_VERSION = 1;
const META_KEY = 'sync';
const STORES = ['records', 'outbox', 'quarantine', 'meta'] as const;

const clone = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

export interface IndexedDbUserStoreOptions {
  /** Database name (default `quran-sync-user`); one store per name. */
  readonly name?: string;
}

export class IndexedDbUserStore implements UserStore, BatchReads {
  /** Every tab of the origin opens the same database: clients coordinate across contexts under this key. */
  readonly coordinationKey: string;

  private constructor(
    private readonly db: IDBPDatabase<UserDbSchema>,
    name: string,
  ) {
    this.coordinationKey = `indexeddb:user:${name}`;
  }

  static async open(options: IndexedDbUserStoreOptions = {}): Promise<IndexedDbUserStore> {
    const name = options.name ?? 'quran-sync-user';
    const db = await openDB<UserDbSchema>(name, DB_VERSION, {
      upgrade(database, oldVersion) {
        if (oldVersion < 1) {
          const records = database.createObjectStore('records', { keyPath: ['resource', 'id'] });
          records.createIndex('naturalKey', ['resource', 'naturalKey']);
          const outbox = database.createObjectStore('outbox', { keyPath: 'seq' });
          outbox.createIndex('record', ['resource', 'id', 'seq']);
          database.createObjectStore('quarantine', { keyPath: 'seq' });
          database.createObjectStore('meta');
        }
      },
    });
    return new IndexedDbUserStore(db, name);
  }

  async write(ops: readonly UserStoreOp[]): Promise<void> {
    validateUserStoreOps(ops);
    const prepared = ops.map((op): UserStoreOp => {
      switch (op.op) {
        case 'putRecord':
          return { ...op, record: clone(op.record) };
        case 'putOutbox':
          return { ...op, entry: clone(op.entry) };
        case 'putQuarantine':
          return { ...op, entry: clone(op.entry) };
        case 'putMeta':
          return { ...op, meta: clone(op.meta) };
        default:
          return op;
      }
    });
    const tx = this.db.transaction([...STORES], 'readwrite');
    await commitIndexedDbBatch(tx, (requests) => {
      for (const op of prepared) {
        switch (op.op) {
          case 'putRecord':
            requests.push(tx.objectStore('records').put(op.record));
            break;
          case 'deleteRecord':
            requests.push(tx.objectStore('records').delete([op.resource, op.id]));
            break;
          case 'putOutbox':
            requests.push(tx.objectStore('outbox').put(op.entry));
            break;
          case 'deleteOutbox':
            requests.push(tx.objectStore('outbox').delete(op.seq));
            break;
          case 'putQuarantine':
            requests.push(tx.objectStore('quarantine').put(op.entry));
            break;
          case 'deleteQuarantine':
            requests.push(tx.objectStore('quarantine').delete(op.seq));
            break;
          case 'putMeta':
            requests.push(tx.objectStore('meta').put(op.meta, META_KEY));
            break;
        }
      }
    });
  }

  async readMeta(): Promise<UserSyncMeta | null> {
    return (await this.db.get('meta', META_KEY)) ?? null;
  }

  async getRecord(resource: UserResource, id: string): Promise<UserRecord | null> {
    return (await this.db.get('records', [resource, id])) ?? null;
  }

  async getRecords(resource: UserResource, ids: readonly string[]): Promise<Map<string, UserRecord>> {
    // One transaction, all requests issued at once: IndexedDB answers them in order without a round trip each.
    const store = this.db.transaction('records').objectStore('records');
    const records = await Promise.all(ids.map((id) => store.get([resource, id])));
    return new Map(records.flatMap((r) => (r ? [[r.id, r] as const] : [])));
  }

  async findRecords(resource: UserResource, naturalKey: string): Promise<UserRecord[]> {
    const records = await this.db.getAllFromIndex('records', 'naturalKey', [resource, naturalKey]);
    return records.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  async listRecords(resource: UserResource, options: ListRecordsOptions = {}): Promise<UserRecord[]> {
    // `[resource]` sorts before every `[resource, id]`, and `[resource, []]` after them (arrays sort after strings).
    const records = await this.db.getAll('records', keyRange([resource], [resource, []]));
    return records.filter((r) => (r.data !== null || options.includeDeleted) && !omittedByHints(r, options));
  }

  async getOutbox(seq: number): Promise<OutboxEntry | null> {
    return (await this.db.get('outbox', seq)) ?? null;
  }

  async listOutbox(limit?: number): Promise<OutboxEntry[]> {
    return this.db.getAll('outbox', undefined, limit);
  }

  async outboxFor(resource: UserResource, id: string): Promise<OutboxEntry[]> {
    return this.db.getAllFromIndex('outbox', 'record', keyRange([resource, id], [resource, id, Infinity]));
  }

  async outboxSeqs(resource: UserResource, ids: readonly string[]): Promise<Array<{ id: string; seq: number }>> {
    const index = this.db.transaction('outbox').objectStore('outbox').index('record');
    const seqs = await Promise.all(ids.map((id) => index.getAllKeys(keyRange([resource, id], [resource, id, Infinity]))));
    return ids.flatMap((id, i) => seqs[i]!.map((seq) => ({ id, seq: Number(seq) })));
  }

  async countOutbox(): Promise<number> {
    return this.db.count('outbox');
  }

  async listQuarantine(): Promise<QuarantinedEntry[]> {
    return this.db.getAll('quarantine');
  }

  async maxSeq(): Promise<number> {
    const tx = this.db.transaction(['outbox', 'quarantine']);
    const [outbox, quarantine] = await Promise.all([tx.objectStore('outbox').openCursor(null, 'prev'), tx.objectStore('quarantine').openCursor(null, 'prev')]);
    await tx.done;
    return Math.max(0, outbox?.key ?? 0, quarantine?.key ?? 0);
  }

  async clear(): Promise<void> {
    const tx = this.db.transaction([...STORES], 'readwrite');
    await Promise.all([...STORES.map((name) => tx.objectStore(name).clear()), tx.done]);
  }

  async close(): Promise<void> {
    this.db.close();
  }
}
