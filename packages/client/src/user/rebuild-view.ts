import { naturalKeyOf, USER_RESOURCES } from '@quran-sync/protocol';
import { ReplayView, replayEntry } from './pending-replay.js';
import type { UserRecord } from './user-store.js';
import type { UserStoreTransaction } from './user-store-transaction.js';
import { jsonEqual } from './user-resource-data.js';

/**
 * Recomputes what the app sees: every record's `data` becomes the confirmed server state (`base`) with the
 * pending outbox replayed on top (`pending-replay.ts`). Only records whose view changed are written.
 *
 * The invariant this gives (docs/user-client.md, "Convergence"): `base` is only ever set from pulls, which
 * are the server's compacted state in timestamp order, so once a device has pulled to the head its bases are
 * the server's state; with an empty outbox the rebuilt view is exactly those bases, whatever acks, id
 * remaps, conflicts and quarantines happened before.
 */
export async function rebuildView(tx: UserStoreTransaction, now: number): Promise<void> {
  const stored = new Map<string, UserRecord>();
  const view = new ReplayView();
  const outbox = await tx.listOutbox();
  // With nothing pending, a record's view is its base: those already showing it need no look (the store may
  // leave them out of the listing, which after a large push is nearly all of them).
  const unsettled = outbox.length === 0;
  for (const resource of USER_RESOURCES) {
    for (const record of await tx.listRecords(resource, { includeDeleted: true, unsettled })) {
      stored.set(`${resource}\u0000${record.id}`, record);
      if (record.base !== null) view.put(resource, record.id, record.base);
    }
  }
  for (const entry of outbox) replayEntry(view, entry);

  for (const resource of USER_RESOURCES) {
    for (const [id, data] of view.entries(resource)) {
      const record = stored.get(`${resource}\u0000${id}`);
      if (record && jsonEqual(record.data, data)) continue;
      tx.putRecord({
        resource,
        id,
        data,
        base: record?.base ?? null,
        baseTimestamp: record?.baseTimestamp ?? null,
        naturalKey: naturalKeyOf(resource, data),
        updatedAt: now,
      });
    }
  }
  for (const record of stored.values()) {
    if (view.get(record.resource, record.id) !== null) continue;
    if (record.base === null) tx.deleteRecord(record.resource, record.id);
    else if (record.data !== null) tx.putRecord({ ...record, data: null, naturalKey: null, updatedAt: now });
  }
}
