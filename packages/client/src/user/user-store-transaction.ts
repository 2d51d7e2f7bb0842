import type { UserResource } from '@quran-sync/protocol';
import type { ListRecordsOptions, OutboxEntry, QuarantinedEntry, UserRecord, UserStore, UserStoreOp, UserSyncMeta } from './user-store.js';
import { compareById, recordKey } from './user-store-ops.js';

/**
 * A unit of work over a `UserStore`: reads see the store plus the changes made so far in this unit, and
 * `commit()` writes all changes as ONE atomic batch. A local write (record + its outbox entry), a pulled page
 * with its cursor, or a push's acknowledgements are each one unit, so a crash leaves either all of it or none.
 *
 * Units must not interleave: the client runs each one under its store lock (`AsyncLock`), so what a unit read
 * is still true when it commits.
 */
export class UserStoreTransaction {
  private readonly records = new Map<string, UserRecord | null>();
  private readonly outbox = new Map<number, OutboxEntry | null>();
  private readonly quarantine = new Map<number, QuarantinedEntry | null>();
  private meta: UserSyncMeta | undefined;
  /** Resources changed in this unit, for change notifications. */
  readonly touched = new Set<UserResource>();

  constructor(readonly store: UserStore) {}

  async getRecord(resource: UserResource, id: string): Promise<UserRecord | null> {
    const key = recordKey(resource, id);
    if (this.records.has(key)) return this.records.get(key)!;
    return this.store.getRecord(resource, id);
  }

  /** `getRecord` for many ids of one resource, in one store read where the store offers it. */
  async getRecords(resource: UserResource, ids: readonly string[]): Promise<Map<string, UserRecord | null>> {
    const unread = ids.filter((id) => !this.records.has(recordKey(resource, id)));
    const stored = this.store.getRecords
      ? await this.store.getRecords(resource, unread)
      : new Map(
          (await Promise.all(unread.map(async (id) => [id, await this.store.getRecord(resource, id)] as const))).flatMap(([id, r]) =>
            r ? [[id, r] as const] : [],
          ),
        );
    const found = new Map<string, UserRecord | null>();
    for (const id of ids) {
      const key = recordKey(resource, id);
      found.set(id, this.records.has(key) ? this.records.get(key)! : (stored.get(id) ?? null));
    }
    return found;
  }

  /** The record as this unit changed it; null when this unit has not touched it (the store is not read). */
  buffered(resource: UserResource, id: string): UserRecord | null {
    return this.records.get(recordKey(resource, id)) ?? null;
  }

  /** Live records (data not null) of `resource` with this natural key. */
  async findRecords(resource: UserResource, naturalKey: string): Promise<UserRecord[]> {
    const stored = await this.store.findRecords(resource, naturalKey);
    return this.merge(resource, stored, (r) => r.naturalKey === naturalKey);
  }

  /** Records this unit changed are listed whatever the hints say (listing more than asked is allowed). */
  async listRecords(resource: UserResource, options: ListRecordsOptions = {}): Promise<UserRecord[]> {
    const stored = await this.store.listRecords(resource, options);
    return this.merge(resource, stored, (r) => r.data !== null || options.includeDeleted === true);
  }

  putRecord(record: UserRecord): void {
    this.records.set(recordKey(record.resource, record.id), record);
    this.touched.add(record.resource);
  }

  deleteRecord(resource: UserResource, id: string): void {
    this.records.set(recordKey(resource, id), null);
    this.touched.add(resource);
  }

  async outboxFor(resource: UserResource, id: string): Promise<OutboxEntry[]> {
    const stored = await this.store.outboxFor(resource, id);
    const bySeq = new Map(stored.map((e) => [e.seq, e] as const));
    for (const [seq, e] of this.outbox) {
      if (e === null) bySeq.delete(seq);
      else if (e.resource === resource && e.id === id) bySeq.set(seq, e);
      else bySeq.delete(seq);
    }
    return [...bySeq.values()].sort((a, b) => a.seq - b.seq);
  }

  /** Which of these records of `resource` have outbox entries (this unit's changes included). */
  async pendingIds(resource: UserResource, ids: readonly string[]): Promise<Set<string>> {
    const stored = this.store.outboxSeqs
      ? await this.store.outboxSeqs(resource, ids)
      : (await Promise.all(ids.map(async (id) => (await this.store.outboxFor(resource, id)).map((e) => ({ id, seq: e.seq }))))).flat();
    const wanted = new Set(ids);
    const pending = new Set<string>();
    // An entry this unit put or deleted is judged by its state here, not by the store's.
    for (const { id, seq } of stored) if (!this.outbox.has(seq)) pending.add(id);
    for (const e of this.outbox.values()) if (e && e.resource === resource && wanted.has(e.id)) pending.add(e.id);
    return pending;
  }

