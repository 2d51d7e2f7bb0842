import { CONTENT_LINK_PREFIX, sameDigest, type ResourceGroupName, type SetDigest } from '@quran-sync/protocol';
import type { ContentStore, StoredResource } from './content-store.js';
import type { ContentSyncApi } from './content-sync-api.js';
import { computeStoredDigest } from './content-store-digests.js';

export { computeStoredDigest };

/**
 * Verification of the local copy against the server's integrity digests (docs/integrity.md), after a run.
 *
 * The server lists, for the run's token, the digest of every public resource of the filter at the token's
 * checkpoint. The client compares its own digest of each resource's stored rows:
 * - a different digest → the resource's snapshot is fetched again (unconditionally) and replaces its rows;
 * - a resource the server lists that the store lacks → fetched; a resource the store holds that the server
 *   does not list (not public at the checkpoint) → removed;
 * - a resource changed after the checkpoint (`digest: null`) is skipped: the next run brings its changes.
 *
 * The local side of a check after a run is the digest the store keeps per resource, moved by every write
 * in the write's transaction (`content-store-digests.ts`): no row is read, so the check costs one request
 * whatever the run changed. A full check recomputes every resource's digest from its rows; it runs on the
 * client's first run and then at most every `fullCheckIntervalMs`: that is what notices a store changed
 * behind the client's back (a restored backup, an interrupted write, a botched migration). For a store that
 * keeps no digests, digests computed from rows are remembered per resource `sequence` instead.
 */
export interface ContentIntegrityRepair {
  readonly group: ResourceGroupName;
  readonly id: number;
  readonly problem: 'digest_mismatch' | 'missing' | 'stray';
  /** What the device held, and what the server holds at the checkpoint (null: nothing). */
  readonly local: SetDigest | null;
  readonly server: SetDigest | null;
  /** The repair left the resource matching the server. */
  readonly healed: boolean;
}

export interface ContentIntegrityReport {
  /** Every resource was re-read (not only those the run changed). */
  readonly full: boolean;
  /** The checkpoint sequence the comparison was made at. */
  readonly sequence: number;
  readonly checked: number;
  /** Resources changed after the checkpoint, left for the next run. */
  readonly skipped: number;
  readonly repairs: readonly ContentIntegrityRepair[];
  readonly durationMs: number;
}

export interface ContentIntegrityOptions {
  /** Time between full checks (default 24 h); the first run of a client always makes one. */
  readonly fullCheckIntervalMs?: number;
}

interface CachedDigest {
  readonly sequence: number;
  readonly status: StoredResource['status'];
  readonly digest: SetDigest;
}

export class ContentIntegrityChecker {
  private readonly cache = new Map<string, CachedDigest>();
  private lastFullAt: number | null = null;
  /** False once the server answered that it has no digests endpoint. */
  private supported = true;

  constructor(
    private readonly api: ContentSyncApi,
    private readonly store: ContentStore,
    private readonly now: () => number,
    private readonly options: ContentIntegrityOptions = {},
  ) {}

  /** Whether a full check is due (first run, or the interval has passed). */
  fullCheckDue(): boolean {
    return this.lastFullAt === null || this.now() - this.lastFullAt >= (this.options.fullCheckIntervalMs ?? 86_400_000);
  }

  /** Forget every local digest: the next check re-reads everything (the store was replaced or cleared). */
  reset(): void {
    this.cache.clear();
    this.lastFullAt = null;
  }

