import { deleteDB } from 'idb';
import { expect } from 'vitest';
import type { FetchLike } from '../../auth/authorized-fetch.js';
import { IndexedDbUserStore } from '../indexeddb-user-store.js';
import { UserSyncClient } from '../user-sync-client.js';
import type { UserStore } from '../user-store.js';
import { integrityProblems } from './structural-integrity.js';
import { formatRun, structuralProgram, type StructuralProgram, type StructuralRun } from './structural-program.js';
import {
  driveStructuralProgram,
  recordClientEvents,
  structuralClientOptions,
  structuralTrace,
  type NetworkDecision,
  type NetworkPlan,
  type StructuralDevice,
} from './structural-runner.js';
import { structuralTargetValue, StructuralWriteLog } from './structural-user-ops.js';
import { deviceState, serverStateAt } from './user-state.js';

/**
 * The structural model test's programs (`structural-program.ts`) run inside a browser page: each device a
 * `UserSyncClient` on its own real `IndexedDbUserStore`, a real server over HTTP. The commands run as in the
 * Node runner (`structural-runner.ts`, shared); what differs is kept here, since the Node one needs node:http
 * fault proxies and Node stores:
 *
 * - faults come from a `fetch` wrapper per device (`FaultyNetwork`) under the client's transport: a dropped
 *   request throws before sending, a dropped answer lets the server apply the request and read its answer
 *   before throwing (the client never sees it), 5xx are synthetic answers, an outage throws on every request;
 * - a restart closes the client and opens a new one on the same database, reopened by name;
 * - the end state is checked with vitest's deep equality, for the same properties as
 *   `expectConvergedStructurally`: every device equals the server (hence each other), nothing queued or
 *   quarantined, no duplicates, no lost uncontested write, referential integrity on the server and on each
 *   device (`structural-integrity.ts`, shared).
 */
export interface BrowserStructuralOptions {
  readonly seed: number;
  readonly serverUrl: string;
  /** A user with no data yet, and an access token for it (minted on the Node side). */
  readonly user: { readonly token: string; readonly clientId: string };
  /** Unique per run: the device databases are `${databasePrefix}-d${i}`, deleted at the end. */
  readonly databasePrefix: string;
  readonly program?: StructuralProgram;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** One device's network: every request the client sends passes `plan`, as through the Node fault proxy. */
class FaultyNetwork {
  readonly requests: Array<{ readonly method: string; readonly url: string; readonly decision: NetworkDecision['kind'] }> = [];
  plan: NetworkPlan = () => ({ kind: 'forward' });

  readonly fetch: FetchLike = async (input, init) => {
    const method = (init?.method ?? (input instanceof Request ? input.method : 'GET')).toUpperCase();
    const decision = this.plan(method, this.requests.length);
    this.requests.push({ method, url: input instanceof Request ? input.url : String(input), decision: decision.kind });
    // A TypeError is what a browser's fetch throws when the network fails.
    const answerLost = async (): Promise<never> => {
      const response = await fetch(input, init);
      await response.arrayBuffer();
      throw new TypeError('Failed to fetch (the server answered, the answer was lost)');
    };
    switch (decision.kind) {
      case 'forward':
        return fetch(input, init);
      case 'reset':
        throw new TypeError('Failed to fetch (the request never reached the server)');
      case 'respond':
        return new Response(decision.body, { status: decision.status, headers: { 'content-type': 'application/json' } });
      case 'drop-response':
        return answerLost();
      case 'delay':
        await sleep(decision.ms);
        return decision.dropResponse ? answerLost() : fetch(input, init);
    }
  };
}

/** A device of the program: its database and network outlive the clients a restart replaces. */
class BrowserDevice implements StructuralDevice {
  readonly network = new FaultyNetwork();
  client!: UserSyncClient;
  store!: UserStore;

  private constructor(
    readonly name: string,
    readonly database: string,
    private readonly options: BrowserStructuralOptions,
    private readonly events: string[],
  ) {}

