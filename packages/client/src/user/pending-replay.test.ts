import fc from 'fast-check';
import type { TestServer } from '@quran-sync/server/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rebuildView } from './rebuild-view.js';
import { applyUserOp, userOpArb, WriteLog } from './testing/random-user-ops.js';
import { deviceState, freshUserId, openDevice, startUserSyncServer } from './testing/user-sync-harness.js';
import { UserStoreTransaction } from './user-store-transaction.js';

/**
 * The local API and the replay agree: whatever a device wrote offline on top of what it had synced, rebuilding
 * its view from the confirmed state plus the outbox changes nothing. If they disagreed, the first sync after
 * offline edits would make the app's data jump; and the replay is what every sync shows afterwards.
 */
let server: TestServer;
beforeAll(async () => {
  server = await startUserSyncServer();
});
afterAll(async () => {
  await server?.close();
});

describe('replaying the outbox reproduces the local view', () => {
  it('after random offline edits on top of a synced state', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(userOpArb, { maxLength: 12 }), fc.array(userOpArb, { minLength: 1, maxLength: 25 }), async (synced, offline) => {
        const device = await openDevice(server, freshUserId('replay'));
        const log = new WriteLog();
        try {
          for (const op of synced) await applyUserOp(device, op, log);
          await device.client.sync();
          for (const op of offline) await applyUserOp(device, op, log);
          const before = await deviceState(device.store);
          const tx = new UserStoreTransaction(device.store);
          await rebuildView(tx, Date.now());
          await tx.commit();
          expect(await deviceState(device.store)).toEqual(before);
        } finally {
          await device.close();
        }
      }),
      { numRuns: Number(process.env.QS_REPLAY_RUNS ?? 25), seed: Number(process.env.QS_REPLAY_SEED ?? 20261207) },
    );
  }, 300_000);
});

describe('a run that stopped before recomputing the view', () => {
  it('is completed by the next run, even one that finds nothing new on the server', async () => {
    const device = await openDevice(server, freshUserId('stale'));
    try {
      await device.client.notes.create({ body: 'a note that syncs', ranges: ['1:1'] });
      await device.client.sync();
      const [note] = await device.store.listRecords('NOTE');
      const meta = (await device.store.readMeta())!;
      // What a run leaves when it stops between confirming the server's state and showing it: the view still
      // shows something else than the confirmed state, with nothing queued and nothing new to pull.
      await device.store.write([
        { op: 'putRecord', record: { ...note!, data: { ...note!.data, body: 'not what the server holds' } } },
        { op: 'putMeta', meta: { ...meta, viewStale: true } },
      ]);
      const report = await device.client.sync();
      expect(report.upToDate).toBe(true);
      expect((await device.store.getRecord('NOTE', note!.id))!.data).toEqual(note!.base);
      expect((await device.store.readMeta())!.viewStale).toBeUndefined();
    } finally {
      await device.close();
    }
  });
});
