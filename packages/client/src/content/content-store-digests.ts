import { contentRowHash, DIGEST_MODULUS, digestHex, MultisetDigest, type ResourceGroupName, type SetDigest } from '@quran-sync/protocol';
import type { ContentStore, ContentStoreOp } from './content-store.js';

/**
 * The integrity digest each store keeps per resource (docs/integrity.md), moved by every write batch in the
 * batch's own transaction: a row upsert subtracts the old row's hash (when there was one) and adds the new
 * one's, a delete subtracts, a snapshot (`replaceResource`) sets it from the rows it writes, a removed
 * resource drops it. The check after an incremental run then compares it with the server's without reading
 * the resource's rows.
 *
 * Stores share this arithmetic: before a batch, a store reads what `digestReads` lists (the kept digests of
 * the resources the batch's row ops touch, and the current data of those rows), outside or inside its write
 * transaction, and `keptDigestChanges` says what to write with the rows. Reading first relies on the store
 * having one writer at a time, which the `ContentStore` contract already asks for.
 */
export interface RowRef {
  readonly group: ResourceGroupName;
  readonly resourceId: number;
  readonly recordType: string;
  readonly recordKey: string;
}

export interface ResourceRef {
  readonly group: ResourceGroupName;
  readonly id: number;
}

export interface DigestReads {
  /** Resources whose kept digest a row op moves (row ops not preceded by a snapshot or removal of it in the batch). */
  readonly resources: readonly ResourceRef[];
  /** Rows such ops overwrite or delete: their current data is needed to subtract their hashes. */
  readonly rows: readonly RowRef[];
}

/** What the store holds before the batch: the kept digests and the current data of the rows `digestReads` listed. */
export interface DigestBase {
  /** The kept digest, or (for a resource that has none yet) the digest of its stored rows. */
  readonly digests: ReadonlyMap<string, SetDigest>;
  /** Current data of the listed rows that exist (keyed by `rowRefKey`). */
  readonly rows: ReadonlyMap<string, unknown>;
}

/** The digest each touched resource has after the batch; `null`: the resource was removed, drop its digest. */
export type KeptDigestChanges = Map<string, { readonly group: ResourceGroupName; readonly id: number; readonly digest: SetDigest | null }>;

export const resourceRefKey = (group: string, id: number): string => `${group}:${id}`;
export const rowRefKey = (group: string, resourceId: number, recordType: string, recordKey: string): string =>
  `${group}:${resourceId}\u0000${recordType}\u0000${recordKey}`;

export function digestReads(ops: readonly ContentStoreOp[]): DigestReads {
  const replaced = new Set<string>();
  const resources = new Map<string, ResourceRef>();
  const rows = new Map<string, RowRef>();
  for (const op of ops) {
    if (op.op === 'replaceResource') replaced.add(resourceRefKey(op.resource.group, op.resource.id));
    else if (op.op === 'removeResource') replaced.add(resourceRefKey(op.group, op.resourceId));
    else if (op.op === 'upsertRow' || op.op === 'deleteRow') {
      const key = resourceRefKey(op.group, op.resourceId);
      if (replaced.has(key)) continue;
      resources.set(key, { group: op.group, id: op.resourceId });
      rows.set(rowRefKey(op.group, op.resourceId, op.recordType, op.recordKey), {
        group: op.group,
        resourceId: op.resourceId,
        recordType: op.recordType,
        recordKey: op.recordKey,
      });
    }
  }
  return { resources: [...resources.values()], rows: [...rows.values()] };
}

interface Running {
  group: ResourceGroupName;
  id: number;
  sum: bigint;
  count: number;
  removed: boolean;
  /** Rows known within the batch (after a snapshot or removal every row of the resource is known). */
  readonly known: Map<string, bigint | null>;
  complete: boolean;
}

/** Replays the batch's effect on the kept digests (pure: every store applies the same arithmetic). */
export function keptDigestChanges(ops: readonly ContentStoreOp[], base: DigestBase): KeptDigestChanges {
  const running = new Map<string, Running>();
  const start = (group: ResourceGroupName, id: number, complete: boolean): Running => {
    const key = resourceRefKey(group, id);
    let r = running.get(key);
    if (!r) {
      const kept = complete ? undefined : base.digests.get(key);
      if (!complete && !kept) throw new Error(`content store: no digest read for ${key} before the batch`);
      r = { group, id, sum: kept ? BigInt(`0x${kept.digest}`) : 0n, count: kept?.count ?? 0, removed: false, known: new Map(), complete };
      running.set(key, r);
    }
    return r;
  };
  const reset = (group: ResourceGroupName, id: number): Running => {
    const r = start(group, id, true);
    r.sum = 0n;
    r.count = 0;
    r.known.clear();
    r.complete = true;
    return r;
  };
  const oldHash = (r: Running, recordType: string, recordKey: string): bigint | null => {
    const k = `${recordType}\u0000${recordKey}`;
    if (r.known.has(k)) return r.known.get(k)!;
    if (r.complete) return null;
    const data = base.rows.get(rowRefKey(r.group, r.id, recordType, recordKey));
    return data === undefined ? null : contentRowHash(recordType, recordKey, data);
  };

  for (const op of ops) {
    switch (op.op) {
      case 'replaceResource': {
        const r = reset(op.resource.group, op.resource.id);
        r.removed = false;
        for (const row of op.rows) {
          const h = contentRowHash(row.recordType, row.recordKey, row.data);
          r.known.set(`${row.recordType}\u0000${row.recordKey}`, h);
          r.sum += h;
          r.count++;
        }
        break;
      }
      case 'removeResource':
        reset(op.group, op.resourceId).removed = true;
        break;
      case 'upsertRow':
      case 'deleteRow': {
        const r = start(op.group, op.resourceId, false);
        const old = oldHash(r, op.recordType, op.recordKey);
        if (old !== null) {
          r.sum -= old;
          r.count--;
        }
        let next: bigint | null = null;
        if (op.op === 'upsertRow') {
          const added = contentRowHash(op.recordType, op.recordKey, op.data);
          next = added;
          r.sum += added;
          r.count++;
          // Rows written after a removal bring the resource's digest back.
          r.removed = false;
        }
        r.known.set(`${op.recordType}\u0000${op.recordKey}`, next);
        break;
      }
      default:
        break;
    }
  }

  const changes: KeptDigestChanges = new Map();
  for (const [key, r] of running) {
    const digest = r.removed && r.count === 0 ? null : { count: r.count, digest: digestHex(((r.sum % DIGEST_MODULUS) + DIGEST_MODULUS) % DIGEST_MODULUS) };
    changes.set(key, { group: r.group, id: r.id, digest });
  }
  return changes;
}

/** The digest of the rows a store holds for one resource, computed from the rows themselves. */
export async function computeStoredDigest(store: Pick<ContentStore, 'listRows'>, group: ResourceGroupName, id: number): Promise<SetDigest> {
  const digest = new MultisetDigest();
  for (const row of await store.listRows(group, id)) digest.add(contentRowHash(row.recordType, row.recordKey, row.data));
  return digest.toJSON();
}
