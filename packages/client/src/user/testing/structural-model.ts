import type { TestServer } from '@quran-sync/server/testing';
import { expectConvergedStructurally } from './structural-invariants.js';
import { deviceStorage, type DeviceStorage, type StoreKind } from './structural-stores.js';
import { formatRun, structuralProgram, type StructuralProgram, type StructuralRun } from './structural-program.js';
import {
  driveStructuralProgram,
  recordClientEvents,
  structuralClientOptions,
  structuralTrace,
  type NetworkPlan,
  type StructuralDevice,
} from './structural-runner.js';
import { structuralTargetValue, StructuralWriteLog } from './structural-user-ops.js';
import { freshUserId, openDevice, type Device } from './user-sync-harness.js';

export {
  describeCommand,
  describeProgram,
  formatRun,
  structuralProgram,
  structuralProgramArb,
  warmUpOps,
  type Fault,
  type StructuralCommand,
  type StructuralProgram,
  type StructuralRun,
} from './structural-program.js';

/**
 * Model-based programs for the multi-device structural test (`user-sync-structural-model.test.ts`): 3–5 devices
 * of one user, each a `UserSyncClient` on its own store behind its own real fault proxy, a real server. A
 * program is a list of commands drawn by fast-check from one seed (`structural-program.ts`):
 *
 * - `ops`: a device edits offline (a burst of structural ops, `structural-user-ops.ts`);
 * - `sync`: one device syncs under one network fault — the request dropped before the server saw it, the
 *   answer dropped after the server applied it (the transport retries under the same Idempotency-Key), a
 *   5xx, a delay, every push answer lost (the run fails, the batch's outcome unknown), a whole outage;
 * - `syncTogether`: several devices sync at once (`Promise.all`), so they race for the head (409, rebase);
 * - `writeDuringPush`: the device writes while its push is on the wire (held by the proxy, its answer
 *   possibly lost);
 * - `restart`: the app closes and a new client opens on the same durable store;
 * - `lostThenRestart`: a push whose answers are all lost (the server applied it), then the app restarts.
 *
 * After the last command the network heals, every device syncs until quiet, and the end state must pass
 * `expectConvergedStructurally`. A failure throws an error carrying the seed, the store, the program and
 * what each command did, so it reads without a debugger. How commands run is shared with the Chromium run
 * (`structural-runner.ts`); here a device's network is its fault proxy.
 */

/** A device of the program: its storage and proxy outlive the clients a restart replaces. */
class DeviceSlot implements StructuralDevice {
  private constructor(
    private readonly server: TestServer,
    private readonly userId: string,
    readonly storage: DeviceStorage,
    public device: Device,
    private readonly events: string[],
  ) {}

  static async open(server: TestServer, userId: string, name: string, storage: DeviceStorage, events: string[]): Promise<DeviceSlot> {
    const slot = new DeviceSlot(
      server,
      userId,
      storage,
      await openDevice(server, userId, { name, store: await storage.open(), client: structuralClientOptions(name) }),
      events,
    );
    recordClientEvents(name, slot.client, events);
    return slot;
  }

  get name(): string {
    return this.device.name;
  }

  get client(): Device['client'] {
    return this.device.client;
  }

  get requests(): Device['proxy']['requests'] {
    return this.device.proxy.requests;
  }

  setPlan(plan: NetworkPlan): void {
    this.device.proxy.plan = (req, index) => plan(req.method ?? 'GET', index);
  }

  /** The app closes; a new client opens on the same store, behind the same proxy. */
  async restart(): Promise<void> {
    await this.device.client.close();
    this.device = await openDevice(this.server, this.userId, {
      name: this.device.name,
      store: await this.storage.open(),
      proxy: this.device.proxy,
      client: structuralClientOptions(this.device.name),
    });
    recordClientEvents(this.name, this.client, this.events);
  }
}

/** Thrown when a program ends wrong: the message has the seed, store, program, trace and the problems. */
export class StructuralFailure extends Error {
  constructor(
    readonly seed: number,
    readonly store: StoreKind,
    readonly problem: unknown,
    readonly run: StructuralRun,
  ) {
    super(
      `seed ${seed} on ${store} (replay: QS_USER_MODEL_SEED=${seed} QS_USER_MODEL_STORE=${store}): ${problem instanceof Error ? problem.message : String(problem)}\n` +
        `program and what each command did:\n${formatRun(run)}`,
    );
    this.name = 'StructuralFailure';
  }
}

/** Runs one program on fresh devices of a fresh user; resolves with its trace, or throws `StructuralFailure`. */
export async function runStructuralProgram(
  server: TestServer,
  seed: number,
  store: StoreKind,
  program: StructuralProgram = structuralProgram(seed),
): Promise<StructuralRun> {
  const userId = freshUserId(`structural-${store}-${seed}`);
  const trace = structuralTrace();
  const run = { program, trace: trace.trace };
  const slots: DeviceSlot[] = [];
  const log = new StructuralWriteLog();
  try {
    for (let i = 0; i < program.devices; i++) slots.push(await DeviceSlot.open(server, userId, `d${i}`, deviceStorage(store, `${userId}-d${i}`), trace.events));
    await driveStructuralProgram(program, slots, log, trace);
    await expectConvergedStructurally(
      server,
      userId,
      slots.map((s) => s.device),
      { log, targetValue: structuralTargetValue, duplicateNamesAllowed: log.renamedInto },
    );
    return run;
  } catch (error) {
    if (error instanceof StructuralFailure) throw error;
    throw new StructuralFailure(seed, store, error, run);
  } finally {
    for (const s of slots) {
      await s.device.close();
      await s.storage.dispose().catch(() => undefined);
    }
  }
}
