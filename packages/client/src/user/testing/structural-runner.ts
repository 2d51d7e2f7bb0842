import type { UserSyncClient, UserSyncClientOptions } from '../user-sync-client.js';
import { warmUpOps, type Fault, type StructuralCommand, type StructuralProgram } from './structural-program.js';
import { applyStructuralOp, describeStructuralOp, type StructuralOp, type StructuralWriteLog } from './structural-user-ops.js';
import { syncUntilQuiet } from './user-state.js';

/**
 * How a structural program (`structural-program.ts`) drives its devices, whatever carries their requests and
 * holds their data: the Node runner (`structural-model.ts`, node:http fault proxies, Node stores) and the
 * Chromium one (`structural-browser.ts`, a `fetch` wrapper, IndexedDB) each adapt their devices to
 * `StructuralDevice` and check the end state their own way. Free of Node-only imports.
 */

/** Short retries and timeouts: a seed must run in a fraction of a second. */
export const STRUCTURAL_CLIENT_OPTIONS: Partial<UserSyncClientOptions> = {
  retry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 5, totalBudgetMs: 5000 },
  attemptTimeoutMs: 5000,
  // Devices racing for the head back off briefly: the server serialises pushes, so some device wins each round.
  engine: { outOfSyncBackoff: { baseDelayMs: 1, maxDelayMs: 20, maxAttempts: Number.MAX_SAFE_INTEGER } },
  // One client per store at a time (a restart closes the old one first): nothing to coordinate.
  crossContext: false,
};

/**
 * The client options of device `name` (`d0`, `d1`, …): the first pushes in batches of the default size, the
 * others in batches of two, so that a push of a few edits is several pipelined batches (a follower sent before
 * the first answer is recorded, lost answers among them).
 */
export function structuralClientOptions(name: string): Partial<UserSyncClientOptions> {
  return name.endsWith('0') ? STRUCTURAL_CLIENT_OPTIONS : { ...STRUCTURAL_CLIENT_OPTIONS, engine: { ...STRUCTURAL_CLIENT_OPTIONS.engine, batchSize: 2 } };
}

/**
 * What happens to one request: sent as is; never reaching the server; applied by the server with the answer
 * lost; answered with a synthetic error; held a while (then its answer possibly lost). The fault proxy's
 * `FaultDecision` takes it as is.
 */
export type NetworkDecision =
  | { readonly kind: 'forward' | 'reset' | 'drop-response' }
  | { readonly kind: 'respond'; readonly status: number; readonly body: string }
  | { readonly kind: 'delay'; readonly ms: number; readonly dropResponse?: boolean };

/** Decides a request by its method and its index among all the device's requests. */
export type NetworkPlan = (method: string, index: number) => NetworkDecision;

/** A device of a running program: its storage and network outlive the clients a restart replaces. */
export interface StructuralDevice {
  readonly name: string;
  /** The current client. */
  readonly client: UserSyncClient;
  /** Every request the device's network carried so far, restarts included. */
  readonly requests: ReadonlyArray<{ readonly method: string }>;
  /** Decides every request from now on. */
  setPlan(plan: NetworkPlan): void;
  /** The app closes; a new client opens on the same storage and network. */
  restart(): Promise<void>;
}

/** The trace of a run: one line per command, with the events (conflicts, quarantines) it caused. */
export interface StructuralTrace {
  readonly trace: string[];
  /** Filled by `recordClientEvents`, emptied onto the next noted line. */
  readonly events: string[];
  note(line: string): void;
}

export function structuralTrace(): StructuralTrace {
  const trace: string[] = [];
  const events: string[] = [];
  return {
    trace,
    events,
    note: (line) => {
      trace.push(events.length > 0 ? `${line} | ${events.splice(0).join('; ')}` : line);
    },
  };
}

export function recordClientEvents(name: string, client: UserSyncClient, events: string[]): void {
  client.on('quarantine', (q) => events.push(`${name} quarantined ${q.type} ${q.resource} ${q.id}: ${q.error.status} ${q.error.message}`));
  client.on('conflict', (c) => events.push(`${name} conflict ${c.resource} ${c.id}: ${c.outcome}`));
}

const forward: NetworkPlan = () => ({ kind: 'forward' });

/** The plan for one sync under `fault`: the `at`-th request from `start` meets it (a delay holds it `delayMs`). */
export function faultPlan(fault: Fault, start: number, delayMs = 20): NetworkPlan {
  return (method, index) => {
    switch (fault.kind) {
      case 'none':
        return { kind: 'forward' };
      case 'outage':
        return { kind: 'reset' };
      case 'lost-push':
        return method === 'POST' ? { kind: 'drop-response' } : { kind: 'forward' };
      default:
        if (index !== start + fault.at) return { kind: 'forward' };
        if (fault.kind === 'drop-request') return { kind: 'reset' };
        if (fault.kind === 'drop-response') return { kind: 'drop-response' };
        if (fault.kind === 'delay') return { kind: 'delay', ms: delayMs };
        return { kind: 'respond', status: fault.status ?? 503, body: '{"message":"unavailable","type":"service_unavailable","success":false}' };
    }
  };
}

