import { collectionBookmarkId, USER_RESOURCES } from '@quran-sync/protocol';
import { deleteDB } from 'idb';
import { expect } from 'vitest';
import type { FetchLike } from '../../auth/authorized-fetch.js';
import { IndexedDbUserStore } from '../indexeddb-user-store.js';
import { recordIdOf } from '../user-resource-data.js';
import { UserSyncClient, type UserSyncClientOptions } from '../user-sync-client.js';
import type { UserStore } from '../user-store.js';
import { formatRun, structuralProgram, warmUpOps, type Fault, type StructuralCommand, type StructuralProgram, type StructuralRun } from './structural-program.js';
import { applyStructuralOp, describeStructuralOp, structuralTargetValue, StructuralWriteLog, type StructuralOp } from './structural-user-ops.js';
import type { Device, StateMap } from './user-sync-harness.js';

/**
 * The structural model test's programs (`structural-program.ts`) run inside a browser page: each device a
 * `UserSyncClient` on its own real `IndexedDbUserStore`, a real server over HTTP. The Node runner
 * (`structural-model.ts`) needs node:http fault proxies, Node stores and node:util, so this one stands apart:
 *
 * - faults come from a `fetch` wrapper per device (`FaultyNetwork`) under the client's transport: a dropped
 *   request throws before sending, a dropped answer lets the server apply the request and read its answer
 *   before throwing (the client never sees it), 5xx are synthetic answers, an outage throws on every request;
 * - a restart closes the client and opens a new one on the same database, reopened by name;
 * - the end state is checked with vitest's deep equality, for the same properties as
 *   `expectConvergedStructurally`: every device equals the server (hence each other), nothing queued or
 *   quarantined, no duplicates, no lost uncontested write, referential integrity on the server and on each
 *   device.
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

type Decision = { readonly kind: 'forward' | 'reset' | 'drop-response' } | { readonly kind: 'respond'; readonly status: number } | { readonly kind: 'delay'; readonly ms: number; readonly dropResponse?: boolean };

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** One device's network: every request the client sends passes `plan`, as through the Node fault proxy. */
class FaultyNetwork {
  readonly requests: Array<{ readonly method: string; readonly url: string; readonly decision: Decision['kind'] }> = [];
  plan: (method: string, index: number) => Decision = () => ({ kind: 'forward' });

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
        return new Response('{"message":"unavailable","type":"service_unavailable","success":false}', { status: decision.status, headers: { 'content-type': 'application/json' } });
      case 'drop-response':
        return answerLost();
      case 'delay':
        await sleep(decision.ms);
        return decision.dropResponse ? answerLost() : fetch(input, init);
    }
  };

  /** The `at`-th request from now meets the fault (the proxy's `arm` in structural-model.ts). */
  arm(fault: Fault): void {
    const start = this.requests.length;
    this.plan = (method, index) => {
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
          if (fault.kind === 'delay') return { kind: 'delay', ms: 20 };
          return { kind: 'respond', status: fault.status ?? 503 };
      }
    };
  }

  heal(): void {
    this.plan = () => ({ kind: 'forward' });
  }
}

/** As in structural-model.ts: short retries and timeouts, a brief back-off when devices race for the head. */
const CLIENT_OPTIONS: Partial<UserSyncClientOptions> = {
  retry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 5, totalBudgetMs: 5000 },
  attemptTimeoutMs: 5000,
  engine: { outOfSyncBackoff: { baseDelayMs: 1, maxDelayMs: 20, maxAttempts: Number.MAX_SAFE_INTEGER } },
  // One client per database at a time (a restart closes the old one first): nothing to coordinate.
  crossContext: false,
};

/** A device of the program: its database and network outlive the clients a restart replaces. */
class BrowserDevice {
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

