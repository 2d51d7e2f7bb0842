import { readSyncRefusal, USER_RESOURCES, USER_SYNC_ERROR_CODES, type UserResource } from '@quran-sync/protocol';
import { ApiError } from '../http/api-error.js';
import { backoffDelay, sleep as defaultSleep, type BackoffPolicy } from '../http/backoff.js';
import { remapRecord } from './id-remap.js';
import { nextBatch, toWireMutation } from './outbox.js';
import { applyPulledEntry, confirm } from './pull-applier.js';
import { rebuildView } from './rebuild-view.js';
import type { UnitEffects, UserSyncCore } from './user-sync-core.js';
import type { PullPage, SyncEntry, UserSyncApi } from './user-sync-api.js';
import type { SyncReport } from './user-sync-events.js';
import type { OutboxEntry, QuarantineError, RecordData, UserRecord, UserSyncMeta } from './user-store.js';
import type { UserStoreTransaction } from './user-store-transaction.js';
import { recordIdOf } from './user-resource-data.js';

/**
 * One sync run (user-sync.md, "Client rules"; docs/user-client.md, "Sync algorithm"):
 *
 * 1. First run: `GET ?mutationsSince=0&metadataOnly=true`; `-1` → nothing to pull, push from `-1`; otherwise
 *    pull everything.
 * 2. Nothing queued and nothing pulled pending: a `metadataOnly` poll; the known head → done (cheap polling).
 * 3. Push the outbox in batches of ≤ 100 at the stored head, each with an Idempotency-Key derived from the
 *    device, the head and the body (a retry of the same batch carries the same key). Acks remove the entries,
 *    move records onto the ids the server chose, record the server state, and store the new head.
 *    - 409: pull since the stored cursor, rebase the outbox (conflict policy), push again — with jittered
 *      backoff after the first repeat, at most `maxOutOfSyncRounds` times per run.
 *    - 422 (and 400/403/413): the mutation the message names (`mutation[i]`) is quarantined and reported, the
 *      rest goes on; without an index the batch is halved until the culprit stands alone.
 *    - anything else (network, 5xx after the transport's own retries): the run fails, nothing is lost, the
 *      entries stay queued (a batch whose outcome is unknown stays frozen for an exact resend).
 * 4. Pull the echo of the run's own pushes (their side effects: default collection, orphan rule, reading
 *    bookmark), then rebuild the view: the server's state with what is still pending replayed on top; with an
 *    empty outbox, every record shows exactly the server's state.
 */
export interface UserSyncEngineOptions {
  /** Entries per pull page (the server caps at 1000). */
  readonly pageSize: number;
  /** Mutations per push (the contract caps at 100). */
  readonly batchSize: number;
  /** 409 answers one run tolerates before it gives up (and the scheduler retries later). */
  readonly maxOutOfSyncRounds: number;
  /** Jittered wait between repeated 409s, so devices racing for the head spread out. */
  readonly outOfSyncBackoff: BackoffPolicy;
  readonly random?: () => number;
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

export const DEFAULT_ENGINE_OPTIONS: UserSyncEngineOptions = {
  pageSize: 1000,
  batchSize: 100,
  maxOutOfSyncRounds: 25,
  outOfSyncBackoff: { baseDelayMs: 50, maxDelayMs: 2000, maxAttempts: Number.MAX_SAFE_INTEGER },
};

/** The run saw more 409s than allowed (other devices keep moving the head); retried later. */
export class UserSyncOutOfSyncError extends Error {
  constructor(rounds: number) {
    super(`gave up after ${rounds} out-of-sync answers in one run; will retry`);
    this.name = 'UserSyncOutOfSyncError';
  }
}

interface RunStats {
  pulled: number;
  pushed: number;
  batches: number;
  outOfSync: number;
  conflicts: number;
  quarantined: number;
}

/** Resources whose CREATE the server may acknowledge under another id (a natural-key merge). */
type RemappedResource = 'BOOKMARK' | 'COLLECTION' | 'READING_SESSION';
const REMAPPED: ReadonlySet<string> = new Set<RemappedResource>(['BOOKMARK', 'COLLECTION', 'READING_SESSION']);

/** A batch ready to send: `confirmedAtHead` when the confirmed state is the server's at `head`. */
interface Prepared {
  readonly batch: OutboxEntry[];
  readonly head: number;
  readonly deviceId: string;
  readonly confirmedAtHead: boolean;
  /** An earlier attempt froze a follower and may have sent it: it must go next, exactly. */
  readonly followerMaybeSent: boolean;
}

type PushAnswer = Awaited<ReturnType<UserSyncApi['push']>>;

interface InFlight extends Prepared {
  readonly answer: Promise<PushAnswer>;
  /** Resolves once the request had a turn of the event loop to go out. */
  readonly started: Promise<void>;
}

/** An ack naming another id than the device minted (a natural-key merge): the record moves onto it. */
function movesId(entry: OutboxEntry, ack: SyncEntry): boolean {
  return entry.type !== 'DELETE' && REMAPPED.has(entry.resource) && typeof ack.resourceId === 'string' && ack.resourceId !== '' && ack.resourceId !== entry.id;
}

function movesIds(batch: readonly OutboxEntry[], acks: readonly SyncEntry[]): boolean {
  return batch.some((entry, i) => acks[i] !== undefined && movesId(entry, acks[i]!));
}

/** The entries of these seqs in this order, or null when one is gone (the batch cannot be resent exactly). */
async function exactEntries(tx: UserStoreTransaction, seqs: readonly number[]): Promise<OutboxEntry[] | null> {
  const entries = await Promise.all(seqs.map((seq) => tx.getOutbox(seq)));
  return entries.every((e) => e !== null) ? (entries as OutboxEntry[]) : null;
}

/** Statuses that refuse a batch for what it contains: retrying it unchanged would fail again. */
const REFUSED_STATUSES = new Set([400, 403, 413, 422]);

export class UserSyncEngine {
  constructor(
    private readonly core: UserSyncCore,
    readonly api: UserSyncApi,
    private readonly options: UserSyncEngineOptions = DEFAULT_ENGINE_OPTIONS,
  ) {}

