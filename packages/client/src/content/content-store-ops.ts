import { isResourceGroupName, parseVerseKey, rowSortKey, verseIndex, type ResourceGroupName } from '@quran-sync/protocol';
import type { ContentStoreOp, ListRowsOptions, StoredResource } from './content-store.js';

/**
 * What every store implementation shares: validation of a write batch before anything is applied (so a
 * bad batch changes nothing, whatever the backend), and the derived columns rows are indexed by.
 */
export class ContentStoreError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ContentStoreError';
  }
}

const MAX_ID = 2_147_483_647;

function isId(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= MAX_ID;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function checkResourceRef(group: unknown, id: unknown, where: string): void {
  if (typeof group !== 'string' || !isResourceGroupName(group)) throw new ContentStoreError(`${where}: unknown resource group ${JSON.stringify(group)}`);
  if (!isId(id)) throw new ContentStoreError(`${where}: resource id must be an integer from 1 to ${MAX_ID}`);
}

function checkRowKey(recordType: unknown, recordKey: unknown, where: string): void {
  if (typeof recordType !== 'string' || recordType.length === 0) throw new ContentStoreError(`${where}: record type must be a non-empty string`);
  if (typeof recordKey !== 'string' || recordKey.length === 0) throw new ContentStoreError(`${where}: record key must be a non-empty string`);
}

function checkResource(resource: StoredResource, where: string): void {
  if (!isPlainObject(resource)) throw new ContentStoreError(`${where}: resource missing`);
  checkResourceRef(resource.group, resource.id, where);
  if (resource.status !== 'available' && resource.status !== 'unavailable') throw new ContentStoreError(`${where}: status must be available or unavailable`);
  if (resource.resourceContentId !== null && !isId(resource.resourceContentId))
    throw new ContentStoreError(`${where}: resourceContentId must be an id or null`);
  if (!Number.isSafeInteger(resource.sequence) || resource.sequence < 0) throw new ContentStoreError(`${where}: sequence must be a non-negative integer`);
  if (!Number.isFinite(resource.freshAt)) throw new ContentStoreError(`${where}: freshAt must be a number`);
  if (resource.etag !== null && typeof resource.etag !== 'string') throw new ContentStoreError(`${where}: etag must be a string or null`);
}

/** Throws `ContentStoreError` naming the first invalid op; stores call it before applying anything. */
export function validateContentStoreOps(ops: readonly ContentStoreOp[]): void {
  if (!Array.isArray(ops)) throw new ContentStoreError('write expects an array of operations');
  ops.forEach((op, index) => {
    const where = `op #${index} (${(op as { op?: unknown })?.op ?? '?'})`;
    switch (op?.op) {
      case 'replaceResource': {
        checkResource(op.resource, where);
        if (!Array.isArray(op.rows)) throw new ContentStoreError(`${where}: rows must be an array`);
        const seen = new Set<string>();
        for (const row of op.rows) {
          checkRowKey(row?.recordType, row?.recordKey, where);
          if (!isPlainObject(row.data)) throw new ContentStoreError(`${where}: row data must be an object`);
          const key = `${row.recordType}\u0000${row.recordKey}`;
          if (seen.has(key)) throw new ContentStoreError(`${where}: row ${row.recordType}:${row.recordKey} appears twice`);
          seen.add(key);
        }
        if (op.resource.status === 'unavailable' && op.rows.length > 0) throw new ContentStoreError(`${where}: an unavailable resource has no rows`);
        return;
      }
      case 'putResource':
        checkResource(op.resource, where);
        return;
      case 'removeResource':
        checkResourceRef(op.group, op.resourceId, where);
        return;
      case 'upsertRow':
        checkResourceRef(op.group, op.resourceId, where);
        checkRowKey(op.recordType, op.recordKey, where);
        if (!isPlainObject(op.data)) throw new ContentStoreError(`${where}: row data must be an object`);
        return;
      case 'deleteRow':
        checkResourceRef(op.group, op.resourceId, where);
        checkRowKey(op.recordType, op.recordKey, where);
        return;
      case 'writeCheckpoint': {
        const c = op.checkpoint;
        if (!isPlainObject(c) || typeof c.filter !== 'string' || c.filter.length === 0 || typeof c.token !== 'string' || c.token.length === 0) {
          throw new ContentStoreError(`${where}: checkpoint needs a filter and a token`);
        }
        if (!Number.isSafeInteger(c.sequence) || (c.sequence as number) < 0 || !Number.isFinite(c.syncedAt))
          throw new ContentStoreError(`${where}: checkpoint sequence/syncedAt invalid`);
        return;
      }
      case 'clearCheckpoint':
        return;
      default:
        throw new ContentStoreError(`${where}: unknown operation`);
    }
  });
}

/** Columns a row is indexed by: the group's snapshot order, and the verse position for range queries. */
export interface RowIndexFields {
  readonly sortKey: string;
  /** 1..6236 (Quran order) when the row has a valid `verse_key`, else null. */
  readonly verseIndex: number | null;
}

export function rowIndexFields(group: ResourceGroupName, recordType: string, data: Readonly<Record<string, unknown>>): RowIndexFields {
  const ref = parseVerseKey(data.verse_key);
  return { sortKey: rowSortKey(group, recordType, data), verseIndex: ref ? verseIndex(ref) : null };
}

/** Inclusive verse-index bounds of a `listRows` range, or null when no range was asked for. */
export function verseIndexRange(options: ListRowsOptions | undefined): { from: number; to: number } | null {
  if (options?.verseKeyFrom === undefined && options?.verseKeyTo === undefined) return null;
  const parse = (key: string | undefined, fallback: number): number => {
    if (key === undefined) return fallback;
    const ref = parseVerseKey(key);
    if (!ref) throw new ContentStoreError(`"${key}" is not a verse key (surah:ayah)`);
    return verseIndex(ref);
  };
  return { from: parse(options.verseKeyFrom, 1), to: parse(options.verseKeyTo, Number.MAX_SAFE_INTEGER) };
}

/** `limit`/`offset` checked once for every store. */
export function pageBounds(options: ListRowsOptions | undefined): { offset: number; limit: number } {
  const offset = options?.offset ?? 0;
  const limit = options?.limit ?? Number.MAX_SAFE_INTEGER;
  if (!Number.isInteger(offset) || offset < 0) throw new ContentStoreError('offset must be a non-negative integer');
  if (!Number.isInteger(limit) || limit < 0) throw new ContentStoreError('limit must be a non-negative integer');
  return { offset, limit };
}
