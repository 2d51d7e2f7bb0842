import type { ContentSyncMutation } from '@quran-sync/protocol';
import type { ContentStore, ContentStoreOp, StoredResource } from './content-store.js';
import type { SnapshotResult } from './content-sync-api.js';

/**
 * Turns the mutations of one run into store batches, in sequence order, and tracks what the run has done
 * to each resource (so ETags, removals and freshness are decided on the store's state as it will be, not
 * as it was when the run started).
 *
 * Batching: ops accumulate and are written when a batch would exceed `maxBatchRows` rows, at the end of
 * every non-final page, and — together with the checkpoint — at the end of the run. A snapshot is one
 * `replaceResource` op, so it is always applied whole in one batch. Batches written before the final one
 * carry no checkpoint: after a crash the next run replays from the old token (or bootstraps again), and
 * every change replays idempotently (row changes carry full rows).
 *
 * ETags: a row change applied on top of a snapshot makes the stored rows differ from that snapshot, so it
 * clears the resource's ETag. Otherwise a later conditional request could get 304 for rows we changed —
 * e.g. a row change older than the snapshot (replayed after the snapshot was fetched at a newer head) would
 * stay in place for good.
 */
export interface RunCounters {
  mutationsApplied: number;
  snapshotsFetched: number;
  snapshotsNotModified: number;
  rowsWritten: number;
  resourcesRemoved: number;
  bytes: number;
  readonly unavailable: string[];
}

export interface SnapshotJob {
  readonly url: string;
  readonly group: ContentSyncMutation['resource_group'];
  readonly id: number;
  /** Sent as If-None-Match; null: unconditional. */
  readonly etag: string | null;
}

export const resourceKey = (group: string, id: number): string => `${group}:${id}`;

export class ContentRunApplier {
  readonly resources: Map<string, StoredResource>;
  private readonly dirty = new Set<string>();
  private pending: ContentStoreOp[] = [];
  private pendingRows = 0;

  constructor(
    private readonly store: ContentStore,
    stored: readonly StoredResource[],
    private readonly counters: RunCounters,
    private readonly maxBatchRows: number,
    private readonly now: () => number,
  ) {
    this.resources = new Map(stored.map((r) => [resourceKey(r.group, r.id), r]));
  }

  /**
   * The snapshot requests of a page, with the ETag each may send, computed over the page in order (a row
   * change or delete earlier in the same page voids the stored ETag; a second snapshot of a resource in
   * one page goes unconditional).
   */
  planSnapshots(mutations: readonly ContentSyncMutation[]): SnapshotJob[] {
    const overlay = new Map<string, string | null>();
    const jobs: SnapshotJob[] = [];
    for (const m of mutations) {
      const key = resourceKey(m.resource_group, m.resource_id);
      if (m.type === 'RESOURCE_CREATE' || m.type === 'RESOURCE_INVALIDATE') {
        const stored = this.resources.get(key);
        const etag = overlay.has(key) ? overlay.get(key)! : stored?.status === 'available' ? stored.etag : null;
        jobs.push({ url: m.snapshot_url!, group: m.resource_group, id: m.resource_id, etag });
        overlay.set(key, null);
      } else if (m.type !== 'RESOURCE_UPDATE') {
        overlay.set(key, null);
      }
    }
    return jobs;
  }

  /** Applies a resource-level CREATE/INVALIDATE with its snapshot answer. */
  async applySnapshot(m: ContentSyncMutation, result: SnapshotResult): Promise<void> {
    const key = resourceKey(m.resource_group, m.resource_id);
    const base = { group: m.resource_group, id: m.resource_id, sequence: m.sequence, changedAt: m.changed_at, freshAt: this.now() };
    switch (result.kind) {
      case 'snapshot': {
        const resource: StoredResource = {
          ...base,
          resourceContentId: result.resourceContentId ?? m.resource_content_id,
          status: 'available',
          unavailableReason: null,
          etag: result.etag,
        };
        this.resources.set(key, resource);
        this.dirty.delete(key);
        this.counters.snapshotsFetched++;
        this.counters.rowsWritten += result.rows.length;
        this.counters.bytes += result.bytes;
        await this.queue({ op: 'replaceResource', resource, rows: result.rows }, result.rows.length);
        return;
      }
      case 'not_modified': {
        const previous = this.resources.get(key);
        // Only sent with the stored ETag, so the resource is there; the rows stay as they are.
        if (previous) this.touch(key, { ...previous, ...base, resourceContentId: m.resource_content_id ?? previous.resourceContentId });
        this.counters.snapshotsNotModified++;
        return;
      }
      case 'not_found': {
        const resource: StoredResource = {
          ...base,
          resourceContentId: m.resource_content_id,
          status: 'unavailable',
          unavailableReason: 'snapshot_not_found',
          etag: null,
        };
        this.resources.set(key, resource);
        this.dirty.delete(key);
        this.counters.unavailable.push(key);
        await this.queue({ op: 'replaceResource', resource, rows: [] }, 1);
        return;
      }
    }
  }