const arm = (d: StructuralDevice, fault: Fault): void => d.setPlan(faultPlan(fault, d.requests.length));
const heal = (d: StructuralDevice): void => d.setPlan(forward);

/** A sync that may fail under faults (the outbox keeps everything); says how it went. */
async function trySync(d: StructuralDevice): Promise<string> {
  try {
    const r = await d.client.sync();
    return `${d.name} ${r.upToDate ? 'up to date' : `pushed ${r.pushed}, pulled ${r.pulled}${r.outOfSync ? `, ${r.outOfSync} out-of-sync` : ''}${r.conflicts ? `, ${r.conflicts} conflicts` : ''}${r.quarantined ? `, ${r.quarantined} QUARANTINED` : ''}`}`;
  } catch (error) {
    return `${d.name} failed (${error instanceof Error ? error.message : String(error)})`;
  }
}

/** Waits (polling) until `condition` holds, at most 2 s. */
async function until(condition: () => boolean | Promise<boolean>): Promise<void> {
  for (let i = 0; i < 400 && !(await condition()); i++) await new Promise((resolve) => setTimeout(resolve, 5));
}

async function runCommand(command: StructuralCommand, devices: readonly StructuralDevice[], log: StructuralWriteLog): Promise<string> {
  const applyAll = async (d: StructuralDevice, ops: readonly StructuralOp[]) => {
    const notes: string[] = [];
    for (const op of ops) {
      const skipped = await applyStructuralOp(d, op, log);
      if (skipped) notes.push(`${describeStructuralOp(op)}: ${skipped}`);
    }
    return notes.length > 0 ? `no-ops: ${notes.join('; ')}` : 'applied';
  };
  switch (command.cmd) {
    case 'ops':
      return applyAll(devices[command.device]!, command.ops);
    case 'sync': {
      const d = devices[command.device]!;
      arm(d, command.fault);
      const outcome = await trySync(d);
      heal(d);
      return outcome;
    }
    case 'syncTogether': {
      const ds = command.devices.map((i) => devices[i]!);
      for (const [i, d] of ds.entries()) arm(d, command.faults[i]!);
      const outcomes = await Promise.all(ds.map(trySync));
      ds.forEach(heal);
      return outcomes.join('; ');
    }
    case 'writeDuringPush': {
      // The device keeps writing while its push is on the wire (held, its answer possibly lost): the entries
      // being sent must not change under it.
      const d = devices[command.device]!;
      const start = d.requests.length;
      d.setPlan((method) => (method === 'POST' ? { kind: 'delay', ms: 25, dropResponse: command.dropResponse } : { kind: 'forward' }));
      const running = trySync(d);
      await until(() => d.requests.slice(start).some((r) => r.method === 'POST') || d.client.pendingCount().then((n) => n === 0));
      const applied = await applyAll(d, command.ops);
      const outcome = await running;
      heal(d);
      return `${outcome}; during it: ${applied}`;
    }
    case 'restart': {
      const d = devices[command.device]!;
      await d.restart();
      return `restarted with ${await d.client.pendingCount()} queued`;
    }
    case 'lostThenRestart': {
      const d = devices[command.device]!;
      arm(d, { kind: 'lost-push' });
      const outcome = await trySync(d);
      heal(d);
      await d.restart();
      return `${outcome}; restarted with ${await d.client.pendingCount()} queued`;
    }
  }
}

/**
 * Runs the program on its (open) devices: the warm-up, every command (noted on the trace), then heals the
 * network and syncs until quiet. The end state is the caller's to check.
 */
export async function driveStructuralProgram(
  program: StructuralProgram,
  devices: readonly StructuralDevice[],
  log: StructuralWriteLog,
  trace: StructuralTrace,
): Promise<void> {
  if (program.warmUp) {
    await runCommand({ cmd: 'ops', device: 0, ops: warmUpOps(program.shape) }, devices, log);
    for (const d of devices) await d.client.sync();
  }
  for (const command of program.commands) trace.note(await runCommand(command, devices, log));
  for (const d of devices) heal(d);
  try {
    await syncUntilQuiet(devices, 8);
    trace.note('healed, synced until quiet');
  } catch (error) {
    trace.note(`healed, but syncing until quiet failed: ${error instanceof Error ? error.message : String(error)}`);
  }
}
