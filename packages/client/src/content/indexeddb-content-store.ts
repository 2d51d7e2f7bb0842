import { openDB, type DBSchema, type IDBPDatabase } from 'idb';
import { commitIndexedDbBatch } from '../indexeddb/indexeddb-batch.js';
import { keyRange } from '../indexeddb/indexeddb-key-range.js';
import type { ResourceGroupName, SetDigest } from '@quran-sync/protocol';
import type { ContentCheckpoint, ContentStore, ContentStoreOp, ListRowsOptions, StoredResource, StoredRow } from './content-store.js';
import { pageBounds, rowIndexFields, validateContentStoreOps, verseIndexRange } from './content-store-ops.js';
import { computeStoredDigest, digestReads, keptDigestChanges, resourceRefKey, rowRefKey } from './content-store-digests.js';

/**
 * `ContentStore` on IndexedDB (browsers, Electron renderers), through `idb`.
 *
 * Object stores (database version 2):
 * - `resources`, key `[group, id]`: the `StoredResource` records;
 * - `rows`, key `[group, resourceId, recordType, recordKey]`, with index `order` on
 *   `[group, resourceId, sortKey]` (the group's snapshot order) and index `verse` on
 *   `[group, resourceId, verseIndex]` (only rows that have a verse key carry `verseIndex`);
 * - `checkpoint`, one record under the key `current`;
 * - `digests` (added in version 2), key `[group, id]`: the integrity digest kept per resource
 *   (`content-store-digests.ts`); a database from version 1 starts without and computes each one once.
 *
 * A write batch is ONE readwrite transaction over the three stores with every request issued up front, so
 * it commits whole or aborts whole; nothing else is awaited while it is open (IndexedDB would auto-commit).
 */
interface RowRecord {
  group: string;
  resourceId: number;
  recordType: string;
  recordKey: string;
  sortKey: string;
  verseIndex?: number;
  data: Record<string, unknown>;
}

interface ContentDbSchema extends DBSchema {
  resources: { key: [string, number]; value: StoredResource };
  rows: { key: [string, number, string, string]; value: RowRecord; indexes: { order: [string, number, string]; verse: [string, number, number] } };
  checkpoint: { key: string; value: ContentCheckpoint };
  digests: { key: [string, number]; value: DigestRecord };
}

interface DigestRecord {
  group: string;
  id: number;
  digest: string;
  count: number;
}

const DB_VERSION = 2;
const CHECKPOINT_KEY = 'current';

/** `[group, id]` ≤ every key of the resource's rows < `[group, id, []]` (arrays sort after strings). */
function resourceRowsRange(group: string, id: number): never {
  return keyRange([group, id], [group, id, []]);
}

export interface IndexedDbContentStoreOptions {
  /** Database name (default `quran-sync-content`); one store per name. */
  readonly name?: string;
}

export class IndexedDbContentStore implements ContentStore {
  /** Every tab of the origin opens the same database: clients coordinate across contexts under this key. */
  readonly coordinationKey: string;

  private constructor(
    private readonly db: IDBPDatabase<ContentDbSchema>,
    name: string,
  ) {
    this.coordinationKey = `indexeddb:content:${name}`;
  }

  static async open(options: IndexedDbContentStoreOptions = {}): Promise<IndexedDbContentStore> {
    const name = options.name ?? 'quran-sync-content';
    const db = await openDB<ContentDbSchema>(name, DB_VERSION, {
      upgrade(database, oldVersion) {
        if (oldVersion < 1) {
          database.createObjectStore('resources', { keyPath: ['group', 'id'] });
          const rows = database.createObjectStore('rows', { keyPath: ['group', 'resourceId', 'recordType', 'recordKey'] });
          rows.createIndex('order', ['group', 'resourceId', 'sortKey']);
          rows.createIndex('verse', ['group', 'resourceId', 'verseIndex']);
          database.createObjectStore('checkpoint');
        }
        if (oldVersion < 2) database.createObjectStore('digests', { keyPath: ['group', 'id'] });
      },
    });
    return new IndexedDbContentStore(db, name);
  }

