import { newResourceId, USER_RESOURCES, type UserResource } from '@quran-sync/protocol';
import type { CrossContext } from '../coordination/cross-context.js';
import { AsyncLock } from './async-lock.js';
import type { ConflictPolicy } from './conflict-policy.js';
import type { ConflictReport, UserSyncEmitter } from './user-sync-events.js';
import type { QuarantinedEntry, UserStore, UserSyncMeta } from './user-store.js';
import { UserStoreTransaction } from './user-store-transaction.js';

/**
 * What the local API and the sync engine share: the store, the lock that serialises units of work on it, the
 * outbox sequence, the set of entries that must not change (sent, outcome unknown) and the event emitter.
 *
 * `unit()` is the only way anything touches the store: under the lock, one `UserStoreTransaction`, one atomic
 * commit, then the change / conflict / quarantine events. No unit ever waits for the network.
 *
 * Across contexts (tabs sharing an IndexedDB store, `CrossContext`): a unit also holds the context lock
 * `<name>:unit`, and starts by re-reading what other contexts may have changed since this one last looked —
 * the highest outbox seq (else two tabs would hand out the same seq and one entry would overwrite the other)
 * and the batch in flight (`meta.sentBatch`: another tab may be pushing it, so local edits must not fold into
 * it). Sync runs hold `<name>:sync` (`exclusive`), so one context at a time pushes and pulls. Committed changes
 * are announced on the channel; other contexts re-emit them as `change` events with `otherContext: true`.
 */
export interface UnitEffects {
  readonly conflicts: ConflictReport[];
  readonly quarantined: QuarantinedEntry[];
}

export class UserStoreClosedError extends Error {
  constructor() {
    super('the user-sync client is closed');
    this.name = 'UserStoreClosedError';
  }
}

export class UserSyncCore {
  readonly lock = new AsyncLock();
  /** Outbox seqs that must not be rewritten: the batch in flight, or sent with an unknown outcome. */
  readonly frozen = new Set<number>();
  private seq: number | null = null;
  private closed = false;
  private readonly unsubscribe: (() => void) | null;

  constructor(
    readonly store: UserStore,
    readonly emitter: UserSyncEmitter,
    readonly policy: ConflictPolicy,
    readonly now: () => number,
    private readonly crossContext: CrossContext | null = null,
  ) {
    this.unsubscribe = crossContext?.channel?.subscribe((message) => this.received(message)) ?? null;
  }

  /** Runs `work` as one unit: under the lock, all of its changes committed atomically, then events. */
  async unit<T>(origin: 'local' | 'sync', work: (tx: UserStoreTransaction, effects: UnitEffects) => Promise<T>): Promise<T> {
    const { result, tx, effects } = await this.lock.run(() =>
      this.exclusive('unit', async () => {
        if (this.closed) throw new UserStoreClosedError();
        if (this.seq === null || this.crossContext?.lock) await this.refresh();
        const tx = new UserStoreTransaction(this.store);
        const effects: UnitEffects = { conflicts: [], quarantined: [] };
        const result = await work(tx, effects);
        await tx.commit();
        return { result, tx, effects };
      }),
    );
    if (tx.touched.size > 0) {
      this.emitter.emit('change', { resources: new Set(tx.touched), origin });
      this.crossContext?.channel?.post({ type: USER_CHANGE_MESSAGE, resources: [...tx.touched], origin } satisfies UserChangeMessage);
    }
    for (const conflict of effects.conflicts) this.emitter.emit('conflict', conflict);
    for (const entry of effects.quarantined) this.emitter.emit('quarantine', entry);
    return result;
  }

  /** Runs `section` holding the cross-context lock `<name>:<what>` when there is one (else just runs it). */
  exclusive<T>(what: 'unit' | 'sync', section: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    const cc = this.crossContext;
    return cc?.lock ? cc.lock.run(`${cc.name}:${what}`, section, signal) : section();
  }

  /**
   * The outbox seq counter and the frozen set, from the store. Alone, a context reads them once; with other
   * contexts writing the same store, at the start of every unit. The counter never goes back, so this
   * context never reuses a seq it handed out, and entries other contexts queued are never overwritten.
   */
  private async refresh(): Promise<void> {
    this.seq = Math.max(this.seq ?? 0, await this.store.maxSeq());
    const meta = await this.store.readMeta();
    this.frozen.clear();
    for (const seq of [...(meta?.sentBatch?.seqs ?? []), ...(meta?.sentBatch?.next ?? [])]) this.frozen.add(seq);
  }

  private received(message: unknown): void {
    if (this.closed || !isUserChangeMessage(message)) return;
    const resources = new Set(message.resources.filter((r): r is UserResource => (USER_RESOURCES as readonly string[]).includes(r)));
    if (resources.size > 0) this.emitter.emit('change', { resources, origin: message.origin, otherContext: true });
  }

  /** The next outbox seq (call inside a unit only). */
  nextSeq(): number {
    if (this.seq === null) throw new Error('nextSeq outside a unit');
    return ++this.seq;
  }

  /** The sync meta, created (with a new device id) on first use. */
  async meta(tx: UserStoreTransaction): Promise<UserSyncMeta> {
    const meta = await tx.readMeta();
    if (meta) return meta;
    const fresh: UserSyncMeta = { deviceId: newResourceId(), head: null, pulledThrough: null, lastSyncedAt: null, sentBatch: null };
    tx.putMeta(fresh);
    return fresh;
  }

  /** Wipes the store (sign-out); the next unit starts from an empty outbox. */
  async wipe(): Promise<void> {
    await this.lock.run(() =>
      this.exclusive('unit', async () => {
        await this.store.clear();
        this.seq = null;
        this.frozen.clear();
      }),
    );
    this.crossContext?.channel?.post({ type: USER_CHANGE_MESSAGE, resources: [...USER_RESOURCES], origin: 'local' } satisfies UserChangeMessage);
  }

  async close(): Promise<void> {
    await this.lock.run(async () => {
      if (this.closed) return;
      this.closed = true;
      this.unsubscribe?.();
      this.crossContext?.channel?.close();
      await this.store.close();
    });
  }

  get isClosed(): boolean {
    return this.closed;
  }
}

const USER_CHANGE_MESSAGE = 'quran-sync/user-change';

/** What a context announces after committing a unit that changed records. */
interface UserChangeMessage {
  readonly type: typeof USER_CHANGE_MESSAGE;
  readonly resources: readonly string[];
  readonly origin: 'local' | 'sync';
}

function isUserChangeMessage(value: unknown): value is UserChangeMessage {
  const m = value as Partial<UserChangeMessage> | null;
  return typeof m === 'object' && m !== null && m.type === USER_CHANGE_MESSAGE && Array.isArray(m.resources) && (m.origin === 'local' || m.origin === 'sync');
}
