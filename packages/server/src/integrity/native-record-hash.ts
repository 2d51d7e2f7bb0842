import { createHash } from 'node:crypto';
import { canonicalJson } from '@quran-sync/protocol';

/**
 * The protocol's record hash (`recordHash`: SHA-256 of the canonical JSON of `[kind, key, data]`, read as a
 * big-endian integer), computed with Node's native SHA-256 straight from the canonical text and read from its
 * hex form: the same value, without the byte copy and the per-byte conversion the portable path pays. The
 * server hashes every row an editorial write replaces and every record of a state-digest pull.
 */
export function nativeRecordHash(kind: string, key: string, data: unknown): bigint {
  return BigInt(
    `0x${createHash('sha256')
      .update(canonicalJson([kind, key, data]))
      .digest('hex')}`,
  );
}
