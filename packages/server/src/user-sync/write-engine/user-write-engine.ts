import type { SyncMutationEntry, ValidatedMutation } from '@quran-sync/protocol';
import type { Kysely } from 'kysely';
import { Counter, type Registry } from 'prom-client';
import { isUniqueViolation } from '../../db/constraint-violation.js';
import type { Database } from '../../db/schema.js';
import { ApplyError, applyErrorToSync } from '../apply-error.js';
import type { IdempotencyRequest } from '../idempotency-store.js';
import type { ApplierContext } from './applier-context.js';
import { BatchGuesses } from './batch-guesses.js';
import type { AppliedResource } from '../appliers/applied-resource.js';
import { applyMutation } from './mutation-dispatch.js';
import { runLocked, runSpeculative, type UserWriteOutcome, type UserWriteRequest } from './write-transaction.js';

/**
 * How pushes got written, as `qs_user_push_writes_total{path}`: `speculative` (one statement, no lock),
 * `locked` (the locked write, locations of new bookmarks taken as free) and `probing` (the locked write again
 * after a refused guess). Operators see what the fast path saves; tests see which path a push took.
 */
export type PushWritePath = 'speculative' | 'locked' | 'probing';

export interface PushRequest {
  readonly userId: string;
  /** The head the client based its batch on (`-1`: no history). */
  readonly expectedHead: number;
  readonly idempotency: IdempotencyRequest | null;
  readonly mutations: readonly ValidatedMutation[];
}

export interface PushOutcome extends UserWriteOutcome {
  /**
   * True when the acks are the whole change between the client's head and the new one (no side effect beyond
   * them): the client then needs no pull to learn the server's state after its own push.
   */
  readonly acksAreWholeChange: boolean;
}

/** One direct-endpoint write: a {@link UserWriteRequest} whose `apply` sees only what an applier may see. */
export type WriteOperation<T> = Omit<UserWriteRequest<T>, 'apply'> & { apply(ctx: ApplierContext): Promise<T> };

/**
 * The one way user data is written. A push hands over validated mutations and the head they are based on; a
 * direct endpoint hands over one operation. The engine chooses how to run the write and owns the guesses that
 * make it cheap; appliers see only an {@link ApplierContext}. Every path ends in the same outcome a single
 * locked write would have had (write-transaction.ts states why).
 */
export class UserWriteEngine {
  private readonly paths: Counter<'path'>;

  constructor(
    private readonly db: Kysely<Database>,
    metrics: Registry,
  ) {
    this.paths = new Counter({
      name: 'qs_user_push_writes_total',
      help: 'Pushes written, by path: speculative (one statement, no lock), locked, probing (locked, after a refused guess)',
      labelNames: ['path'],
      registers: [metrics],
    });
  }

  /**
   * A `POST /v1/sync` batch. Cheapest first: a batch that only creates bookmarks and notes (what offline
   * devices mostly push) is tried as one statement with no lock. The locked write follows when that cannot
   * be, and it too first takes the locations this batch creates bookmarks at to be free, with no probe query
   * (about a sixth of a push's cost). That is safe because a wrong guess cannot be kept: every write it leads
   * to is a bookmark insert or move that the natural-key index refuses when the location is live, and the
   * refusal rolls the whole write back. Then the write runs again, probing first, and answers as if the probe
   * had been made the first time (nothing of the first run is kept; the lock is taken afresh, so a concurrent
   * write still ends in 409). Only a batch that re-creates a live bookmark pays twice.
   */
  async push(request: PushRequest): Promise<PushOutcome> {
    const guesses = new BatchGuesses(request.mutations);
    const write = (probeCreates: boolean): UserWriteRequest<SyncMutationEntry[]> => ({
      userId: request.userId,
      expectedHead: request.expectedHead,
      idempotency: request.idempotency,
      async apply(state) {
        if (state.speculative) guesses.assume(state);
        else await guesses.gather(state, probeCreates);
        return applyBatch(state, request.mutations);
      },
      respond: (acks, head) => ({ status: 200, body: { success: true, data: { mutations: acks, lastMutationAt: head } } }),
    });
    let outcome = guesses.speculable ? await runSpeculative(this.db, write(false)) : null;
    if (outcome) this.paths.inc({ path: 'speculative' });
    else {
      try {
        outcome = await runLocked(this.db, write(false));
        this.paths.inc({ path: 'locked' });
      } catch (error) {
        if (!isUniqueViolation(error, 'user_bookmarks_location')) throw error;
        outcome = await runLocked(this.db, write(true));
        this.paths.inc({ path: 'probing' });
      }
    }
    return { ...outcome, acksAreWholeChange: outcome.recorded !== null && outcome.status === 200 && acksCoverRecorded(outcome.body, outcome.recorded) };
  }

  /** One direct-endpoint write: always the locked path (one resource; nothing to gain from guessing). */
  run<T>(operation: WriteOperation<T>): Promise<UserWriteOutcome> {
    return runLocked(this.db, operation);
  }
}

/** Applies a batch in order, one ack per mutation; a refused mutation refuses the batch, naming it. */
async function applyBatch(ctx: ApplierContext, mutations: readonly ValidatedMutation[]): Promise<SyncMutationEntry[]> {
  const acks: SyncMutationEntry[] = [];
  for (const mutation of mutations) {
    let result: AppliedResource;
    try {
      result = await applyMutation(ctx, mutation);
    } catch (error) {
      if (error instanceof ApplyError) throw applyErrorToSync(error, mutation.index);
      throw error;
    }
    acks.push({
      type: mutation.type,
      resource: mutation.resource,
      resourceId: mutation.resource === 'PREFERENCE' ? mutation.resourceId : result.resourceId,
      data: result.data,
      timestamp: result.timestamp,
    });
  }
  return acks;
}

/** Whether every recorded mutation is the state one ack reports (same resource, id and timestamp). */
function acksCoverRecorded(body: unknown, recorded: ReadonlyArray<{ resource: string; resourceId: string; timestamp: number }>): boolean {
  const acks = (body as { data?: { mutations?: SyncMutationEntry[] } }).data?.mutations ?? [];
  const acked = new Set(
    acks.map(
      (a) => `${a.resource}\u0000${a.resource === 'PREFERENCE' ? String((a.data as { group?: unknown } | null)?.group) : a.resourceId}\u0000${a.timestamp}`,
    ),
  );
  return recorded.every((r) => acked.has(`${r.resource}\u0000${r.resourceId}\u0000${r.timestamp}`));
}