  async run(signal?: AbortSignal): Promise<SyncReport> {
    const started = this.core.now();
    const stats: RunStats = { pulled: 0, pushed: 0, batches: 0, outOfSync: 0, conflicts: 0, quarantined: 0 };
    let meta = await this.core.unit('sync', (tx) => this.core.meta(tx));

    // A first sync with nothing queued starts from an empty store (records only ever come with an outbox entry
    // or from the server): the pull need not look anything up, and the view is the pulled state as it lands.
    let fresh = false;
    if (meta.head === null) {
      fresh = (await this.core.store.countOutbox()) === 0;
      const head = await this.api.head(0, signal);
      if (head === -1) meta = await this.updateMeta({ head: -1, pulledThrough: -1 });
      else await this.pullAll(stats, signal, fresh);
      meta = await this.readMeta();
    } else if ((await this.core.store.countOutbox()) === 0 && meta.pulledThrough === meta.head) {
      const head = await this.api.head(meta.pulledThrough ?? 0, signal);
      if (head === meta.pulledThrough) {
        await this.core.unit('sync', async (tx) => {
          const current = await this.core.meta(tx);
          // An earlier run stopped between changing the confirmed state and showing it: show it now.
          if (current.viewStale) await rebuildView(tx, this.core.now());
          tx.putMeta(settled(current, this.core.now()));
        });
        return this.report(stats, meta.head ?? -1, started, true);
      }
      await this.pullAll(stats, signal);
    }

    await this.pushAll(stats, signal);
    meta = await this.readMeta();
    if (meta.pulledThrough !== meta.head) await this.pullAll(stats, signal);
    meta = await this.core.unit('sync', async (tx) => {
      if (!(fresh && stats.pushed === 0 && stats.quarantined === 0 && (await tx.outboxIsEmpty()))) await rebuildView(tx, this.core.now());
      const next = settled(await this.core.meta(tx), this.core.now());
      tx.putMeta(next);
      return next;
    });
    return this.report(stats, meta.head ?? -1, started, false);
  }

  private report(stats: RunStats, head: number, started: number, upToDate: boolean): SyncReport {
    return { upToDate, ...stats, head, durationMs: this.core.now() - started };
  }

  private readMeta(): Promise<UserSyncMeta> {
    return this.core.unit('sync', (tx) => this.core.meta(tx));
  }

  private updateMeta(patch: Partial<UserSyncMeta>): Promise<UserSyncMeta> {
    return this.core.unit('sync', async (tx) => {
      const next = { ...(await this.core.meta(tx)), ...patch };
      tx.putMeta(next);
      return next;
    });
  }