  private async start(): Promise<void> {
    const { token, clientId } = this.options.user;
    this.store = await IndexedDbUserStore.open({ name: this.database });
    this.client = new UserSyncClient({
      ...CLIENT_OPTIONS,
      store: this.store,
      baseUrl: this.options.serverUrl,
      tokenProvider: { getToken: async () => ({ accessToken: token, clientId }), invalidate: () => undefined },
      fetch: this.network.fetch,
    });
    this.client.on('quarantine', (q) => this.events.push(`${this.name} quarantined ${q.type} ${q.resource} ${q.id}: ${q.error.status} ${q.error.message}`));
    this.client.on('conflict', (c) => this.events.push(`${this.name} conflict ${c.resource} ${c.id}: ${c.outcome}`));
  }

  /** The app closes (its client closes the store); a new one opens on the same database. */
  async restart(): Promise<void> {
    await this.client.close();
    await this.start();
  }

  /** What the shared op appliers read: they only use the client and the name. */
  get asDevice(): Device {
    return { name: this.name, client: this.client } as Pick<Device, 'name' | 'client'> as Device;
  }

  async dispose(): Promise<void> {
    await this.client.close().catch(() => undefined);
    await deleteDB(this.database).catch(() => undefined);
  }
}

async function trySync(d: BrowserDevice): Promise<string> {
  try {
    const r = await d.client.sync();
    return `${d.name} ${r.upToDate ? 'up to date' : `pushed ${r.pushed}, pulled ${r.pulled}${r.outOfSync ? `, ${r.outOfSync} out-of-sync` : ''}${r.conflicts ? `, ${r.conflicts} conflicts` : ''}${r.quarantined ? `, ${r.quarantined} QUARANTINED` : ''}`}`;
  } catch (error) {
    return `${d.name} failed (${error instanceof Error ? error.message : String(error)})`;
  }
}

async function until(condition: () => boolean | Promise<boolean>): Promise<void> {
  for (let i = 0; i < 400 && !(await condition()); i++) await sleep(5);
}

async function syncUntilQuiet(devices: readonly BrowserDevice[], maxRounds: number): Promise<void> {
  for (let round = 0; round < maxRounds; round++) {
    for (const d of devices) await d.client.sync();
    const statuses = await Promise.all(devices.map((d) => d.client.status()));
    if (statuses.every((s) => s.pending === 0 && s.head === statuses[0]!.head)) {
      // One more pass so every device has pulled the last head.
      for (const d of devices) await d.client.sync();
      return;
    }
  }
  throw new Error('devices did not quiesce');
}

async function runCommand(command: StructuralCommand, devices: readonly BrowserDevice[], log: StructuralWriteLog): Promise<string> {
  const applyAll = async (d: BrowserDevice, ops: readonly StructuralOp[]) => {
    const notes: string[] = [];
    for (const op of ops) {
      const skipped = await applyStructuralOp(d.asDevice, op, log);
      if (skipped) notes.push(`${describeStructuralOp(op)}: ${skipped}`);
    }
    return notes.length > 0 ? `no-ops: ${notes.join('; ')}` : 'applied';
  };
  switch (command.cmd) {
    case 'ops':
      return applyAll(devices[command.device]!, command.ops);
    case 'sync': {
      const d = devices[command.device]!;
      d.network.arm(command.fault);
      const outcome = await trySync(d);
      d.network.heal();
      return outcome;
    }
    case 'syncTogether': {
      const ds = command.devices.map((i) => devices[i]!);
      ds.forEach((d, i) => d.network.arm(command.faults[i]!));
      const outcomes = await Promise.all(ds.map(trySync));
      ds.forEach((d) => d.network.heal());
      return outcomes.join('; ');
    }
    case 'writeDuringPush': {
      const d = devices[command.device]!;
      const start = d.network.requests.length;
      d.network.plan = (method) => (method === 'POST' ? { kind: 'delay', ms: 25, dropResponse: command.dropResponse } : { kind: 'forward' });
      const running = trySync(d);
      await until(() => d.network.requests.slice(start).some((r) => r.method === 'POST') || d.client.pendingCount().then((n) => n === 0));
      const applied = await applyAll(d, command.ops);
      const outcome = await running;
      d.network.heal();
      return `${outcome}; during it: ${applied}`;
    }
    case 'restart': {
      const d = devices[command.device]!;
      await d.restart();
      return `restarted with ${await d.client.pendingCount()} queued`;
    }
    case 'lostThenRestart': {
      const d = devices[command.device]!;
      d.network.arm({ kind: 'lost-push' });
      const outcome = await trySync(d);
      d.network.heal();
      await d.restart();
      return `${outcome}; restarted with ${await d.client.pendingCount()} queued`;
    }
  }
}