  async write(ops: readonly ContentStoreOp[]): Promise<void> {
    validateContentStoreOps(ops);
    // Read what the digests need before the write transaction, which must not wait on anything else.
    const reads = digestReads(ops);
    const baseDigests = new Map<string, SetDigest>();
    for (const r of reads.resources)
      baseDigests.set(resourceRefKey(r.group, r.id), (await this.readDigest(r.group, r.id)) ?? (await computeStoredDigest(this, r.group, r.id)));
    const baseRows = new Map<string, unknown>();
    for (const r of reads.rows) {
      const row = await this.db.get('rows', [r.group, r.resourceId, r.recordType, r.recordKey]);
      if (row) baseRows.set(rowRefKey(r.group, r.resourceId, r.recordType, r.recordKey), row.data);
    }
    const digestChanges = keptDigestChanges(ops, { digests: baseDigests, rows: baseRows });
    const tx = this.db.transaction(['resources', 'rows', 'checkpoint', 'digests'], 'readwrite');
    const resources = tx.objectStore('resources');
    const rows = tx.objectStore('rows');
    const checkpoint = tx.objectStore('checkpoint');
    const digests = tx.objectStore('digests');
    await commitIndexedDbBatch(tx, (requests) => {
      for (const op of ops) {
        switch (op.op) {
          case 'replaceResource':
            requests.push(rows.delete(resourceRowsRange(op.resource.group, op.resource.id)));
            requests.push(resources.put({ ...op.resource }));
            for (const r of op.rows) requests.push(rows.put(rowRecord(op.resource.group, op.resource.id, r.recordType, r.recordKey, r.data)));
            break;
          case 'putResource':
            requests.push(resources.put({ ...op.resource }));
            break;
          case 'removeResource':
            requests.push(rows.delete(resourceRowsRange(op.group, op.resourceId)));
            requests.push(resources.delete([op.group, op.resourceId]));
            break;
          case 'upsertRow':
            requests.push(rows.put(rowRecord(op.group, op.resourceId, op.recordType, op.recordKey, op.data)));
            break;
          case 'deleteRow':
            requests.push(rows.delete([op.group, op.resourceId, op.recordType, op.recordKey]));
            break;
          case 'writeCheckpoint':
            requests.push(checkpoint.put({ ...op.checkpoint }, CHECKPOINT_KEY));
            break;
          case 'clearCheckpoint':
            requests.push(checkpoint.delete(CHECKPOINT_KEY));
            break;
        }
      }
      for (const { group, id, digest } of digestChanges.values()) {
        requests.push(digest ? digests.put({ group, id, digest: digest.digest, count: digest.count }) : digests.delete([group, id]));
      }
    });
  }

  async readCheckpoint(): Promise<ContentCheckpoint | null> {
    return (await this.db.get('checkpoint', CHECKPOINT_KEY)) ?? null;
  }

  async getResource(group: ResourceGroupName, resourceId: number): Promise<StoredResource | null> {
    return (await this.db.get('resources', [group, resourceId])) ?? null;
  }

  async listResources(): Promise<StoredResource[]> {
    return this.db.getAll('resources');
  }

  async getRow(group: ResourceGroupName, resourceId: number, recordType: string, recordKey: string | number): Promise<StoredRow | null> {
    const r = await this.db.get('rows', [group, resourceId, recordType, String(recordKey)]);
    return r ? toStoredRow(r) : null;
  }

  async listRows(group: ResourceGroupName, resourceId: number, options?: ListRowsOptions): Promise<StoredRow[]> {
    const range = verseIndexRange(options);
    const { offset, limit } = pageBounds(options);
    let records: RowRecord[];
    if (range) {
      const from = Math.max(1, range.from);
      const to = Math.min(Number.MAX_SAFE_INTEGER, range.to);
      records = from > to ? [] : await this.db.getAllFromIndex('rows', 'verse', keyRange([group, resourceId, from], [group, resourceId, to]));
      records.sort(compareRecords);
    } else {
      records = await this.db.getAllFromIndex('rows', 'order', resourceRowsRange(group, resourceId));
    }
    if (options?.recordType !== undefined) records = records.filter((r) => r.recordType === options.recordType);
    return records.slice(offset, offset + limit).map(toStoredRow);
  }

  async countRows(group: ResourceGroupName, resourceId: number): Promise<number> {
    return this.db.count('rows', resourceRowsRange(group, resourceId));
  }

  async readDigest(group: ResourceGroupName, resourceId: number): Promise<SetDigest | null> {
    const d = await this.db.get('digests', [group, resourceId]);
    return d ? { digest: d.digest, count: d.count } : null;
  }

  async close(): Promise<void> {
    this.db.close();
  }
}

function rowRecord(group: ResourceGroupName, resourceId: number, recordType: string, recordKey: string, data: Readonly<Record<string, unknown>>): RowRecord {
  const { sortKey, verseIndex } = rowIndexFields(group, recordType, data);
  return { group, resourceId, recordType, recordKey, sortKey, ...(verseIndex !== null ? { verseIndex } : {}), data: data as Record<string, unknown> };
}

/** Index order of `order`: sort key, then the primary key (record type, record key). */
function compareRecords(a: RowRecord, b: RowRecord): number {
  if (a.sortKey !== b.sortKey) return a.sortKey < b.sortKey ? -1 : 1;
  if (a.recordType !== b.recordType) return a.recordType < b.recordType ? -1 : 1;
  return a.recordKey < b.recordKey ? -1 : a.recordKey > b.recordKey ? 1 : 0;
}

function toStoredRow(r: RowRecord): StoredRow {
  return { group: r.group as ResourceGroupName, resourceId: r.resourceId, recordType: r.recordType, recordKey: r.recordKey, data: r.data };
}