  /**
   * Pulls every page after the stored cursor, each page applied (and its cursor stored) in one unit, so an
   * interrupted pull resumes where it stopped. Pages are followed by cursor: the contract makes a page's
   * `lastMutationAt` a lossless resume point (the last returned entry while `hasMore`, else the head).
   */
  /** `rebuild: false`: the caller's run rebuilds the view at its end (the pull only confirms side effects). */
  private async pullAll(stats: RunStats, signal?: AbortSignal, freshStore = false, rebuild = true): Promise<void> {
    const start = await this.readMeta();
    const ownHead = start.head ?? -1;
    const since = start.pulledThrough ?? -1;
    // A full pull lists only live resources: what the device holds from the server but the pull did not name
    // is gone there (deleted while this device was not looking, e.g. before a resync).
    const seen = since <= 0 ? new Set<string>() : null;
    let next: Promise<PullPage> = this.api.pull(since, this.options.pageSize, signal);
    for (;;) {
      const page: PullPage = await next;
      // The next page is asked for while this one is stored: its cursor is known already, and the server's
      // work then overlaps the device's. If storing fails, the prefetched answer is simply not used.
      if (page.hasMore) {
        next = this.api.pull(page.lastMutationAt, this.options.pageSize, signal);
        next.catch(() => undefined);
      }
      await this.core.unit('sync', async (tx, effects) => {
        const outboxEmpty = await tx.outboxIsEmpty();
        const ctx = {
          tx,
          policy: this.core.policy,
          ownHead,
          now: this.core.now(),
          outboxEmpty,
          freshStore: freshStore && outboxEmpty,
          conflicts: effects.conflicts,
        };
        for (const entry of page.mutations) {
          await applyPulledEntry(ctx, entry);
          if (seen && entry.type !== 'DELETE') seen.add(`${entry.resource}\u0000${recordIdOf(entry)}`);
        }
        // Everything a fresh store holds came from this pull: nothing in it can be unlisted.
        if (seen && !page.hasMore && !ctx.freshStore) await pruneUnseen(tx, seen);
        // The confirmed state is now the server's at its head (every ack of this run included): the view is
        // recomputed from it, so pending changes show on top of what other devices did.
        if (!page.hasMore && !ctx.outboxEmpty && rebuild) await rebuildView(tx, ctx.now);
        const meta = await this.core.meta(tx);
        if (page.hasMore) tx.putMeta({ ...meta, pulledThrough: page.lastMutationAt, viewStale: true });
        else {
          // A new head: whatever was sent before is settled (acked, refused, or seen in this pull).
          tx.putMeta({ ...meta, pulledThrough: page.lastMutationAt, head: page.lastMutationAt, sentBatch: null, viewStale: true });
          this.core.frozen.clear();
        }
        stats.conflicts += effects.conflicts.length;
      });
      stats.pulled += page.mutations.length;
      if (!page.hasMore) return;
    }
  }