/**
 * Runs one program on fresh devices of the given (empty) user, then checks the end state. A failure rethrows
 * the assertion (its diff intact) with the seed, the program and what each command did in its message.
 */
export async function runStructuralProgramInBrowser(options: BrowserStructuralOptions): Promise<StructuralRun> {
  const program = options.program ?? structuralProgram(options.seed);
  const events: string[] = [];
  const trace: string[] = [];
  const run = { program, trace };
  const devices: BrowserDevice[] = [];
  const log = new StructuralWriteLog();
  const note = (line: string) => {
    trace.push(events.length > 0 ? `${line} | ${events.splice(0).join('; ')}` : line);
  };
  try {
    for (let i = 0; i < program.devices; i++) devices.push(await BrowserDevice.open(`d${i}`, `${options.databasePrefix}-d${i}`, options, events));
    if (program.warmUp) {
      await runCommand({ cmd: 'ops', device: 0, ops: warmUpOps(program.shape) }, devices, log);
      for (const d of devices) await d.client.sync();
    }
    for (const command of program.commands) note(await runCommand(command, devices, log));
    for (const d of devices) d.network.heal();
    try {
      await syncUntilQuiet(devices, 8);
      note('healed, synced until quiet');
    } catch (error) {
      note(`healed, but syncing until quiet failed: ${error instanceof Error ? error.message : String(error)}`);
    }
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
  const server = await serverState(options.serverUrl, options.user);
  const allowed = log.renamedInto;
  const actual: Record<string, unknown> = {};
  const expected: Record<string, unknown> = {};
  for (const d of devices) {
    const state = await deviceState(d.store);
    actual[d.name] = { state, pending: await d.client.pendingCount(), quarantined: await d.client.quarantine.list(), problems: integrityProblems(state, allowed) };
    expected[d.name] = { state: server, pending: 0, quarantined: [], problems: [] };
  }
  actual.server = integrityProblems(server, allowed);
  expected.server = [];
  const uncontested = log.uncontested();
  actual.uncontestedWrites = Object.fromEntries(uncontested.map(([target]) => [target, structuralTargetValue(server, target)]));
  expected.uncontestedWrites = Object.fromEntries(uncontested);
  // Strict, as node:util's isDeepStrictEqual in the Node runner: an `undefined` field is not a missing one.
  expect(actual, 'not converged').toStrictEqual(expected);
}

type Data = Record<string, unknown>;

/** The user's live state on the server, `RESOURCE:id → data`, read with a full pull (all pages). */
export async function serverState(serverUrl: string, user: { readonly token: string; readonly clientId: string }): Promise<StateMap> {
  const headers = { 'x-auth-token': user.token, 'x-client-id': user.clientId };
  const state: StateMap = {};
  let since = 0;
  for (;;) {
    const response = await fetch(`${serverUrl}/v1/sync?mutationsSince=${since}&limit=1000`, { headers });
    if (!response.ok) throw new Error(`pull failed: ${response.status} ${await response.text()}`);
    const { data } = (await response.json()) as { data: { mutations: Array<{ type: string; resource: (typeof USER_RESOURCES)[number]; resourceId: string | null; data: Data }>; hasMore: boolean; lastMutationAt: number } };
    for (const m of data.mutations) {
      const key = `${m.resource}:${recordIdOf(m)}`;
      if (m.type === 'DELETE') delete state[key];
      else state[key] = m.data;
    }
    if (!data.hasMore) return state;
    since = data.lastMutationAt;
  }
}

/** What the device shows, `RESOURCE:id → data` (live records only). */
export async function deviceState(store: UserStore): Promise<StateMap> {
  const state: StateMap = {};
  for (const resource of USER_RESOURCES) for (const r of await store.listRecords(resource)) state[`${resource}:${r.id}`] = r.data;
  return state;
}

const entriesOf = (state: StateMap, resource: string): Array<[string, Data]> =>
  Object.entries(state)
    .filter(([k]) => k.startsWith(`${resource}:`))
    .map(([k, v]) => [k.slice(resource.length + 1), v as Data]);

const locationOf = (b: Data): string => (b.type === 'ayah' ? `${String(b.key)}:${String(b.verseNumber)}` : `${String(b.type)} ${String(b.key)}`);

/**
 * Referential integrity and uniqueness of one state, the checks of `integrityProblems` in
 * structural-invariants.ts (which imports node:util): links name a live collection and a live bookmark under
 * their composite id and carry its location; one default collection once there is data; at most one reading
 * bookmark; `isInDefaultCollection` equals a link into the default collection; one live bookmark per location,
 * one collection per name (except names a rename produced), one note per body.
 */
export function integrityProblems(state: StateMap, duplicateNamesAllowed: ReadonlySet<string>): string[] {
  const out: string[] = [];
  const bookmarks = entriesOf(state, 'BOOKMARK');
  const collections = entriesOf(state, 'COLLECTION');
  const links = entriesOf(state, 'COLLECTION_BOOKMARK');
  const defaults = collections.filter(([, c]) => c.isDefault === true);
  if (defaults.length > 1) out.push(`${defaults.length} default collections`);
  if (defaults.length === 0 && Object.keys(state).length > 0) out.push('no default collection, yet the user has data');
  const defaultId = defaults[0]?.[0];
  for (const [id, link] of links) {
    const where = `link ${id}`;
    if (id !== collectionBookmarkId(String(link.collectionId), String(link.bookmarkId))) out.push(`${where}: its id does not name its ends`);
    if (!state[`COLLECTION:${String(link.collectionId)}`]) out.push(`${where}: dangling, no live collection ${String(link.collectionId)}`);
    const bookmark = state[`BOOKMARK:${String(link.bookmarkId)}`] as Data | undefined;
    if (!bookmark) out.push(`${where}: dangling, no live bookmark ${String(link.bookmarkId)}`);
    else if (bookmark.type !== link.type || bookmark.key !== link.key || (bookmark.verseNumber ?? null) !== (link.verseNumber ?? null)) {
      out.push(`${where}: carries ${String(link.type)} ${String(link.key)}:${String(link.verseNumber)}, its bookmark is at ${locationOf(bookmark)}`);
    }
  }
  const reading = bookmarks.filter(([, b]) => b.isReading === true);
  if (reading.length > 1) out.push(`${reading.length} reading bookmarks: ${reading.map(([id, b]) => `${locationOf(b)} [${id}]`).join(', ')}`);
  for (const [id, b] of bookmarks) {
    const linked = defaultId !== undefined && links.some(([, l]) => l.bookmarkId === id && l.collectionId === defaultId);
    if ((b.isInDefaultCollection === true) !== linked) out.push(`bookmark ${locationOf(b)} [${id}]: isInDefaultCollection ${String(b.isInDefaultCollection)}, but it is ${linked ? '' : 'not '}linked into the default collection`);
  }
  const duplicates = (items: Array<[string, Data]>, key: (v: Data) => string, what: string, allowed: (k: string) => boolean = () => false) => {
    const seen = new Map<string, string[]>();
    for (const [id, v] of items) seen.set(key(v), [...(seen.get(key(v)) ?? []), id]);
    for (const [k, ids] of seen) if (ids.length > 1 && !allowed(k)) out.push(`${ids.length} live ${what} ${k}: ${ids.join(', ')}`);
  };
  duplicates(bookmarks, (b) => `${locationOf(b)} mushaf ${String(b.mushaf)}`, 'bookmarks at');
  duplicates(collections, (c) => `"${String(c.name)}"`, 'collections named', (k) => duplicateNamesAllowed.has(k.slice(1, -1)));
  duplicates(entriesOf(state, 'NOTE'), (n) => JSON.stringify(n.body), 'notes with body');
  return out;
}
