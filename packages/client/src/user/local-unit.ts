import { type FieldProblem, fieldProblemMessage, naturalKeyOf, type UserResource } from '@quran-sync/protocol';
import { enqueue, type NewEntry } from './outbox.js';
import type { UserSyncCore } from './user-sync-core.js';
import type { RecordData, UserRecord } from './user-store.js';
import type { UserStoreTransaction } from './user-store-transaction.js';

/**
 * The write side of the local API: one `LocalUnit` per app call, run as one store unit, so the records it
 * changes and the outbox entries that carry the change commit together or not at all. The call returns only
 * after that commit (never waiting for the network): a write the app saw succeed is durable, and it leaves the
 * outbox only when the server acknowledged it or refused it for good (quarantine).
 */
export class UserInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UserInputError';
  }
}

export class UserRecordNotFoundError extends Error {
  constructor(resource: UserResource, id: string) {
    super(`no ${resource.toLowerCase().replace('_', ' ')} ${JSON.stringify(id)} on this device`);
    this.name = 'UserRecordNotFoundError';
  }
}

export function inputError(problem: FieldProblem): UserInputError {
  return new UserInputError(fieldProblemMessage(problem));
}

export class LocalUnit {
  readonly nowIso: string;

  constructor(
    readonly tx: UserStoreTransaction,
    private readonly core: UserSyncCore,
    readonly now: number,
  ) {
    this.nowIso = new Date(now).toISOString();
  }

  /** The record if it is live on this device. */
  async live(resource: UserResource, id: string): Promise<UserRecord | null> {
    const record = await this.tx.getRecord(resource, id);
    return record && record.data !== null ? record : null;
  }

  async require(resource: UserResource, id: string): Promise<UserRecord> {
    const record = await this.live(resource, id);
    if (!record) throw new UserRecordNotFoundError(resource, id);
    return record;
  }

  /** Sets the local state of a record (server state untouched). */
  async put(resource: UserResource, id: string, data: RecordData): Promise<UserRecord> {
    const existing = await this.tx.getRecord(resource, id);
    const record: UserRecord = {
      resource,
      id,
      data,
      base: existing?.base ?? null,
      baseTimestamp: existing?.baseTimestamp ?? null,
      naturalKey: naturalKeyOf(resource, data),
      updatedAt: this.now,
    };
    this.tx.putRecord(record);
    return record;
  }

  /** Marks a record deleted on this device (kept as a local tombstone until the deletion is acknowledged). */
  markDeleted(record: UserRecord): void {
    this.tx.putRecord({ ...record, data: null, naturalKey: null, updatedAt: this.now });
  }

  async isPending(resource: UserResource, id: string): Promise<boolean> {
    return (await this.tx.outboxFor(resource, id)).length > 0;
  }

  async enqueue(entry: NewEntry): Promise<void> {
    await enqueue(this.tx, { nextSeq: () => this.core.nextSeq(), inflight: this.core.frozen, now: this.now }, entry);
  }
}

/** Runs one local write as one unit. */
export function localWrite<T>(core: UserSyncCore, work: (unit: LocalUnit) => Promise<T>, onCommitted: () => void): Promise<T> {
  return core
    .unit('local', async (tx) => {
      const unit = new LocalUnit(tx, core, core.now());
      const result = await work(unit);
      return { result, wrote: !tx.isEmpty };
    })
    .then(({ result, wrote }) => {
      if (wrote) onCommitted();
      return result;
    });
}

/** Whether records have unacknowledged changes, for the `pending` flag of what the API returns. */
export async function pendingKeys(tx: UserStoreTransaction): Promise<Set<string>> {
  return new Set((await tx.listOutbox()).map((e) => `${e.resource}\u0000${e.id}`));
}
