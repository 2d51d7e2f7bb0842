import fc from 'fast-check';
import type { TestServer } from '@quran-sync/server/testing';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { faultPlan } from './testing/structural-runner.js';
import { applyUserOp, expectConvergedWithoutLossOrDuplicates, userOpArb, WriteLog, type UserOp } from './testing/random-user-ops.js';
import { deviceState, freshUserId, openDevice, serverState, startUserSyncServer, syncUntilQuiet, type Device } from './testing/user-sync-harness.js';

/**
 * Model-based property test of the multi-device scenario, against a REAL server behind REAL fault-injecting
 * proxies (one per device). fast-check draws a program: random local operations on 2–3 devices (bookmarks,
 * reading bookmark, collections and links incl. the default collection, notes, reading sessions, preferences),
 * syncs under random network faults — the request dropped (connection reset before the server saw it), the
 * answer dropped after the server applied it, a 5xx/502/503 answer, a delay, or a whole outage — writes made
 * while the device's own push is on the wire (its answer possibly lost), and several devices syncing at once. Then the network heals and every
 * device syncs until quiet.
 *
 * Properties (checked after every program):
 * - P1 Convergence: every device shows exactly the server's state (same records, same data), with nothing left
 *   in its outbox and nothing quarantined (every operation the programs make is valid).
 * - P2 No duplicates: at most one live bookmark per location, one live collection per name, one live note per
 *   body (every body written is unique), whatever retries and lost answers happened.
 * - P3 No lost writes: for every target written by ONE device only (a note, a preference key, a reading session,
 *   a collection name, a bookmark location no link ever touched), the server holds exactly what that device
 *   showed right after its last write to it — whichever faults hit, however often it synced. Targets written by
 *   several devices are resolved by the conflict policy and reported as conflicts, never silently.
 * - P4 Termination: every sync either completes or fails with an error (faults), and once the network is healthy
 *   the devices quiesce within a few rounds (`syncUntilQuiet` bounds it).
 */
let server: TestServer;
beforeAll(async () => {
  server = await startUserSyncServer();
});
afterAll(async () => {
  await server?.close();
});

type Fault =
  | { readonly kind: 'none' }
  | { readonly kind: 'drop-request' | 'drop-response' | 'delay' | 'error'; readonly at: number; readonly status?: number }
  | { readonly kind: 'outage' };

const faultArb: fc.Arbitrary<Fault> = fc.oneof(
  { weight: 3, arbitrary: fc.constant({ kind: 'none' as const }) },
  { weight: 2, arbitrary: fc.nat(3).map((at) => ({ kind: 'drop-request' as const, at })) },
  { weight: 3, arbitrary: fc.nat(3).map((at) => ({ kind: 'drop-response' as const, at })) },
  { weight: 2, arbitrary: fc.record({ at: fc.nat(3), status: fc.constantFrom(500, 502, 503) }).map((r) => ({ kind: 'error' as const, ...r })) },
  { weight: 1, arbitrary: fc.nat(3).map((at) => ({ kind: 'delay' as const, at })) },
  { weight: 1, arbitrary: fc.constant({ kind: 'outage' as const }) },
);

type Command =
  | { readonly cmd: 'op'; readonly device: number; readonly op: UserOp }
  | { readonly cmd: 'sync'; readonly device: number; readonly fault: Fault }
  | { readonly cmd: 'writeDuringPush'; readonly device: number; readonly dropResponse: boolean; readonly ops: readonly UserOp[] }
  | { readonly cmd: 'syncAll'; readonly faults: readonly Fault[] };

