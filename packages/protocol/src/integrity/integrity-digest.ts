import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';

/**
 * Integrity digests (docs/integrity.md): an order-independent digest of a set of records, so a device can
 * prove it holds what the server holds without sending its rows, and both sides can keep it up to date one
 * record at a time (a write adds the new record's hash and subtracts the old one's).
 *
 * Definition, version 1 (`INTEGRITY_ALGORITHM`):
 * - a record's canonical text is RFC 8785 (JCS) JSON of a 3-element array: content rows
 *   `[record_type, record_key, data]`, user records `[resource, id, data]`, where `data` is the record's JSON
 *   as it travels on the wire;
 * - its hash is SHA-256 of that text's UTF-8 bytes, read as a 256-bit big-endian unsigned integer;
 * - a set's digest is the sum of its records' hashes modulo 2^256, written as 64 lowercase hex digits (the
 *   empty set is 64 zeros), reported with the number of records.
 *
 * A sum rather than a hash over sorted rows: it needs no ordering rule shared by every store, and it moves
 * by one addition per changed record, so the server keeps it in the writer's transaction at no read cost.
 */
export const INTEGRITY_ALGORITHM = 'qs-sha256-sum-v1';

export const DIGEST_MODULUS = 1n << 256n;

/** The digest of the empty set. */
export const EMPTY_DIGEST = '0'.repeat(64);

/** A SHA-256 implementation (the server passes Node's native one; the default runs everywhere). */
export type Sha256 = (bytes: Uint8Array) => Uint8Array;

const encoder = new TextEncoder();

/**
 * RFC 8785 JSON: object keys sorted by UTF-16 code units, no whitespace, strings and numbers serialised as
 * ECMAScript's `JSON.stringify` does them. Members whose value is `undefined` are left out (as on the wire).
 * Throws on what JSON cannot carry (non-finite numbers, bigints, functions).
 */
export function canonicalJson(value: unknown): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError('canonicalJson: numbers must be finite');
      return JSON.stringify(value);
    case 'object': {
      if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
      const record = value as Record<string, unknown>;
      const keys = Object.keys(record)
        .filter((k) => record[k] !== undefined)
        .sort();
      return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(record[k])}`).join(',')}}`;
    }
    default:
      throw new TypeError(`canonicalJson: ${typeof value} is not JSON`);
  }
}

/** The 256-bit integer a SHA-256 value is read as (big-endian). */
export function hashToBigInt(hash: Uint8Array): bigint {
  let hex = '';
  for (const byte of hash) hex += byte.toString(16).padStart(2, '0');
  return BigInt(`0x${hex}`);
}

/** The hash of one record's canonical text (`canonicalJson([kind, key, data])`). */
export function recordHash(kind: string, key: string, data: unknown, sha256: Sha256 = nobleSha256): bigint {
  return hashToBigInt(sha256(encoder.encode(canonicalJson([kind, key, data]))));
}

/** A content row's hash: `[record_type, record_key, data]`. */
export function contentRowHash(recordType: string, recordKey: string, data: unknown, sha256?: Sha256): bigint {
  return recordHash(recordType, recordKey, data, sha256);
}

/** A user record's hash: `[resource, id, data]` (`data` as a full pull returns it). */
export function userRecordHash(resource: string, id: string, data: unknown, sha256?: Sha256): bigint {
  return recordHash(resource, id, data, sha256);
}

export function digestHex(value: bigint): string {
  return (((value % DIGEST_MODULUS) + DIGEST_MODULUS) % DIGEST_MODULUS).toString(16).padStart(64, '0');
}

export function isDigestHex(value: unknown): value is string {
  return typeof value === 'string' && /^[0-9a-f]{64}$/.test(value);
}

/** A digest and its record count, the form both sides compare. */
export interface SetDigest {
  readonly count: number;
  readonly digest: string;
}

/** A running digest: add and remove record hashes in any order; the result depends only on the multiset. */
export class MultisetDigest {
  private sum = 0n;
  private n = 0;

  add(hash: bigint): this {
    this.sum = (this.sum + hash) % DIGEST_MODULUS;
    this.n++;
    return this;
  }

  remove(hash: bigint): this {
    this.sum = (this.sum - hash + DIGEST_MODULUS) % DIGEST_MODULUS;
    this.n--;
    return this;
  }

  get count(): number {
    return this.n;
  }

  get value(): bigint {
    return this.sum;
  }

  get hex(): string {
    return digestHex(this.sum);
  }

  toJSON(): SetDigest {
    return { count: this.n, digest: this.hex };
  }
}

/** Two digests agree when both the sum and the count do. */
export function sameDigest(a: SetDigest, b: SetDigest): boolean {
  return a.count === b.count && a.digest === b.digest;
}