  async getOutbox(seq: number): Promise<OutboxEntry | null> {
    if (this.outbox.has(seq)) return this.outbox.get(seq)!;
    return this.store.getOutbox(seq);
  }

  /** The whole outbox in seq order (changes of this unit included). */
  async listOutbox(): Promise<OutboxEntry[]> {
    return this.withOutboxChanges(await this.store.listOutbox());
  }

  /** The first `limit` outbox entries in seq order, changes of this unit included, without reading the rest. */
  async listOutboxHead(limit: number): Promise<OutboxEntry[]> {
    // This unit can have removed at most `outbox.size` of the stored head: read that many more.
    return this.withOutboxChanges(await this.store.listOutbox(limit + this.outbox.size)).slice(0, limit);
  }

  /** Stored outbox entries with this unit's puts and deletes applied, in seq order. */
  private withOutboxChanges(stored: readonly OutboxEntry[]): OutboxEntry[] {
    const bySeq = new Map(stored.map((e) => [e.seq, e] as const));
    for (const [seq, e] of this.outbox) {
      if (e === null) bySeq.delete(seq);
      else bySeq.set(seq, e);
    }
    return [...bySeq.values()].sort((a, b) => a.seq - b.seq);
  }

  /** True when this unit has not changed the outbox and the store's is empty: lets bulk pulls skip lookups. */
  async outboxIsEmpty(): Promise<boolean> {
    if ([...this.outbox.values()].some((e) => e !== null)) return false;
    return (await this.store.countOutbox()) === 0;
  }

  putOutbox(entry: OutboxEntry): void {
    this.outbox.set(entry.seq, entry);
  }

  deleteOutbox(seq: number): void {
    this.outbox.set(seq, null);
  }

  async listQuarantine(): Promise<QuarantinedEntry[]> {
    const bySeq = new Map((await this.store.listQuarantine()).map((e) => [e.seq, e] as const));
    for (const [seq, e] of this.quarantine) {
      if (e === null) bySeq.delete(seq);
      else bySeq.set(seq, e);
    }
    return [...bySeq.values()].sort((a, b) => a.seq - b.seq);
  }

  putQuarantine(entry: QuarantinedEntry): void {
    this.quarantine.set(entry.seq, entry);
  }

  deleteQuarantine(seq: number): void {
    this.quarantine.set(seq, null);
  }

  async readMeta(): Promise<UserSyncMeta | null> {
    if (this.meta !== undefined) return this.meta;
    return this.store.readMeta();
  }

  putMeta(meta: UserSyncMeta): void {
    this.meta = meta;
  }

  get isEmpty(): boolean {
    return this.records.size === 0 && this.outbox.size === 0 && this.quarantine.size === 0 && this.meta === undefined;
  }

  /** Writes every change as one atomic batch. */
  async commit(): Promise<void> {
    const ops: UserStoreOp[] = [];
    for (const [key, record] of this.records) {
      if (record) ops.push({ op: 'putRecord', record });
      else {
        const [resource, id] = key.split('\u0000') as [UserResource, string];
        ops.push({ op: 'deleteRecord', resource, id });
      }
    }
    for (const [seq, entry] of this.outbox) ops.push(entry ? { op: 'putOutbox', entry } : { op: 'deleteOutbox', seq });
    for (const [seq, entry] of this.quarantine) ops.push(entry ? { op: 'putQuarantine', entry } : { op: 'deleteQuarantine', seq });
    if (this.meta !== undefined) ops.push({ op: 'putMeta', meta: this.meta });
    if (ops.length > 0) await this.store.write(ops);
  }

  private merge(resource: UserResource, stored: UserRecord[], keep: (r: UserRecord) => boolean): UserRecord[] {
    const byId = new Map(stored.map((r) => [r.id, r] as const));
    for (const [key, record] of this.records) {
      const [res, id] = key.split('\u0000') as [UserResource, string];
      if (res !== resource) continue;
      if (record && keep(record)) byId.set(id, record);
      else byId.delete(id);
    }
    return [...byId.values()].sort(compareById);
  }
}
