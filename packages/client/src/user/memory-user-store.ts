import type { UserResource } from '@quran-sync/protocol';
import type { BatchReads, ListRecordsOptions, OutboxEntry, QuarantinedEntry, UserRecord, UserStore, UserStoreOp, UserSyncMeta } from './user-store.js';
import { compareById, omittedByHints, recordKey, UserStoreError, validateUserStoreOps } from './user-store-ops.js';

/**
 * A `UserStore` in memory: for tests, and for apps that keep user data only while they run (nothing survives a
 * restart, so the outbox does not either). Same semantics as the durable stores (the conformance suite runs
 * against all of them). Values are kept as JSON text, so callers always get fresh copies.
 */
export class MemoryUserStore implements UserStore, BatchReads {
  /** resource → id → record JSON; plus resource+naturalKey → ids, the lookup the client does per write. */
  private records = new Map<string, Map<string, string>>();
  private byNaturalKey = new Map<string, Set<string>>();
  private outbox = new Map<number, string>();
  private outboxByRecord = new Map<string, Set<number>>();
  private quarantine = new Map<number, string>();
  private meta: string | null = null;
  private closed = false;

  async write(ops: readonly UserStoreOp[]): Promise<void> {
    this.assertOpen();
    validateUserStoreOps(ops);
    // Serialise first: the only step that can fail happens before the first change (all or nothing).
    const prepared = ops.map((op) => ({ op, json: serialise(op) }));
    for (const { op, json } of prepared) {
      switch (op.op) {
        case 'putRecord':
          this.removeRecord(op.record.resource, op.record.id);
          this.recordsOf(op.record.resource).set(op.record.id, json!);
          if (op.record.naturalKey !== null) {
            const key = recordKey(op.record.resource, op.record.naturalKey);
            const ids = this.byNaturalKey.get(key) ?? new Set<string>();
            ids.add(op.record.id);
            this.byNaturalKey.set(key, ids);
          }
          break;
        case 'deleteRecord':
          this.removeRecord(op.resource, op.id);
          break;
        case 'putOutbox': {
          this.removeOutbox(op.entry.seq);
          this.outbox.set(op.entry.seq, json!);
          const key = recordKey(op.entry.resource, op.entry.id);
          const seqs = this.outboxByRecord.get(key) ?? new Set<number>();
          seqs.add(op.entry.seq);
          this.outboxByRecord.set(key, seqs);
          break;
        }
        case 'deleteOutbox':
          this.removeOutbox(op.seq);
          break;
        case 'putQuarantine':
          this.quarantine.set(op.entry.seq, json!);
          break;
        case 'deleteQuarantine':
          this.quarantine.delete(op.seq);
          break;
        case 'putMeta':
          this.meta = json!;
          break;
      }
    }
  }

  async readMeta(): Promise<UserSyncMeta | null> {
    this.assertOpen();
    return this.meta === null ? null : (JSON.parse(this.meta) as UserSyncMeta);
  }

  async getRecord(resource: UserResource, id: string): Promise<UserRecord | null> {
    this.assertOpen();
    const json = this.records.get(resource)?.get(id);
    return json === undefined ? null : (JSON.parse(json) as UserRecord);
  }

  async getRecords(resource: UserResource, ids: readonly string[]): Promise<Map<string, UserRecord>> {
    this.assertOpen();
    const found = new Map<string, UserRecord>();
    for (const id of ids) {
      const json = this.records.get(resource)?.get(id);
      if (json !== undefined) found.set(id, JSON.parse(json) as UserRecord);
    }
    return found;
  }

  async findRecords(resource: UserResource, naturalKey: string): Promise<UserRecord[]> {
    this.assertOpen();
    const ids = [...(this.byNaturalKey.get(recordKey(resource, naturalKey)) ?? [])];
    return ids.map((id) => JSON.parse(this.records.get(resource)!.get(id)!) as UserRecord).sort(compareById);
  }

  async listRecords(resource: UserResource, options: ListRecordsOptions = {}): Promise<UserRecord[]> {
    this.assertOpen();
    const out: UserRecord[] = [];
    for (const json of this.records.get(resource)?.values() ?? []) {
      const record = JSON.parse(json) as UserRecord;
      if ((record.data !== null || options.includeDeleted) && !omittedByHints(record, options)) out.push(record);
    }
    return out.sort(compareById);
  }

  async getOutbox(seq: number): Promise<OutboxEntry | null> {
    this.assertOpen();
    const json = this.outbox.get(seq);
    return json === undefined ? null : (JSON.parse(json) as OutboxEntry);
  }

  async listOutbox(limit?: number): Promise<OutboxEntry[]> {
    this.assertOpen();
    const seqs = [...this.outbox.keys()].sort((a, b) => a - b).slice(0, limit ?? undefined);
    return seqs.map((seq) => JSON.parse(this.outbox.get(seq)!) as OutboxEntry);
  }

  async outboxFor(resource: UserResource, id: string): Promise<OutboxEntry[]> {
    this.assertOpen();
    const seqs = [...(this.outboxByRecord.get(recordKey(resource, id)) ?? [])].sort((a, b) => a - b);
    return seqs.map((seq) => JSON.parse(this.outbox.get(seq)!) as OutboxEntry);
  }

  async outboxSeqs(resource: UserResource, ids: readonly string[]): Promise<Array<{ id: string; seq: number }>> {
    this.assertOpen();
    return ids.flatMap((id) => [...(this.outboxByRecord.get(recordKey(resource, id)) ?? [])].map((seq) => ({ id, seq })));
  }

  async countOutbox(): Promise<number> {
    this.assertOpen();
    return this.outbox.size;
  }

  async listQuarantine(): Promise<QuarantinedEntry[]> {
    this.assertOpen();
    return [...this.quarantine.keys()].sort((a, b) => a - b).map((seq) => JSON.parse(this.quarantine.get(seq)!) as QuarantinedEntry);
  }

  async maxSeq(): Promise<number> {
    this.assertOpen();
    return Math.max(0, ...this.outbox.keys(), ...this.quarantine.keys());
  }

  async clear(): Promise<void> {
    this.assertOpen();
    this.records = new Map();
    this.byNaturalKey = new Map();
    this.outbox = new Map();
    this.outboxByRecord = new Map();
    this.quarantine = new Map();
    this.meta = null;
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  private recordsOf(resource: string): Map<string, string> {
    let map = this.records.get(resource);
    if (!map) {
      map = new Map();
      this.records.set(resource, map);
    }
    return map;
  }

  private removeRecord(resource: string, id: string): void {
    const json = this.records.get(resource)?.get(id);
    if (json === undefined) return;
    const old = JSON.parse(json) as UserRecord;
    if (old.naturalKey !== null) this.byNaturalKey.get(recordKey(resource, old.naturalKey))?.delete(id);
    this.records.get(resource)!.delete(id);
  }

  private removeOutbox(seq: number): void {
    const json = this.outbox.get(seq);
    if (json === undefined) return;
    const old = JSON.parse(json) as OutboxEntry;
    this.outboxByRecord.get(recordKey(old.resource, old.id))?.delete(seq);
    this.outbox.delete(seq);
  }

  private assertOpen(): void {
    if (this.closed) throw new UserStoreError('the store is closed');
  }
}

function serialise(op: UserStoreOp): string | null {
  switch (op.op) {
    case 'putRecord':
      return JSON.stringify(op.record);
    case 'putOutbox':
    case 'putQuarantine':
      return JSON.stringify(op.entry);
    case 'putMeta':
      return JSON.stringify(op.meta);
    default:
      return null;
  }
}