  /**
   * Pushes are pipelined: while a batch is in flight the one after it is chosen and frozen, and it is sent as
   * soon as the first answer is read, while that answer is being recorded. The device's work per batch then
   * overlaps the server's instead of adding to it.
   *
   * The follower is sent at the head the first answer gave, before that answer is stored, so it is frozen
   * durably first (`sentBatch.next`): after a crash, the first batch is resent exactly (the server replays its
   * answer) and then the follower, exactly, at that head. It is sent only when the first answer moved no id
   * (its entries may name one); that is read from the acks, which a replay repeats, so a device that restarts
   * draws the same conclusion. It is sent early only when the acks were the whole change (otherwise a pull of
   * the side effects comes first), unless an earlier attempt may have sent it already: then it goes next.
   */
  private async pushAll(stats: RunStats, signal?: AbortSignal): Promise<void> {
    let limit = this.options.batchSize;
    let outOfSync = 0;
    const first = await this.core.unit('sync', (tx) => this.prepare(tx, limit));
    let current: InFlight | null = first ? this.send(first, signal) : null;
    while (current) {
      const sent: InFlight = current;
      const ahead = await this.core.unit('sync', (tx) => this.prepareAhead(tx, sent, limit));
      let answer: PushAnswer;
      try {
        answer = await sent.answer;
      } catch (error) {
        if (!(error instanceof ApiError)) throw error; // outcome unknown: the batch (and its follower) stay frozen for an exact resend
        if (error.status === 409 && error.code === USER_SYNC_ERROR_CODES.outOfSync) {
          stats.outOfSync++;
          if (++outOfSync > this.options.maxOutOfSyncRounds) {
            await this.unfreeze();
            throw new UserSyncOutOfSyncError(outOfSync - 1);
          }
          await this.unfreeze();
          if (outOfSync > 1)
            await (this.options.sleep ?? defaultSleep)(backoffDelay(outOfSync - 2, this.options.outOfSyncBackoff, this.options.random), signal);
          await this.pullAll(stats, signal);
        } else if (REFUSED_STATUSES.has(error.status)) {
          if (error.status === 403) await this.api.head(-1, signal); // a token refused outright is not the batch's fault: rethrows
          limit = await this.refused(sent.batch, error, limit, stats);
        } else throw error;
        current = await this.prepareAndSend(limit, signal);
        continue;
      }
      stats.pushed += sent.batch.length;
      stats.batches++;
      limit = this.options.batchSize;
      const push = { head: sent.head, newHead: answer.lastMutationAt, recorded: answer.recorded };
      const complete = sent.confirmedAtHead && completeChange(answer.acks, push) !== null;
      const follower = ahead && !movesIds(sent.batch, answer.acks) && (complete || sent.followerMaybeSent) ? ahead : null;
      const pipelined = follower
        ? this.send({ batch: follower, head: push.newHead, deviceId: sent.deviceId, confirmedAtHead: complete, followerMaybeSent: false }, signal)
        : null;
      if (pipelined) await pipelined.started;
      // One unit records the acks and, when they were the whole change, freezes the next batch (unless the
      // follower is already on its way).
      const next = await this.core.unit('sync', async (tx) => {
        const recordedWhole = await this.applyAcks(tx, sent.batch, answer.acks, push, follower);
        return recordedWhole && !pipelined ? { prepared: await this.prepare(tx, limit) } : null;
      });
      if (pipelined) current = pipelined;
      else if (next) current = next.prepared ? this.send(next.prepared, signal) : null;
      else {
        // Side effects the acks do not show: pull them now (a few entries), so the next push's acks can again
        // be taken as the whole change.
        if ((await this.core.store.countOutbox()) > 0) await this.pullAll(stats, signal, false, false);
        current = await this.prepareAndSend(limit, signal);
      }
    }
  }

  private async prepareAndSend(limit: number, signal?: AbortSignal): Promise<InFlight | null> {
    const prepared = await this.core.unit('sync', (tx) => this.prepare(tx, limit));
    return prepared ? this.send(prepared, signal) : null;
  }

  /** Starts the request; its outcome is read (and its failure handled) by whoever awaits `answer`. */
  private send(prepared: Prepared, signal?: AbortSignal): InFlight {
    const mutations = prepared.batch.map(toWireMutation);
    const key = idempotencyKey(prepared.deviceId, prepared.head, JSON.stringify({ mutations }));
    const answer = key.then((k) => this.api.push(prepared.head, mutations, k, signal));
    answer.catch(() => undefined);
    const started = key.then(() => new Promise<void>((resolve) => setTimeout(resolve, 0))).catch(() => undefined);
    return { ...prepared, answer, started };
  }

  /** Chooses the next batch and freezes it (`meta.sentBatch`): its entries change no more until an answer. */
  private async prepare(tx: UserStoreTransaction, limit: number): Promise<Prepared | null> {
    const meta = await this.core.meta(tx);
    const resend = meta.sentBatch && meta.sentBatch.head === (meta.head ?? -1) ? await exactEntries(tx, meta.sentBatch.seqs) : null;
    const batch = resend ?? nextBatch(await tx.listOutboxHead(limit), limit);
    if (batch.length === 0) return null;
    const head = meta.head ?? -1;
    const follower = resend && meta.sentBatch?.next ? meta.sentBatch.next : undefined;
    tx.putMeta({ ...meta, sentBatch: { head, seqs: batch.map((e) => e.seq), ...(follower ? { next: follower } : {}) } });
    for (const e of batch) this.core.frozen.add(e.seq);
    for (const seq of follower ?? []) this.core.frozen.add(seq);
    return { batch, head, deviceId: meta.deviceId, confirmedAtHead: meta.pulledThrough === head, followerMaybeSent: follower !== undefined };
  }

