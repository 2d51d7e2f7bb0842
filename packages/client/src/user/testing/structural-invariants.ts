import type { TestServer } from '@quran-sync/server/testing';
import { convergenceProblems, type ConvergenceOptions, type DeviceEndState } from './structural-integrity.js';
import { deviceState, serverState, type Device } from './user-sync-harness.js';

// The checks themselves are browser-safe (structural-integrity.ts, shared with the Chromium run); re-exported here.
export {
  convergenceProblems,
  describeRecord,
  integrityProblems,
  stateDifferences,
  type ConvergenceOptions,
  type DeviceEndState,
} from './structural-integrity.js';

/** Reads the server and every device, then throws one error listing every problem found. */
export async function expectConvergedStructurally(server: TestServer, userId: string, devices: readonly Device[], options: ConvergenceOptions): Promise<void> {
  const serverNow = await serverState(server, userId);
  const ends: DeviceEndState[] = [];
  for (const d of devices)
    ends.push({ name: d.name, state: await deviceState(d.store), pending: await d.client.pendingCount(), quarantined: await d.client.quarantine.list() });
  const problems = convergenceProblems(serverNow, ends, options);
  if (problems.length > 0) throw new Error(`not converged:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
}
