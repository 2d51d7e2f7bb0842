import type { TestServer } from '@quran-sync/server/testing';
import type { FaultDecision } from '../../testing/fault-proxy.js';
import type { UserSyncClientOptions } from '../user-sync-client.js';
import { expectConvergedStructurally } from './structural-invariants.js';
import { deviceStorage, type DeviceStorage, type StoreKind } from './structural-stores.js';
import { formatRun, structuralProgram, warmUpOps, type Fault, type StructuralCommand, type StructuralProgram, type StructuralRun } from './structural-program.js';
import { applyStructuralOp, describeStructuralOp, structuralTargetValue, StructuralWriteLog, type StructuralOp } from './structural-user-ops.js';
import { freshUserId, openDevice, syncUntilQuiet, type Device } from './user-sync-harness.js';

export { describeCommand, describeProgram, formatRun, structuralProgram, structuralProgramArb, warmUpOps, type Fault, type StructuralCommand, type StructuralProgram, type StructuralRun } from './structural-program.js';

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
 * what each command did, so it reads without a debugger.
 */

/** Short retries and timeouts: a seed must run in a fraction of a second. */
const CLIENT_OPTIONS: Partial<UserSyncClientOptions> = {
  retry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 5, totalBudgetMs: 5000 },
  attemptTimeoutMs: 5000,
  // Devices racing for the head back off briefly: the server serialises pushes, so some device wins each round.
  engine: { outOfSyncBackoff: { baseDelayMs: 1, maxDelayMs: 20, maxAttempts: Number.MAX_SAFE_INTEGER } },
  // One client per store at a time (a restart closes the old one first): nothing to coordinate.
  crossContext: false,
};

/** A device of the program: its storage outlives the clients a restart replaces. */
class DeviceSlot {
  private constructor(
    private readonly server: TestServer,
    private readonly userId: string,
    readonly storage: DeviceStorage,
    public device: Device,
    private readonly events: string[],
  ) {}

  static async open(server: TestServer, userId: string, name: string, storage: DeviceStorage, events: string[]): Promise<DeviceSlot> {
    const slot = new DeviceSlot(server, userId, storage, await openDevice(server, userId, { name, store: await storage.open(), client: CLIENT_OPTIONS }), events);
    slot.listen();
    return slot;
  }

  /** The app closes; a new client opens on the same store, behind the same proxy. */
  async restart(): Promise<void> {
    await this.device.client.close();
    this.device = await openDevice(this.server, this.userId, { name: this.device.name, store: await this.storage.open(), proxy: this.device.proxy, client: CLIENT_OPTIONS });
    this.listen();
  }

  private listen(): void {
    const name = this.device.name;
    this.device.client.on('quarantine', (q) => this.events.push(`${name} quarantined ${q.type} ${q.resource} ${q.id}: ${q.error.status} ${q.error.message}`));
    this.device.client.on('conflict', (c) => this.events.push(`${name} conflict ${c.resource} ${c.id}: ${c.outcome}`));
  }
}

/** Arms the device's proxy for one sync: the `at`-th request from now meets the fault. */
function arm(device: Device, fault: Fault): void {
  const start = device.proxy.requests.length;
  const error = (status: number): FaultDecision => ({ kind: 'respond', status, body: '{"message":"unavailable","type":"service_unavailable","success":false}' });
  device.proxy.plan = (req, index) => {
    switch (fault.kind) {
      case 'none':
        return { kind: 'forward' };
      case 'outage':
        return { kind: 'reset' };
      case 'lost-push':
        return req.method === 'POST' ? { kind: 'drop-response' } : { kind: 'forward' };
      default:
        if (index !== start + fault.at) return { kind: 'forward' };
        if (fault.kind === 'drop-request') return { kind: 'reset' };
        if (fault.kind === 'drop-response') return { kind: 'drop-response' };
        if (fault.kind === 'delay') return { kind: 'delay', ms: 20 };
        return error(fault.status ?? 503);
    }
  };
}

const heal = (device: Device): void => {
  device.proxy.plan = () => ({ kind: 'forward' });
};

/** A sync that may fail under faults (the outbox keeps everything); says how it went. */
async function trySync(device: Device): Promise<string> {
  try {
    const r = await device.client.sync();
    return `${device.name} ${r.upToDate ? 'up to date' : `pushed ${r.pushed}, pulled ${r.pulled}${r.outOfSync ? `, ${r.outOfSync} out-of-sync` : ''}${r.conflicts ? `, ${r.conflicts} conflicts` : ''}${r.quarantined ? `, ${r.quarantined} QUARANTINED` : ''}`}`;
  } catch (error) {
    return `${device.name} failed (${error instanceof Error ? error.message : String(error)})`;
  }
}