  /** Applies every mutation that needs no snapshot. */
  async apply(m: ContentSyncMutation): Promise<void> {
    const key = resourceKey(m.resource_group, m.resource_id);
    const previous = this.resources.get(key);
    switch (m.type) {
      case 'RESOURCE_DELETE':
        if (previous) this.counters.resourcesRemoved++;
        this.resources.delete(key);
        this.dirty.delete(key);
        await this.queue({ op: 'removeResource', group: m.resource_group, resourceId: m.resource_id }, 1);
        return;
      case 'RESOURCE_UPDATE':
        // Metadata only: the rows are current; remember that we heard from the resource.
        if (previous)
          this.touch(key, {
            ...previous,
            sequence: m.sequence,
            changedAt: m.changed_at,
            freshAt: this.now(),
            resourceContentId: m.resource_content_id ?? previous.resourceContentId,
          });
        return;
      case 'ROW_CREATE':
      case 'ROW_UPDATE':
      case 'ROW_DELETE': {
        // A resource whose snapshot was refused is not public now; its RESOURCE_DELETE or RESOURCE_CREATE
        // (which supersedes these rows) is certain to follow in a later run.
        if (previous?.status === 'unavailable') return;
        this.touch(key, {
          ...(previous ?? { group: m.resource_group, id: m.resource_id, status: 'available', unavailableReason: null }),
          resourceContentId: m.resource_content_id ?? previous?.resourceContentId ?? null,
          etag: null,
          sequence: m.sequence,
          changedAt: m.changed_at,
          freshAt: this.now(),
        });
        if (m.type === 'ROW_DELETE') {
          await this.queue({ op: 'deleteRow', group: m.resource_group, resourceId: m.resource_id, recordType: m.record_type!, recordKey: m.record_key! }, 1);
        } else {
          this.counters.rowsWritten++;
          await this.queue(
            { op: 'upsertRow', group: m.resource_group, resourceId: m.resource_id, recordType: m.record_type!, recordKey: m.record_key!, data: m.data! },
            1,
          );
        }
        return;
      }
      case 'RESOURCE_CREATE':
      case 'RESOURCE_INVALIDATE':
        throw new Error(`${m.type} needs its snapshot (applySnapshot)`);
    }
  }

  /** Removes a resource for a reason of the run itself (filter change, not listed by a bootstrap). */
  async remove(key: string): Promise<void> {
    const r = this.resources.get(key);
    if (!r) return;
    this.resources.delete(key);
    this.dirty.delete(key);
    this.counters.resourcesRemoved++;
    await this.queue({ op: 'removeResource', group: r.group, resourceId: r.id }, 1);
  }

  /** Writes what is pending (no checkpoint). */
  async flush(): Promise<void> {
    const ops = this.drain();
    if (ops.length > 0) await this.store.write(ops);
  }

  /** Writes what is pending together with `final` (the checkpoint) in one batch. */
  async commit(final: readonly ContentStoreOp[]): Promise<void> {
    await this.store.write([...this.drain(), ...final]);
  }

  private touch(key: string, resource: StoredResource): void {
    this.resources.set(key, resource);
    this.dirty.add(key);
  }

  private async queue(op: ContentStoreOp, rows: number): Promise<void> {
    if (this.pending.length > 0 && this.pendingRows + rows > this.maxBatchRows) await this.flush();
    this.pending.push(op);
    this.pendingRows += rows;
  }

  private drain(): ContentStoreOp[] {
    const ops = this.pending;
    // Resource records touched by row changes / updates go last, so they reflect the latest state.
    for (const key of this.dirty) {
      const r = this.resources.get(key);
      if (r) ops.push({ op: 'putResource', resource: r });
    }
    this.pending = [];
    this.pendingRows = 0;
    this.dirty.clear();
    return ops;
  }
}
