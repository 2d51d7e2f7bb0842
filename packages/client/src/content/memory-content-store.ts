import { contentRowHash, MultisetDigest, type ResourceGroupName, type SetDigest } from '@quran-sync/protocol';
import type { ContentCheckpoint, ContentStore, ContentStoreOp, ListRowsOptions, StoredResource, StoredRow } from './content-store.js';
import { pageBounds, rowIndexFields, validateContentStoreOps, verseIndexRange } from './content-store-ops.js';
import { digestReads, keptDigestChanges, resourceRefKey, rowRefKey } from './content-store-digests.js';

interface MemoryRow {
  readonly recordType: string;
  readonly recordKey: string;
  /** JSON text, as the durable stores keep it: callers get a fresh copy and cannot mutate the store. */
  readonly json: string;
  readonly sortKey: string;
  readonly verseIndex: number | null;
}

const resourceKey = (group: string, id: number): string => `${group}:${id}`;
const rowKey = (recordType: string, recordKey: string): string => `${recordType}\u0000${recordKey}`;

/**
 * A `ContentStore` in memory: for tests, and for apps that only need content while they run. Same
 * semantics as the durable stores (the conformance suite runs against all of them), nothing persisted.
 */
export class MemoryContentStore implements ContentStore {
  private readonly resources = new Map<string, StoredResource>();
  private readonly rows = new Map<string, Map<string, MemoryRow>>();
  private readonly digests = new Map<string, SetDigest>();
  private checkpoint: ContentCheckpoint | null = null;
  private closed = false;

  async write(ops: readonly ContentStoreOp[]): Promise<void> {
    this.assertOpen();
    validateContentStoreOps(ops);
    // Serialise everything first: the only step that could still fail (e.g. a cyclic object) happens before
    // the first change, so a batch is applied whole or not at all.
    const prepared = ops.map((op) => {
      if (op.op === 'replaceResource') return { op, rows: op.rows.map((r) => this.memoryRow(op.resource.group, r.recordType, r.recordKey, r.data)) };
      if (op.op === 'upsertRow') return { op, rows: [this.memoryRow(op.group, op.recordType, op.recordKey, op.data)] };
      return { op, rows: [] };
    });
    const reads = digestReads(ops);
    const baseDigests = new Map<string, SetDigest>();
    for (const r of reads.resources) {
      const key = resourceRefKey(r.group, r.id);
      baseDigests.set(key, this.digests.get(key) ?? this.rowsDigest(key));
    }
    const baseRows = new Map<string, unknown>();
    for (const r of reads.rows) {
      const row = this.rows.get(resourceKey(r.group, r.resourceId))?.get(rowKey(r.recordType, r.recordKey));
      if (row) baseRows.set(rowRefKey(r.group, r.resourceId, r.recordType, r.recordKey), JSON.parse(row.json));
    }
    const digestChanges = keptDigestChanges(ops, { digests: baseDigests, rows: baseRows });
    for (const { op, rows } of prepared) {
      switch (op.op) {
        case 'replaceResource': {
          const key = resourceKey(op.resource.group, op.resource.id);
          this.resources.set(key, { ...op.resource });
          this.rows.set(key, new Map(rows.map((r) => [rowKey(r.recordType, r.recordKey), r])));
          break;
        }
        case 'putResource':
          this.resources.set(resourceKey(op.resource.group, op.resource.id), { ...op.resource });
          break;
        case 'removeResource':
          this.resources.delete(resourceKey(op.group, op.resourceId));
          this.rows.delete(resourceKey(op.group, op.resourceId));
          break;
        case 'upsertRow': {
          const key = resourceKey(op.group, op.resourceId);
          let map = this.rows.get(key);
          if (!map) this.rows.set(key, (map = new Map()));
          map.set(rowKey(op.recordType, op.recordKey), rows[0]!);
          break;
        }
        case 'deleteRow':
          this.rows.get(resourceKey(op.group, op.resourceId))?.delete(rowKey(op.recordType, op.recordKey));
          break;
        case 'writeCheckpoint':
          this.checkpoint = { ...op.checkpoint };
          break;
        case 'clearCheckpoint':
          this.checkpoint = null;
          break;
      }
    }
    for (const [key, { digest }] of digestChanges) {
      if (digest) this.digests.set(key, digest);
      else this.digests.delete(key);
    }
  }