  static async open(name: string, database: string, options: BrowserStructuralOptions, events: string[]): Promise<BrowserDevice> {
    const device = new BrowserDevice(name, database, options, events);
    await device.start();
    return device;
  }

  get requests(): FaultyNetwork['requests'] {
    return this.network.requests;
  }

  setPlan(plan: NetworkPlan): void {
    this.network.plan = plan;
  }

  private async start(): Promise<void> {
    const { token, clientId } = this.options.user;
    this.store = await IndexedDbUserStore.open({ name: this.database });
    this.client = new UserSyncClient({
      ...structuralClientOptions(this.name),
      store: this.store,
      baseUrl: this.options.serverUrl,
      tokenProvider: { getToken: async () => ({ accessToken: token, clientId }), invalidate: () => undefined },
      fetch: this.network.fetch,
    });
    recordClientEvents(this.name, this.client, this.events);
  }

  /** The app closes (its client closes the store); a new one opens on the same database. */
  async restart(): Promise<void> {
    await this.client.close();
    await this.start();
  }

  async dispose(): Promise<void> {
    await this.client.close().catch(() => undefined);
    await deleteDB(this.database).catch(() => undefined);
  }
}

/**
 * Runs one program on fresh devices of the given (empty) user, then checks the end state. A failure rethrows
 * the assertion (its diff intact) with the seed, the program and what each command did in its message.
 */
export async function runStructuralProgramInBrowser(options: BrowserStructuralOptions): Promise<StructuralRun> {
  const program = options.program ?? structuralProgram(options.seed);
  const trace = structuralTrace();
  const run = { program, trace: trace.trace };
  const devices: BrowserDevice[] = [];
  const log = new StructuralWriteLog();
  try {
    for (let i = 0; i < program.devices; i++) devices.push(await BrowserDevice.open(`d${i}`, `${options.databasePrefix}-d${i}`, options, trace.events));
    await driveStructuralProgram(program, devices, log, trace);
    await expectConverged(options, devices, log);
    return run;
  } catch (error) {
    const header = `seed ${options.seed} in the browser on IndexedDB: `;
    const story = `\nprogram and what each command did:\n${formatRun(run)}`;
    if (error instanceof Error) {
      error.message = `${header}${error.message}${story}`;
      throw error;
    }
    throw new Error(`${header}${String(error)}${story}`);
  } finally {
    for (const d of devices) await d.dispose();
  }
}

/**
 * One deep-equality assertion over everything that must hold, so a failing seed shows every difference in one
 * diff: per device its live records (must equal the server's), queue, quarantine and integrity problems; the
 * server's integrity problems; the value of every uncontested write target on the server.
 */
async function expectConverged(options: BrowserStructuralOptions, devices: readonly BrowserDevice[], log: StructuralWriteLog): Promise<void> {
  const server = await serverStateAt(options.serverUrl, { 'x-auth-token': options.user.token, 'x-client-id': options.user.clientId });
  const allowed = log.renamedInto;
  const actual: Record<string, unknown> = {};
  const expected: Record<string, unknown> = {};
  for (const d of devices) {
    const state = await deviceState(d.store);
    actual[d.name] = {
      state,
      pending: await d.client.pendingCount(),
      quarantined: await d.client.quarantine.list(),
      problems: integrityProblems(state, allowed),
    };
    expected[d.name] = { state: server, pending: 0, quarantined: [], problems: [] };
  }
  actual.server = integrityProblems(server, allowed);
  expected.server = [];
  const uncontested = log.uncontested();
  actual.uncontestedWrites = Object.fromEntries(uncontested.map(([target]) => [target, structuralTargetValue(server, target)]));
  expected.uncontestedWrites = Object.fromEntries(uncontested);
  // Strict, as the Node runner's comparison: an `undefined` field is not a missing one.
  expect(actual, 'not converged').toStrictEqual(expected);
}
