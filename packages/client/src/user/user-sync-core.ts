import { newResourceId } from '@quran-sync/protocol';
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

  constructor(
    readonly store: UserStore,
    readonly emitter: UserSyncEmitter,
    readonly policy: ConflictPolicy,
    readonly now: () => number,
  ) {}

  /** Runs `work` as one unit: under the lock, all of its changes committed atomically, then events. */
  async unit<T>(origin: 'local' | 'sync', work: (tx: UserStoreTransaction, effects: UnitEffects) => Promise<T>): Promise<T> {
    const { result, tx, effects } = await this.lock.run(async () => {
      if (this.closed) throw new UserStoreClosedError();
      if (this.seq === null) {
        this.seq = await this.store.maxSeq();
        const meta = await this.store.readMeta();
        for (const seq of meta?.sentBatch?.seqs ?? []) this.frozen.add(seq);
      }
      const tx = new UserStoreTransaction(this.store);
      const effects: UnitEffects = { conflicts: [], quarantined: [] };
      const result = await work(tx, effects);
      await tx.commit();
      return { result, tx, effects };
    });
    if (tx.touched.size > 0) this.emitter.emit('change', { resources: new Set(tx.touched), origin });
    for (const conflict of effects.conflicts) this.emitter.emit('conflict', conflict);
    for (const entry of effects.quarantined) this.emitter.emit('quarantine', entry);
    return result;
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
    await this.lock.run(async () => {
      await this.store.clear();
      this.seq = null;
      this.frozen.clear();
    });
  }

  async close(): Promise<void> {
    await this.lock.run(async () => {
      if (this.closed) return;
      this.closed = true;
      await this.store.close();
    });
  }

  get isClosed(): boolean {
    return this.closed;
  }
}