/** Waits (polling) until `condition` holds, at most 2 s. */
async function until(condition: () => boolean | Promise<boolean>): Promise<void> {
  for (let i = 0; i < 400 && !(await condition()); i++) await new Promise((resolve) => setTimeout(resolve, 5));
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
export async function runStructuralProgram(server: TestServer, seed: number, store: StoreKind, program: StructuralProgram = structuralProgram(seed)): Promise<StructuralRun> {
  const userId = freshUserId(`structural-${store}-${seed}`);
  const events: string[] = [];
  const trace: string[] = [];
  const run = { program, trace };
  const slots: DeviceSlot[] = [];
  const log = new StructuralWriteLog();
  const devices = () => slots.map((s) => s.device);
  // Collects the events a command caused (conflicts, quarantines) onto its trace line.
  const note = (line: string) => {
    trace.push(events.length > 0 ? `${line} | ${events.splice(0).join('; ')}` : line);
  };
  try {
    for (let i = 0; i < program.devices; i++) slots.push(await DeviceSlot.open(server, userId, `d${i}`, deviceStorage(store, `${userId}-d${i}`), events));
    if (program.warmUp) {
      await runCommand({ cmd: 'ops', device: 0, ops: warmUpOps(program.shape) }, slots, log);
      for (const d of devices()) await d.client.sync();
    }
    for (const command of program.commands) note(await runCommand(command, slots, log));
    for (const d of devices()) heal(d);
    try {
      await syncUntilQuiet(devices(), 8);
      note('healed, synced until quiet');
    } catch (error) {
      note(`healed, but syncing until quiet failed: ${error instanceof Error ? error.message : String(error)}`);
    }
    await expectConvergedStructurally(server, userId, devices(), { log, targetValue: structuralTargetValue, duplicateNamesAllowed: log.renamedInto });
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

async function runCommand(command: StructuralCommand, slots: readonly DeviceSlot[], log: StructuralWriteLog): Promise<string> {
  const applyAll = async (device: Device, ops: readonly StructuralOp[]) => {
    const notes: string[] = [];
    for (const op of ops) {
      const skipped = await applyStructuralOp(device, op, log);
      if (skipped) notes.push(`${describeStructuralOp(op)}: ${skipped}`);
    }
    return notes.length > 0 ? `no-ops: ${notes.join('; ')}` : 'applied';
  };
  switch (command.cmd) {
    case 'ops':
      return applyAll(slots[command.device]!.device, command.ops);
    case 'sync': {
      const d = slots[command.device]!.device;
      arm(d, command.fault);
      const outcome = await trySync(d);
      heal(d);
      return outcome;
    }
    case 'syncTogether': {
      const ds = command.devices.map((i) => slots[i]!.device);
      ds.forEach((d, i) => arm(d, command.faults[i]!));
      const outcomes = await Promise.all(ds.map(trySync));
      ds.forEach(heal);
      return outcomes.join('; ');
    }
    case 'writeDuringPush': {
      // The device keeps writing while its push is on the wire (held by the proxy, its answer possibly lost):
      // the entries being sent must not change under it.
      const d = slots[command.device]!.device;
      const start = d.proxy.requests.length;
      d.proxy.plan = (req) => (req.method === 'POST' ? { kind: 'delay', ms: 25, dropResponse: command.dropResponse } : { kind: 'forward' });
      const running = trySync(d);
      await until(() => d.proxy.requests.slice(start).some((r) => r.method === 'POST') || d.client.pendingCount().then((n) => n === 0));
      const applied = await applyAll(d, command.ops);
      const outcome = await running;
      heal(d);
      return `${outcome}; during it: ${applied}`;
    }
    case 'restart':
      await slots[command.device]!.restart();
      return `restarted with ${await slots[command.device]!.device.client.pendingCount()} queued`;
    case 'lostThenRestart': {
      const slot = slots[command.device]!;
      arm(slot.device, { kind: 'lost-push' });
      const outcome = await trySync(slot.device);
      heal(slot.device);
      await slot.restart();
      return `${outcome}; restarted with ${await slot.device.client.pendingCount()} queued`;
    }
  }
}
