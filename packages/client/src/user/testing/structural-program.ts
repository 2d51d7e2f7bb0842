import fc from 'fast-check';
import { describeStructuralOp, structuralOpArb, STRUCTURAL_NAMES, type StructuralOp, type StructuralShape } from './structural-user-ops.js';

/**
 * The programs of the multi-device structural model test, drawn from a seed, and how they print. Kept apart
 * from `structural-model.ts` (which runs them through node:http fault proxies on Node stores) so that the
 * Chromium run (`user-sync-structural.browser.test.ts`) draws the very same program from the same seed.
 * What each command means: `structural-model.ts`.
 */
export type Fault =
  | { readonly kind: 'none' }
  | { readonly kind: 'drop-request' | 'drop-response' | 'delay' | 'error'; readonly at: number; readonly status?: number }
  | { readonly kind: 'lost-push' }
  | { readonly kind: 'outage' };

export type StructuralCommand =
  | { readonly cmd: 'ops'; readonly device: number; readonly ops: readonly StructuralOp[] }
  | { readonly cmd: 'sync'; readonly device: number; readonly fault: Fault }
  | { readonly cmd: 'syncTogether'; readonly devices: readonly number[]; readonly faults: readonly Fault[] }
  | { readonly cmd: 'writeDuringPush'; readonly device: number; readonly dropResponse: boolean; readonly ops: readonly StructuralOp[] }
  | { readonly cmd: 'restart'; readonly device: number }
  | { readonly cmd: 'lostThenRestart'; readonly device: number };

export interface StructuralProgram {
  readonly devices: number;
  /** Start from a shared state: d0 makes every collection with links in it, then every device syncs. */
  readonly warmUp: boolean;
  readonly shape: StructuralShape;
  readonly commands: readonly StructuralCommand[];
}

const faultArb: fc.Arbitrary<Fault> = fc.oneof(
  { weight: 8, arbitrary: fc.constant({ kind: 'none' as const }) },
  { weight: 1, arbitrary: fc.nat(3).map((at) => ({ kind: 'drop-request' as const, at })) },
  { weight: 2, arbitrary: fc.nat(3).map((at) => ({ kind: 'drop-response' as const, at })) },
  { weight: 1, arbitrary: fc.record({ at: fc.nat(3), status: fc.constantFrom(500, 502, 503) }).map((r) => ({ kind: 'error' as const, ...r })) },
  { weight: 2, arbitrary: fc.constant({ kind: 'lost-push' as const }) },
  { weight: 1, arbitrary: fc.nat(3).map((at) => ({ kind: 'delay' as const, at })) },
  { weight: 1, arbitrary: fc.constant({ kind: 'outage' as const }) },
);

function commandArb(devices: number, shape: StructuralShape): fc.Arbitrary<StructuralCommand> {
  const device = fc.nat(devices - 1);
  const op = structuralOpArb(shape);
  return fc.oneof(
    { weight: 10, arbitrary: fc.record({ device, ops: fc.array(op, { minLength: 1, maxLength: 4 }) }).map((r) => ({ cmd: 'ops' as const, ...r })) },
    { weight: 5, arbitrary: fc.record({ device, fault: faultArb }).map((r) => ({ cmd: 'sync' as const, ...r })) },
    {
      weight: 3,
      arbitrary: fc
        .shuffledSubarray([...Array(devices).keys()], { minLength: 2 })
        .chain((chosen) =>
          fc
            .array(faultArb, { minLength: chosen.length, maxLength: chosen.length })
            .map((faults) => ({ cmd: 'syncTogether' as const, devices: chosen, faults })),
        ),
    },
    {
      weight: 1,
      arbitrary: fc
        .record({ device, dropResponse: fc.boolean(), ops: fc.array(op, { minLength: 1, maxLength: 3 }) })
        .map((r) => ({ cmd: 'writeDuringPush' as const, ...r })),
    },
    { weight: 1, arbitrary: device.map((d) => ({ cmd: 'restart' as const, device: d })) },
    { weight: 1, arbitrary: device.map((d) => ({ cmd: 'lostThenRestart' as const, device: d })) },
  );
}

export const structuralProgramArb: fc.Arbitrary<StructuralProgram> = fc
  .record({
    devices: fc.integer({ min: 3, max: 5 }),
    locations: fc.integer({ min: 4, max: 6 }),
    names: fc.integer({ min: 2, max: 3 }),
    warmUp: fc.oneof({ weight: 3, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
  })
  .chain(({ devices, locations, names, warmUp }) => {
    const shape = { locations, names };
    return fc.array(commandArb(devices, shape), { minLength: 6, maxLength: 26 }).map((commands) => ({ devices, warmUp, shape, commands }));
  });

/** The program a seed draws (the same on every store). */
export function structuralProgram(seed: number): StructuralProgram {
  return fc.sample(structuralProgramArb, { seed, numRuns: 1 })[0]!;
}

function describeFault(f: Fault): string {
  switch (f.kind) {
    case 'none':
      return 'healthy';
    case 'lost-push':
      return 'every push answer lost';
    case 'outage':
      return 'offline';
    case 'error':
      return `${f.status} at request +${f.at}`;
    default:
      return `${f.kind} at request +${f.at}`;
  }
}

export function describeCommand(c: StructuralCommand): string {
  switch (c.cmd) {
    case 'ops':
      return `d${c.device}: ${c.ops.map(describeStructuralOp).join('; ')}`;
    case 'sync':
      return `d${c.device} sync (${describeFault(c.fault)})`;
    case 'syncTogether':
      return `sync together: ${c.devices.map((d, i) => `d${d} (${describeFault(c.faults[i]!)})`).join(', ')}`;
    case 'writeDuringPush':
      return `d${c.device} sync, and during its push${c.dropResponse ? ' (answer lost)' : ''}: ${c.ops.map(describeStructuralOp).join('; ')}`;
    case 'restart':
      return `d${c.device} restarts`;
    case 'lostThenRestart':
      return `d${c.device} sync with every push answer lost, then restarts`;
  }
}

/** The warm-up's ops on d0: every collection, each location linked into one of them, the first also into __default__. */
export function warmUpOps(shape: StructuralShape): StructuralOp[] {
  const ops: StructuralOp[] = Array.from({ length: shape.names }, (_, name) => ({ op: 'create' as const, name }));
  for (let at = 0; at < shape.locations; at++) ops.push({ op: 'link', into: at % shape.names, at, by: 'location' });
  ops.push({ op: 'link', into: 'default', at: 0, by: 'location' });
  return ops;
}

export function describeProgram(p: StructuralProgram): string {
  const header = `${p.devices} devices, ${p.shape.locations} locations, names ${STRUCTURAL_NAMES.slice(0, p.shape.names).join('/')}${p.warmUp ? '; warm-up: d0 makes every collection and links every location into one (the first also into __default__), then every device syncs' : ''}`;
  return [header, ...p.commands.map((c, i) => `${String(i + 1).padStart(3)}. ${describeCommand(c)}`)].join('\n');
}

export interface StructuralRun {
  readonly program: StructuralProgram;
  /** What each command did, one line per command (same order). */
  readonly trace: readonly string[];
}

export function formatRun(run: StructuralRun): string {
  const [header, ...lines] = describeProgram(run.program).split('\n');
  return [
    header,
    ...lines.map((line, i) => `${line}\n       → ${run.trace[i] ?? '(not reached)'}`),
    ...run.trace.slice(lines.length).map((t) => `  end: ${t}`),
  ].join('\n');
}
