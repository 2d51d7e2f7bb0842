import { DIGEST_MODULUS, digestHex, MultisetDigest, type SetDigest } from '@quran-sync/protocol';
import { sql, type RawBuilder } from 'kysely';
import { nativeRecordHash } from '../integrity/native-record-hash.js';
import type { ContentDb } from './content-db.js';

/**
 * Per-resource content digests (docs/integrity.md), kept in `content_resources.row_digest` (the sum as an
 * exact `numeric`) and `row_count` by the transaction that writes the rows: each write adds the new rows'
 * hashes and subtracts the replaced or deleted ones', so serving a digest is a column read.
 */
/** A stored row's hash; `data` as the database returns it (parsed JSON) or as the editor sent it. */
export function storedRowHash(recordType: string, recordKey: string, data: unknown): bigint {
  return nativeRecordHash(recordType, recordKey, data);
}

/** What a write does to a resource's digest: the sum of hashes added minus those removed, and the row delta. */
export class DigestDelta {
  private sum = 0n;
  rows = 0;

  added(recordType: string, recordKey: string, data: unknown): void {
    this.sum += storedRowHash(recordType, recordKey, data);
    this.rows++;
  }

  removed(recordType: string, recordKey: string, data: unknown): void {
    this.sum -= storedRowHash(recordType, recordKey, data);
    this.rows--;
  }

  get empty(): boolean {
    return this.rows === 0 && this.sum % DIGEST_MODULUS === 0n;
  }

  /** The delta reduced into [0, 2^256): adding it modulo 2^256 never needs a negative intermediate. */
  get addend(): string {
    return (((this.sum % DIGEST_MODULUS) + DIGEST_MODULUS) % DIGEST_MODULUS).toString();
  }
}

const MODULUS = DIGEST_MODULUS.toString();

/**
 * Applies `delta` to the stored digest of one resource (inside the writing transaction). A digest not
 * computed yet stays null (null plus anything is null) until `ensureResourceDigest` computes it.
 */
export async function applyDigestDelta(db: ContentDb, group: string, id: number, delta: DigestDelta): Promise<void> {
  if (delta.empty) return;
  await sql`
    update content_resources
    set row_digest = mod(row_digest + ${delta.addend}::numeric, ${MODULUS}::numeric), row_count = row_count + ${delta.rows}
    where resource_group = ${group} and resource_id = ${id}`.execute(db);
}

/**
 * `delta` as column assignments for an UPDATE of the resource row the write sends anyway (its new
 * `last_sequence`), so keeping the digest adds no statement; empty when the delta moves nothing.
 */
export function digestDeltaColumns(delta: DigestDelta): { row_digest?: RawBuilder<string>; row_count?: RawBuilder<number> } {
  if (delta.empty) return {};
  return {
    row_digest: sql<string>`mod(row_digest + ${delta.addend}::numeric, ${MODULUS}::numeric)`,
    row_count: sql<number>`row_count + ${delta.rows}`,
  };
}

/** The digest of a resource's stored rows, computed from the rows themselves. */
export async function computeResourceDigest(db: ContentDb, group: string, id: number): Promise<SetDigest & { readonly value: bigint }> {
  const digest = new MultisetDigest();
  let after: { record_type: string; record_key: string } | null = null;
  for (;;) {
    const result: { rows: Array<{ record_type: string; record_key: string; data: unknown }> } = await sql<{
      record_type: string;
      record_key: string;
      data: unknown;
    }>`
      select record_type, record_key, data from content_rows
      where resource_group = ${group} and resource_id = ${id}
        ${after ? sql`and (record_type, record_key) > (${after.record_type}, ${after.record_key})` : sql``}
      order by record_type, record_key limit 5000`.execute(db);
    for (const row of result.rows) digest.add(storedRowHash(row.record_type, row.record_key, parseData(row.data)));
    if (result.rows.length < 5000) break;
    after = result.rows[result.rows.length - 1]!;
  }
  return { count: digest.count, digest: digest.hex, value: digest.value };
}

/** Recomputes and stores a resource's digest from its rows (after a change made by SQL, not row by row). */
export async function storeRecomputedDigest(db: ContentDb, group: string, id: number): Promise<void> {
  const d = await computeResourceDigest(db, group, id);
  await sql`update content_resources set row_digest = ${d.value.toString()}::numeric, row_count = ${d.count}
    where resource_group = ${group} and resource_id = ${id}`.execute(db);
}

/** A stored digest (`row_digest::text`, `row_count`) in its wire form; null when not computed yet. */
export function storedDigest(rowDigest: string | null, rowCount: number | null): SetDigest | null {
  return rowDigest === null || rowCount === null ? null : { digest: digestHex(BigInt(rowDigest)), count: Number(rowCount) };
}

/**
 * The resource's digest, computed from its rows first when it has none yet (resources older than the
 * digest columns). Runs under the feed-head lock, as writers do, so no write's delta can fall between the
 * computation and the store. Null when the resource does not exist.
 */
export async function ensureResourceDigest(db: ContentDb, group: string, id: number): Promise<SetDigest | null> {
  return db.transaction().execute(async (trx) => {
    await sql`select sequence from content_feed_head where id = 1 for update`.execute(trx);
    const row = await sql<{ row_digest: string | null; row_count: number | null }>`
      select row_digest::text as row_digest, row_count from content_resources where resource_group = ${group} and resource_id = ${id}`.execute(trx);
    const current = row.rows[0];
    if (!current) return null;
    const stored = storedDigest(current.row_digest, current.row_count);
    if (stored) return stored;
    await storeRecomputedDigest(trx, group, id);
    const d = await computeResourceDigest(trx, group, id);
    return { digest: d.digest, count: d.count };
  });
}

function parseData(data: unknown): unknown {
  return typeof data === 'string' ? JSON.parse(data) : data;
}
