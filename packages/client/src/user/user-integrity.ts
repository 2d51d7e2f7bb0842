import { MultisetDigest, sameDigest, USER_RESOURCES, userRecordHash, type SetDigest, type UserResource } from '@quran-sync/protocol';
import { confirm } from './pull-applier.js';
import { rebuildView } from './rebuild-view.js';
import type { SyncEntry, UserSyncApi } from './user-sync-api.js';
import type { UserSyncCore } from './user-sync-core.js';
import type { UserStore } from './user-store.js';
import { recordIdOf } from './user-resource-data.js';

/**
 * Verification of the device's copy of a user's data against the server's state digest (docs/integrity.md).
 *
 * Only at quiescence — outbox empty, nothing in flight, pulled to the head — is the confirmed state (`base`
 * of every record) supposed to equal the server's, so only then is it compared: the client asks for the
 * digest with its `metadataOnly` poll (opt-in `stateDigest=true`), and compares per resource type if the
 * head is still the one it pulled to. A differing type is repaired by a full pull of that type alone: every
 * record the server lists is confirmed again, records it does not list lose their confirmed state (or go,
 * when nothing is pending for them), and the view is rebuilt, so queued changes stay queued and on top.
 *
 * The digest costs the server a read of the user's whole state, so a client checks on its first quiet run
 * and then at most every `intervalMs` (default 1 h), or when asked (`verifyIntegrity()`).
 */
export interface UserIntegrityRepair {
  readonly resource: UserResource;
  /** The device's and the server's digest before the repair. */
  readonly local: SetDigest;
  readonly server: SetDigest;
  /** Records the full pull of the type confirmed, and records it dropped (not on the server). */
  readonly pulled: number;
  readonly dropped: number;
  /** A fresh digest from the server matched the device's after the repair. */
  readonly healed: boolean;
}

export interface UserIntegrityReport {
  /** The server head the comparison was made at. */
  readonly head: number;
  readonly checked: readonly UserResource[];
  readonly repairs: readonly UserIntegrityRepair[];
  readonly durationMs: number;
}

export interface UserIntegrityOptions {
  /** Least time between two automatic checks (default 1 h); the first quiet run of a client always checks. */
  readonly intervalMs?: number;
}

export class UserIntegrityChecker {
  private lastCheckAt: number | null = null;
  private supported = true;

  constructor(
    private readonly core: UserSyncCore,
    private readonly api: UserSyncApi,
    private readonly options: UserIntegrityOptions = {},
  ) {}

  /** Whether an automatic check is due after a run. */
  due(): boolean {
    return this.supported && (this.lastCheckAt === null || this.core.now() - this.lastCheckAt >= (this.options.intervalMs ?? 3_600_000));
  }

  /**
   * Compares and repairs; null when there is nothing to compare (not quiescent, the head moved meanwhile, or a
   * server without the extension). Call inside the client's sync section: it must not interleave with a run.
   */
  async check(signal?: AbortSignal): Promise<UserIntegrityReport | null> {
    if (!this.supported) return null;
    const started = this.core.now();
    const head = await this.quiescentHead();
    if (head === null) return null;
    const answer = await this.api.stateDigest(head, signal);
    if (answer.stateDigest === null) {
      this.supported = false;
      return null;
    }
    this.lastCheckAt = started;
    if (answer.head !== head) return null;
    const server = answer.stateDigest.resources;
    const checked = USER_RESOURCES.filter((r) => server[r] !== undefined);
    const differing: Array<{ resource: UserResource; local: SetDigest; server: SetDigest }> = [];
    for (const resource of checked) {
      const local = await localDigest(this.core.store, resource);
      if (!sameDigest(local, server[resource]!)) differing.push({ resource, local, server: server[resource]! });
    }
    if (differing.length === 0) return { head, checked, repairs: [], durationMs: this.core.now() - started };

    const counts = await this.repair(
      differing.map((d) => d.resource),
      signal,
    );
    // Healed when the server, asked again, agrees with what the device now holds.
    const after = await this.api.stateDigest(head, signal);
    const repairs: UserIntegrityRepair[] = [];
    for (const d of differing) {
      const now = await localDigest(this.core.store, d.resource);
      const fresh = after.stateDigest?.resources[d.resource];
      repairs.push({ ...d, ...counts.get(d.resource)!, healed: fresh !== undefined && sameDigest(now, fresh) });
    }
    return { head, checked, repairs, durationMs: this.core.now() - started };
  }

  /** The head when the device is quiescent (outbox empty, nothing in flight, pulled to the head), else null. */
  private async quiescentHead(): Promise<number | null> {
    const meta = await this.core.store.readMeta();
    if (!meta || meta.head === null || meta.head < 0 || meta.pulledThrough !== meta.head || meta.sentBatch !== null) return null;
    if ((await this.core.store.countOutbox()) > 0) return null;
    return meta.head;
  }

  /** A full pull of `resources`, applied in one unit; the outbox is kept and replayed on top. */
  private async repair(resources: readonly UserResource[], signal?: AbortSignal): Promise<Map<UserResource, { pulled: number; dropped: number }>> {
    const entries = new Map<string, SyncEntry>();
    let since = 0;
    for (;;) {
      const page = await this.api.pull(since, 1000, signal, resources);
      for (const entry of page.mutations) {
        const id = recordIdOf(entry);
        if (id !== null) entries.set(`${entry.resource}\u0000${id}`, entry);
      }
      if (!page.hasMore) break;
      since = page.lastMutationAt;
    }
    const counts = new Map(resources.map((r) => [r, { pulled: 0, dropped: 0 }]));
    await this.core.unit('sync', async (tx) => {
      const now = this.core.now();
      for (const entry of entries.values()) {
        if (entry.type === 'DELETE') continue;
        const id = recordIdOf(entry)!;
        const record = await tx.getRecord(entry.resource, id);
        const pending = await tx.outboxFor(entry.resource, id);
        confirm(tx, entry, record, entry.data as Record<string, unknown> | null, pending.length === 0, now);
        counts.get(entry.resource)!.pulled++;
      }
      for (const resource of resources) {
        for (const record of await tx.listRecords(resource, { includeDeleted: true })) {
          const live = entries.get(`${resource}\u0000${record.id}`);
          if (record.base === null || (live && live.type !== 'DELETE')) continue;
          counts.get(resource)!.dropped++;
          if ((await tx.outboxFor(resource, record.id)).length === 0) tx.deleteRecord(resource, record.id);
          else tx.putRecord({ ...record, base: null, baseTimestamp: null });
        }
      }
      if (!(await tx.outboxIsEmpty())) await rebuildView(tx, now);
    });
    return counts;
  }
}

/** The digest of the confirmed state (`base`) of one resource type, per docs/integrity.md. */
export async function localDigest(store: UserStore, resource: UserResource): Promise<SetDigest> {
  const digest = new MultisetDigest();
  for (const record of await store.listRecords(resource, { includeDeleted: true })) {
    if (record.base !== null) digest.add(userRecordHash(resource, record.id, record.base));
  }
  return digest.toJSON();
}