  /**
   * The batch to follow the one in flight, frozen beside it (`sentBatch.next`). A follower recorded by an
   * earlier attempt is taken as it is: it may have been sent.
   */
  private async prepareAhead(tx: UserStoreTransaction, inFlight: Prepared, limit: number): Promise<OutboxEntry[] | null> {
    const meta = await this.core.meta(tx);
    const sent = meta.sentBatch;
    if (!sent || sent.head !== inFlight.head || sent.seqs.length !== inFlight.batch.length || sent.seqs.some((seq, i) => seq !== inFlight.batch[i]!.seq))
      return null;
    if (sent.next) return exactEntries(tx, sent.next);
    const taken = new Set(sent.seqs);
    const rest = (await tx.listOutboxHead(limit + taken.size)).filter((e) => !taken.has(e.seq));
    const batch = nextBatch(rest, limit);
    if (batch.length === 0) return null;
    tx.putMeta({ ...meta, sentBatch: { ...sent, next: batch.map((e) => e.seq) } });
    for (const e of batch) this.core.frozen.add(e.seq);
    return batch;
  }

  private async unfreeze(): Promise<void> {
    await this.core.unit('sync', async (tx) => {
      const meta = await this.core.meta(tx);
      tx.putMeta({ ...meta, sentBatch: null });
      this.core.frozen.clear();
    });
  }

  /**
   * Acknowledged entries leave the outbox. The confirmed state (`base`) is NOT taken from acks: the echo pull
   * that follows every push brings the server's state with all its side effects, and a rebuild of the view
   * follows it. An ack naming another id than the device minted (a bookmark merged at its location, a
   * collection created by name, a reading session at an occupied position) moves the local view and the
   * pending entries onto the server's id, so later writes name what the server knows. Links are never
   * remapped from their acks: they address their bookmark by location.
   *
   * Returns whether the acks were the whole change (the confirmed state is at the new head). `follower`: the
   * batch that goes next, exactly, at the new head; it stays frozen.
   */
  private async applyAcks(
    tx: UserStoreTransaction,
    batch: readonly OutboxEntry[],
    acks: readonly SyncEntry[],
    push: { head: number; newHead: number; recorded: number | null },
    follower: readonly OutboxEntry[] | null,
  ): Promise<boolean> {
    const now = this.core.now();
    let remapped = false;
    for (let i = 0; i < batch.length; i++) {
      // The batch was frozen while in flight; only an earlier ack's remap can have moved an entry since.
      const entry = remapped ? await tx.getOutbox(batch[i]!.seq) : batch[i]!;
      const ack = acks[i]!;
      if (!entry) continue;
      tx.deleteOutbox(entry.seq);
      if (movesId(entry, ack)) {
        await remapRecord(tx, entry.resource as RemappedResource, entry.id, ack.resourceId!, now);
        remapped = true;
      }
    }
    const meta = await this.core.meta(tx);
    const complete = meta.pulledThrough === push.head ? completeChange(acks, push) : null;
    if (complete) {
      // The acks are every mutation between the head this push was based on and the new head: they are the
      // server's state after it, exactly as the echo pull would bring it, so none is needed.
      // Records and pending entries are read per resource in one go; a record acked twice in the batch is read
      // again the second time, as the first confirmation left it.
      const ids = new Map<UserResource, string[]>();
      for (const ack of complete) {
        const id = recordIdOf(ack);
        if (id !== null) ids.set(ack.resource, [...(ids.get(ack.resource) ?? []), id]);
      }
      const records = new Map<UserResource, Map<string, UserRecord | null>>();
      const pending = new Map<UserResource, Set<string>>();
      for (const [resource, list] of ids) {
        records.set(resource, await tx.getRecords(resource, list));
        pending.set(resource, await tx.pendingIds(resource, list));
      }
      const confirmed = new Set<string>();
      for (const ack of complete) {
        const id = recordIdOf(ack);
        if (id === null) continue;
        const key = `${ack.resource}\u0000${id}`;
        const record = confirmed.has(key) ? await tx.getRecord(ack.resource, id) : (records.get(ack.resource)!.get(id) ?? null);
        confirmed.add(key);
        if (record && record.baseTimestamp !== null && ack.timestamp <= record.baseTimestamp) continue;
        confirm(tx, ack, record, ack.type === 'DELETE' ? null : (ack.data as RecordData | null), !pending.get(ack.resource)!.has(id), now);
      }
    }
    const sentBatch = follower ? { head: push.newHead, seqs: follower.map((e) => e.seq) } : null;
    tx.putMeta({ ...meta, head: push.newHead, ...(complete ? { pulledThrough: push.newHead } : {}), sentBatch, viewStale: true });
    this.core.frozen.clear();
    for (const seq of sentBatch?.seqs ?? []) this.core.frozen.add(seq);
    return complete !== null;
  }