  /** Compares the store with the server at the stored checkpoint and repairs what differs; null when there is nothing to compare with. */
  async check(filter: string, options: { readonly full?: boolean; readonly signal?: AbortSignal } = {}): Promise<ContentIntegrityReport | null> {
    if (!this.supported) return null;
    const started = this.now();
    const checkpoint = await this.store.readCheckpoint();
    if (!checkpoint || checkpoint.filter !== filter) return null;
    const server = await this.api.digests(filter, checkpoint.token, options.signal);
    if (server === null) {
      this.supported = false;
      return null;
    }
    const full = options.full === true;
    if (full) this.cache.clear();
    const stored = new Map((await this.store.listResources()).map((r) => [`${r.group}:${r.id}`, r]));
    const listed = new Set<string>();
    const repairs: ContentIntegrityRepair[] = [];
    let checked = 0;
    let skipped = 0;
    for (const s of server.resources) {
      const key = `${s.resource_group}:${s.resource_id}`;
      listed.add(key);
      if (s.digest === null || s.row_count === null) {
        skipped++;
        continue;
      }
      const group = s.resource_group as ResourceGroupName;
      const expected = { count: s.row_count, digest: s.digest };
      const local = stored.get(key);
      checked++;
      if (local?.status !== 'available') {
        repairs.push(await this.repair(group, s.resource_id, 'missing', null, expected, s.last_sequence, local, options.signal));
        continue;
      }
      const digest = await this.localDigest(local, full);
      if (!sameDigest(digest, expected))
        repairs.push(await this.repair(group, s.resource_id, 'digest_mismatch', digest, expected, s.last_sequence, local, options.signal));
    }
    for (const [key, r] of stored) {
      if (listed.has(key) || r.status !== 'available') continue;
      checked++;
      const local = await this.localDigest(r, full);
      await this.store.write([{ op: 'removeResource', group: r.group, resourceId: r.id }]);
      this.cache.delete(key);
      repairs.push({ group: r.group, id: r.id, problem: 'stray', local, server: null, healed: (await this.store.getResource(r.group, r.id)) === null });
    }
    if (full) this.lastFullAt = started;
    return { full, sequence: server.sequence, checked, skipped, repairs, durationMs: this.now() - started };
  }

  /** The kept digest, or (full checks, stores without one) the digest of the stored rows. */
  private async localDigest(r: StoredResource, full: boolean): Promise<SetDigest> {
    if (!full && this.store.readDigest) {
      const kept = await this.store.readDigest(r.group, r.id);
      if (kept) return kept;
    }
    const key = `${r.group}:${r.id}`;
    const cached = this.cache.get(key);
    if (cached && cached.sequence === r.sequence && cached.status === r.status) return cached.digest;
    const digest = await computeStoredDigest(this.store, r.group, r.id);
    this.cache.set(key, { sequence: r.sequence, status: r.status, digest });
    return digest;
  }

  private async repair(
    group: ResourceGroupName,
    id: number,
    problem: ContentIntegrityRepair['problem'],
    local: SetDigest | null,
    expected: SetDigest,
    lastSequence: number,
    previous: StoredResource | undefined,
    signal: AbortSignal | undefined,
  ): Promise<ContentIntegrityRepair> {
    const key = `${group}:${id}`;
    this.cache.delete(key);
    const result = await this.api.snapshot(`${CONTENT_LINK_PREFIX}/resources/snapshots/${group}/${id}`, group, id, null, signal);
    if (result.kind !== 'snapshot') return { group, id, problem, local, server: expected, healed: false };
    // A snapshot served at a newer state than the checkpoint is right too: it is checked against its own header.
    const target = result.digest && result.digest.sequence > lastSequence ? result.digest : expected;
    const resource: StoredResource = {
      group,
      id,
      resourceContentId: result.resourceContentId ?? previous?.resourceContentId ?? null,
      status: 'available',
      unavailableReason: null,
      etag: result.etag,
      sequence: Math.max(result.digest?.sequence ?? lastSequence, lastSequence),
      changedAt: previous?.changedAt ?? null,
      freshAt: this.now(),
    };
    await this.store.write([{ op: 'replaceResource', resource, rows: result.rows }]);
    const after = await this.localDigest(resource, false);
    return { group, id, problem, local, server: expected, healed: sameDigest(after, target) };
  }
}
