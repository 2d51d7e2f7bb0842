import { isMutationType, isUserResource } from '@quran-sync/protocol';
import type { ListRecordsOptions, OutboxEntry, QuarantinedEntry, UserRecord, UserStoreOp, UserSyncMeta } from './user-store.js';

/**
 * What every `UserStore` implementation shares: validation of a write batch before anything is applied (so a
 * bad batch changes nothing, whatever the backend) and the few helpers they index by.
 */
export class UserStoreError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UserStoreError';
  }
}

/** One string per record, for maps and sets. */
export function recordKey(resource: string, id: string): string {
  return `${resource}\u0000${id}`;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const isSeq = (value: unknown): value is number => typeof value === 'number' && Number.isSafeInteger(value) && value >= 1;
const isTimestamp = (value: unknown): boolean => value === null || (typeof value === 'number' && Number.isSafeInteger(value));

function checkRecord(record: UserRecord, where: string): void {
  if (!isPlainObject(record)) throw new UserStoreError(`${where}: record missing`);
  if (!isUserResource(record.resource)) throw new UserStoreError(`${where}: unknown resource ${JSON.stringify(record.resource)}`);
  if (typeof record.id !== 'string' || record.id.length === 0) throw new UserStoreError(`${where}: id must be a non-empty string`);
  if (record.data !== null && !isPlainObject(record.data)) throw new UserStoreError(`${where}: data must be an object or null`);
  if (record.base !== null && !isPlainObject(record.base)) throw new UserStoreError(`${where}: base must be an object or null`);
  if (!isTimestamp(record.baseTimestamp)) throw new UserStoreError(`${where}: baseTimestamp must be an integer or null`);
  if (record.naturalKey !== null && typeof record.naturalKey !== 'string') throw new UserStoreError(`${where}: naturalKey must be a string or null`);
  if (record.data === null && record.naturalKey !== null) throw new UserStoreError(`${where}: a deleted record has no naturalKey`);
  if (typeof record.updatedAt !== 'number' || !Number.isFinite(record.updatedAt)) throw new UserStoreError(`${where}: updatedAt must be a number`);
}

function checkEntry(entry: OutboxEntry, where: string): void {
  if (!isPlainObject(entry)) throw new UserStoreError(`${where}: entry missing`);
  if (!isSeq(entry.seq)) throw new UserStoreError(`${where}: seq must be a positive integer`);
  if (!isMutationType(entry.type)) throw new UserStoreError(`${where}: unknown mutation type ${JSON.stringify(entry.type)}`);
  if (!isUserResource(entry.resource)) throw new UserStoreError(`${where}: unknown resource ${JSON.stringify(entry.resource)}`);
  if (typeof entry.id !== 'string' || entry.id.length === 0) throw new UserStoreError(`${where}: id must be a non-empty string`);
  if (typeof entry.sendId !== 'boolean') throw new UserStoreError(`${where}: sendId must be a boolean`);
  if (entry.data !== null && !isPlainObject(entry.data)) throw new UserStoreError(`${where}: data must be an object or null`);
  if (typeof entry.createdAt !== 'number' || !Number.isFinite(entry.createdAt)) throw new UserStoreError(`${where}: createdAt must be a number`);
}

function checkQuarantined(entry: QuarantinedEntry, where: string): void {
  checkEntry(entry, where);
  const error = entry.error;
  if (
    !isPlainObject(error) ||
    !Number.isInteger(error.status) ||
    typeof error.message !== 'string' ||
    (error.code !== null && typeof error.code !== 'string')
  ) {
    throw new UserStoreError(`${where}: error must be {status, code, message}`);
  }
  if (typeof entry.quarantinedAt !== 'number') throw new UserStoreError(`${where}: quarantinedAt must be a number`);
}

function checkMeta(meta: UserSyncMeta, where: string): void {
  if (!isPlainObject(meta)) throw new UserStoreError(`${where}: meta missing`);
  if (typeof meta.deviceId !== 'string' || meta.deviceId.length === 0) throw new UserStoreError(`${where}: deviceId must be a non-empty string`);
  if (!isTimestamp(meta.head) || !isTimestamp(meta.pulledThrough) || !isTimestamp(meta.lastSyncedAt))
    throw new UserStoreError(`${where}: head, pulledThrough and lastSyncedAt must be integers or null`);
  const sent = meta.sentBatch;
  const seqList = (v: unknown): boolean => Array.isArray(v) && v.every(isSeq);
  if (sent !== null && (!isPlainObject(sent) || !Number.isSafeInteger(sent.head) || !seqList(sent.seqs) || (sent.next !== undefined && !seqList(sent.next)))) {
    throw new UserStoreError(`${where}: sentBatch must be {head, seqs, next?} or null`);
  }
}

/** Throws `UserStoreError` naming the first invalid op; stores call it before applying anything. */
export function validateUserStoreOps(ops: readonly UserStoreOp[]): void {
  if (!Array.isArray(ops)) throw new UserStoreError('write expects an array of operations');
  ops.forEach((op, index) => {
    const where = `op #${index} (${(op as { op?: unknown })?.op ?? '?'})`;
    switch (op?.op) {
      case 'putRecord':
        checkRecord(op.record, where);
        break;
      case 'deleteRecord':
        if (!isUserResource(op.resource) || typeof op.id !== 'string' || op.id.length === 0) throw new UserStoreError(`${where}: resource and id required`);
        break;
      case 'putOutbox':
        checkEntry(op.entry, where);
        break;
      case 'putQuarantine':
        checkQuarantined(op.entry, where);
        break;
      case 'deleteOutbox':
      case 'deleteQuarantine':
        if (!isSeq(op.seq)) throw new UserStoreError(`${where}: seq must be a positive integer`);
        break;
      case 'putMeta':
        checkMeta(op.meta, where);
        break;
      default:
        throw new UserStoreError(`${where}: unknown operation`);
    }
  });
}

/** Ascending by id (code unit order, as SQLite and IndexedDB compare strings). */
export function compareById(a: { id: string }, b: { id: string }): number {
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** Whether a record may be left out of a listing under `options`' hints (the stores' shared reading of them). */
export function omittedByHints(record: UserRecord, options: ListRecordsOptions): boolean {
  if (options.confirmed && record.base === null) return true;
  return Boolean(options.unsettled && record.data !== null && JSON.stringify(record.data) === JSON.stringify(record.base));
}