  async readCheckpoint(): Promise<ContentCheckpoint | null> {
    this.assertOpen();
    return this.checkpoint ? { ...this.checkpoint } : null;
  }

  async getResource(group: ResourceGroupName, resourceId: number): Promise<StoredResource | null> {
    this.assertOpen();
    const r = this.resources.get(resourceKey(group, resourceId));
    return r ? { ...r } : null;
  }

  async listResources(): Promise<StoredResource[]> {
    this.assertOpen();
    return [...this.resources.values()].map((r) => ({ ...r })).sort((a, b) => (a.group < b.group ? -1 : a.group > b.group ? 1 : a.id - b.id));
  }

  async getRow(group: ResourceGroupName, resourceId: number, recordType: string, recordKey: string | number): Promise<StoredRow | null> {
    this.assertOpen();
    const row = this.rows.get(resourceKey(group, resourceId))?.get(rowKey(recordType, String(recordKey)));
    return row ? toStoredRow(group, resourceId, row) : null;
  }

  async listRows(group: ResourceGroupName, resourceId: number, options?: ListRowsOptions): Promise<StoredRow[]> {
    this.assertOpen();
    const range = verseIndexRange(options);
    const { offset, limit } = pageBounds(options);
    const rows = [...(this.rows.get(resourceKey(group, resourceId))?.values() ?? [])]
      .filter((r) => options?.recordType === undefined || r.recordType === options.recordType)
      .filter((r) => !range || (r.verseIndex !== null && r.verseIndex >= range.from && r.verseIndex <= range.to))
      .sort(compareRows);
    return rows.slice(offset, offset + limit).map((r) => toStoredRow(group, resourceId, r));
  }

  async countRows(group: ResourceGroupName, resourceId: number): Promise<number> {
    this.assertOpen();
    return this.rows.get(resourceKey(group, resourceId))?.size ?? 0;
  }

  async readDigest(group: ResourceGroupName, resourceId: number): Promise<SetDigest | null> {
    this.assertOpen();
    const d = this.digests.get(resourceKey(group, resourceId));
    return d ? { ...d } : null;
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  /** A resource's digest from its rows, for one the store keeps none for yet. */
  private rowsDigest(key: string): SetDigest {
    const digest = new MultisetDigest();
    for (const r of this.rows.get(key)?.values() ?? []) digest.add(contentRowHash(r.recordType, r.recordKey, JSON.parse(r.json)));
    return digest.toJSON();
  }

  private memoryRow(group: ResourceGroupName, recordType: string, recordKey: string, data: Readonly<Record<string, unknown>>): MemoryRow {
    return { recordType, recordKey, json: JSON.stringify(data), ...rowIndexFields(group, recordType, data) };
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('content store is closed');
  }
}

function compareRows(a: MemoryRow, b: MemoryRow): number {
  // The order the durable stores' indexes give: sort key, then primary key (record type, record key).
  if (a.sortKey !== b.sortKey) return a.sortKey < b.sortKey ? -1 : 1;
  if (a.recordType !== b.recordType) return a.recordType < b.recordType ? -1 : 1;
  return a.recordKey < b.recordKey ? -1 : a.recordKey > b.recordKey ? 1 : 0;
}

function toStoredRow(group: ResourceGroupName, resourceId: number, row: MemoryRow): StoredRow {
  return { group, resourceId, recordType: row.recordType, recordKey: row.recordKey, data: JSON.parse(row.json) as Record<string, unknown> };
}