const commandArb = (devices: number): fc.Arbitrary<Command> =>
  fc.oneof(
    { weight: 6, arbitrary: fc.record({ device: fc.nat(devices - 1), op: userOpArb }).map((r) => ({ cmd: 'op' as const, ...r })) },
    { weight: 3, arbitrary: fc.record({ device: fc.nat(devices - 1), fault: faultArb }).map((r) => ({ cmd: 'sync' as const, ...r })) },
    {
      weight: 2,
      arbitrary: fc
        .record({ device: fc.nat(devices - 1), dropResponse: fc.boolean(), ops: fc.array(userOpArb, { minLength: 1, maxLength: 3 }) })
        .map((r) => ({ cmd: 'writeDuringPush' as const, ...r })),
    },
    { weight: 1, arbitrary: fc.array(faultArb, { minLength: devices, maxLength: devices }).map((faults) => ({ cmd: 'syncAll' as const, faults })) },
  );

const programArb = fc
  .integer({ min: 2, max: 3 })
  .chain((devices) => fc.record({ devices: fc.constant(devices), commands: fc.array(commandArb(devices), { minLength: 5, maxLength: 28 }) }));

/** Arms the device's proxy for one sync: the `at`-th request from now meets the fault. */
function arm(device: Device, fault: Fault): void {
  const plan = faultPlan(fault, device.proxy.requests.length, 30);
  device.proxy.plan = (req, index) => plan(req.method ?? 'GET', index);
}

const heal = (device: Device): void => {
  device.proxy.plan = () => ({ kind: 'forward' });
};

/** Waits (polling) until `condition` holds, at most 2 s. */
async function until(condition: () => boolean | Promise<boolean>): Promise<void> {
  for (let i = 0; i < 400 && !(await condition()); i++) await new Promise((resolve) => setTimeout(resolve, 5));
}

/** A sync that may fail under faults (the outbox keeps everything); resolves either way. */
async function trySync(device: Device): Promise<void> {
  await device.client.sync().catch(() => undefined);
}

describe('user sync model (fast-check, real server, real faults)', () => {
  it('converges, never duplicates, never loses an uncontested write', async () => {
    await fc.assert(
      fc.asyncProperty(programArb, async (program) => {
        const user = freshUserId('model');
        const devices: Device[] = [];
        for (let i = 0; i < program.devices; i++) {
          devices.push(
            await openDevice(server, user, {
              name: `device${i}`,
              client: { retry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 5, totalBudgetMs: 5000 }, attemptTimeoutMs: 5000 },
            }),
          );
        }
        const log = new WriteLog();
        try {
          for (const command of program.commands) {
            switch (command.cmd) {
              case 'op':
                await applyUserOp(devices[command.device]!, command.op, log);
                break;
              case 'sync': {
                const d = devices[command.device]!;
                arm(d, command.fault);
                await trySync(d);
                heal(d);
                break;
              }
              case 'writeDuringPush': {
                // The device keeps writing while its push is on the wire (held 40 ms by the proxy, its answer
                // possibly lost): the entries being sent must not change under it.
                const d = devices[command.device]!;
                const start = d.proxy.requests.length;
                d.proxy.plan = (req) => (req.method === 'POST' ? { kind: 'delay', ms: 40, dropResponse: command.dropResponse } : { kind: 'forward' });
                const running = trySync(d);
                await until(() => d.proxy.requests.slice(start).some((r) => r.method === 'POST') || d.client.pendingCount().then((n) => n === 0));
                for (const op of command.ops) await applyUserOp(d, op, log);
                await running;
                heal(d);
                break;
              }
              case 'syncAll':
                for (const [i, d] of devices.entries()) arm(d, command.faults[i]!);
                await Promise.all(devices.map(trySync));
                devices.forEach(heal);
                break;
            }
          }
          await syncUntilQuiet(devices);
          const states = await Promise.all(devices.map((d) => deviceState(d.store)));
          await expectConvergedWithoutLossOrDuplicates(await serverState(server, user), devices, log, states);
        } finally {
          for (const d of devices) await d.close();
        }
      }),
      { numRuns: Number(process.env.QS_USER_MODEL_RUNS ?? (process.env.QS_SLOW_TESTS === '1' ? 60 : 10)), endOnFailure: true },
    );
  }, 900_000);
});
