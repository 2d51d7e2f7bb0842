import fc from 'fast-check';
import type { TestServer } from '@quran-sync/server/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyUserOp, expectConvergedWithoutLossOrDuplicates, userOpArb, WriteLog } from './testing/random-user-ops.js';
import { deviceState, freshUserId, openDevice, serverState, startUserSyncServer, syncUntilQuiet, type Device } from './testing/user-sync-harness.js';

/**
 * Two and three devices of one user, each going offline, editing the same and different resources, and
 * reconnecting in random orders (one by one, or several at once), against a real server: all devices and the
 * server converge to one state, with no duplicates and no lost uncontested write. Scenarios are drawn from fixed
 * seeds so a failure replays exactly.
 */
let server: TestServer;
beforeAll(async () => {
  server = await startUserSyncServer();
});
afterAll(async () => {
  await server?.close();
});

async function openDevices(user: string, count: number, policy: 'server-wins' | 'last-writer-wins'): Promise<Device[]> {
  const devices: Device[] = [];
  for (let i = 0; i < count; i++) devices.push(await openDevice(server, user, { name: `device${i}`, conflictPolicy: policy }));
  return devices;
}

async function scenario(seed: number, deviceCount: number, policy: 'server-wins' | 'last-writer-wins'): Promise<void> {
  const user = freshUserId(`conv${deviceCount}`);
  const devices = await openDevices(user, deviceCount, policy);
  const log = new WriteLog();
  try {
    const rounds = fc.sample(
      fc.record({
        ops: fc.array(fc.tuple(fc.nat(deviceCount - 1), userOpArb), { minLength: 4, maxLength: 18 }),
        order: fc.shuffledSubarray([...Array(deviceCount).keys()], { minLength: 1 }),
        together: fc.boolean(),
      }),
      { seed, numRuns: 4 },
    );
    for (const round of rounds) {
      // Offline: every device edits on its own.
      for (const [d, op] of round.ops) await applyUserOp(devices[d]!, op, log);
      // Reconnect in a random order, one after the other or at the same time.
      const reconnecting = round.order.map((i) => devices[i]!);
      if (round.together) await Promise.all(reconnecting.map((d) => d.client.sync()));
      else for (const d of reconnecting) await d.client.sync();
    }
    await syncUntilQuiet(devices);
    const states = await Promise.all(devices.map((d) => deviceState(d.store)));
    await expectConvergedWithoutLossOrDuplicates(await serverState(server, user), devices, log, states);
  } finally {
    for (const d of devices) await d.close();
  }
}

describe('convergence across devices', () => {
  for (const seed of [11, 12, 13]) {
    it(`two devices, server-wins (seed ${seed})`, () => scenario(seed, 2, 'server-wins'));
  }
  for (const seed of [21, 22, 23]) {
    it(`three devices, server-wins (seed ${seed})`, () => scenario(seed, 3, 'server-wins'));
  }
  for (const seed of [31, 32]) {
    it(`three devices, last-writer-wins (seed ${seed})`, () => scenario(seed, 3, 'last-writer-wins'));
  }

  it('409 storms under concurrent devices terminate: five devices push at once, round after round, until all converge', async () => {
    const user = freshUserId('storm');
    const devices: Device[] = [];
    for (let i = 0; i < 5; i++) devices.push(await openDevice(server, user, { name: `d${i}` }));
    const log = new WriteLog();
    try {
      let outOfSync = 0;
      for (let round = 0; round < 4; round++) {
        for (const [i, d] of devices.entries()) {
          await d.client.notes.create({ body: log.unique(`round ${round} device ${i}`), ranges: ['1:1'] });
          await d.client.preferences.set('audio', { reciter: 1 + i });
          await d.client.bookmarks.add({ type: 'ayah', key: 2, verseNumber: 1 + ((round * 5 + i) % 200) });
        }
        const reports = await Promise.all(devices.map((d) => d.client.sync()));
        outOfSync += reports.reduce((n, r) => n + r.outOfSync, 0);
      }
      expect(outOfSync).toBeGreaterThan(0); // they really raced for the head
      await syncUntilQuiet(devices);
      const state = await serverState(server, user);
      for (const d of devices) expect(await deviceState(d.store)).toEqual(state);
      expect(Object.keys(state).filter((k) => k.startsWith('NOTE:'))).toHaveLength(20);
    } finally {
      for (const d of devices) await d.close();
    }
  });
});