  /**
   * A batch refused for its content. The message names the culprit (`… at mutation[i]`): it is quarantined.
   * `Mutations must not exceed N`: smaller batches. No index: the batch is halved until one entry is left,
   * which is then quarantined. Returns the batch size for the next attempt.
   */
  private async refused(batch: readonly OutboxEntry[], error: ApiError, limit: number, stats: RunStats): Promise<number> {
    const rawMessage = (error.serverMessage ?? error.message).trim();
    const refusal = readSyncRefusal(rawMessage);
    if (refusal.kind === 'too-many-mutations') {
      await this.unfreeze();
      return Math.max(1, Math.min(limit, refusal.max));
    }
    let culprit: OutboxEntry | null = null;
    if (refusal.kind === 'mutation' && refusal.index < batch.length) culprit = batch[refusal.index]!;
    else if (batch.length === 1) culprit = batch[0]!;
    if (!culprit) {
      await this.unfreeze();
      return Math.max(1, Math.ceil(batch.length / 2));
    }
    const reason: QuarantineError = { status: error.status, code: error.code, message: rawMessage };
    await this.core.unit('sync', async (tx, effects) => {
      await quarantine(tx, culprit, reason, this.core.now(), effects);
      const meta = await this.core.meta(tx);
      tx.putMeta({ ...meta, sentBatch: null, viewStale: true });
      this.core.frozen.clear();
    });
    stats.quarantined++;
    return this.options.batchSize;
  }
}

/**
 * Sets an entry aside with the server's refusal. Its record is not patched here: the rebuild that ends the run
 * (after the pull that confirms this run's acks) recomputes the view without the refused change.
 */
async function quarantine(tx: UserStoreTransaction, entry: OutboxEntry, error: QuarantineError, now: number, effects: UnitEffects): Promise<void> {
  const current = (await tx.getOutbox(entry.seq)) ?? entry;
  tx.deleteOutbox(current.seq);
  const quarantined = { ...current, error, quarantinedAt: now };
  tx.putQuarantine(quarantined);
  effects.quarantined.push(quarantined);
}

/** After a full pull: server-known records it did not list are gone on the server. */
async function pruneUnseen(tx: UserStoreTransaction, seen: ReadonlySet<string>): Promise<void> {
  for (const resource of USER_RESOURCES) {
    for (const record of await tx.listRecords(resource, { includeDeleted: true, confirmed: true })) {
      if (record.base === null || seen.has(`${resource}\u0000${record.id}`)) continue;
      if ((await tx.outboxFor(resource, record.id)).length === 0) tx.deleteRecord(resource, record.id);
      else tx.putRecord({ ...record, base: null, baseTimestamp: null });
    }
  }
}

/** The meta of a run that ended with the view recomputed. */
function settled(meta: UserSyncMeta, now: number): UserSyncMeta {
  const { viewStale: _stale, ...rest } = meta;
  return { ...rest, lastSyncedAt: now };
}

/**
 * The acks that recorded mutations, in timestamp order, when they are provably ALL the mutations between the
 * push's head and the new one: the server says how many it recorded (`X-Mutations-Recorded`, side effects
 * included), and exactly that many acks carry distinct timestamps in (head, newHead], the last one newHead.
 * Null when that cannot be shown (a side effect such as the orphan rule, or a server that does not say).
 */
function completeChange(acks: readonly SyncEntry[], push: { head: number; newHead: number; recorded: number | null }): SyncEntry[] | null {
  if (push.recorded === null) return null;
  const recorded = acks.filter((a) => a.timestamp > push.head).sort((a, b) => a.timestamp - b.timestamp);
  if (recorded.length !== push.recorded) return null;
  if (recorded.length === 0) return push.newHead === push.head ? recorded : null;
  for (let i = 1; i < recorded.length; i++) if (recorded[i]!.timestamp === recorded[i - 1]!.timestamp) return null;
  return recorded.at(-1)!.timestamp === push.newHead ? recorded : null;
}

/** `qs-<device>-<sha256(head, body)>`: the same batch at the same head always gets the same key. */
export async function idempotencyKey(deviceId: string, head: number, body: string): Promise<string> {
  const subtle = (globalThis as { crypto?: { subtle?: { digest(algorithm: string, data: Uint8Array): Promise<ArrayBuffer> } } }).crypto?.subtle;
  if (!subtle) throw new Error('Web Crypto (crypto.subtle) is required for Idempotency-Keys');
  const digest = new Uint8Array(await subtle.digest('SHA-256', new TextEncoder().encode(`${head}\n${body}`)));
  return `qs-${deviceId}-${Array.from(digest.slice(0, 20), (b) => b.toString(16).padStart(2, '0')).join('')}`;
}
