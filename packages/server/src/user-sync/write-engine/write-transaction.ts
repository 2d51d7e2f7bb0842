import { OUT_OF_SYNC_MESSAGE, USER_SYNC_ERROR_CODES } from '@quran-sync/protocol';
import { sql, type Kysely, type RawBuilder, type Transaction } from 'kysely';
import { isIntegrityViolation } from '../../db/constraint-violation.js';
import { asOneStatement, executeAsOneStatement } from '../../db/json-rows-insert.js';
import type { Database } from '../../db/schema.js';
import { syncError } from '../../http/api-error.js';
import { changeIndexStatements } from '../change-index.js';
import { findStoredOutcome, storeOutcomeStatement, type IdempotencyRequest, type StoredOutcome } from '../idempotency-store.js';
import { lockUserHead } from './user-heads.js';
import { WriteState } from './write-state.js';

export interface UserWriteRequest<T> {
  readonly userId: string;
  /** The head the client based its write on (`-1`: no history); null skips the check (lenient direct writes). */
  readonly expectedHead: number | null;
  readonly idempotency: IdempotencyRequest | null;
  /** Applies the write's mutations; the engine's own state, since it also prepares the write's guesses. */
  apply(write: WriteState): Promise<T>;
  /** The response to send (and to store under the idempotency key), given the result and the new head. */
  respond(result: T, head: number): { status: number; body: unknown };
}

export interface UserWriteOutcome {
  readonly status: number;
  readonly body: unknown;
  /** `X-Mutation-At`: the head after the write (or the stored one, on a replay). */
  readonly mutationAt: number;
  /**
   * The mutations this write recorded, side effects included; null on a replay (the stored outcome does not
   * say). All of them, and only they, lie between the head the write was based on and `mutationAt`.
   */
  readonly recorded: ReadonlyArray<{ readonly resource: string; readonly resourceId: string; readonly timestamp: number }> | null;
  readonly replayed: boolean;
}

/**
 * Runs one write for one user: lock, conflict check, mutations, new head, commit — all in one transaction.
 *
 * The invariant that makes the sync cursor safe: a user's mutation timestamps are handed out only while the
 * user's `user_heads` row is locked `FOR UPDATE`, each one `max(now_ms, head + 1)`, and the head is stored
 * before the lock is released. So timestamps are unique and strictly increasing *in commit order*. A plain
 * wall-clock timestamp would not be: two concurrent writers can read the clock as 100 and 101 and commit in
 * the opposite order; a client that pulls between the two commits stores cursor 101 and never sees the row
 * stamped 100 once it commits. Clock steps backwards (NTP) would do the same. Under the lock, the later
 * committer always gets the larger timestamp, and a pull's cursor can never pass a write that is not yet
 * visible. The conflict check (`lastMutationAt == head`) is made under the same lock, so of two devices
 * racing from the same head exactly one wins and the other gets 409 — no lost update.
 */
export async function runLocked<T>(db: Kysely<Database>, request: UserWriteRequest<T>): Promise<UserWriteOutcome> {
  return db.transaction().execute(async (trx) => {
    const locked = await lockUserHead(trx, request.userId);
    if (request.idempotency) {
      const stored = await findStoredOutcome(trx, request.userId, request.idempotency);
      if (stored) return replay(stored);
    }
    if (request.expectedHead !== null && request.expectedHead !== locked.head) {
      throw syncError(409, USER_SYNC_ERROR_CODES.outOfSync, OUT_OF_SYNC_MESSAGE);
    }

    // A user's first write that records a mutation creates the default collection first (see WriteState), as
    // a mutation of its own; a user with no history therefore still reads `lastMutationAt: -1`, and so does one
    // whose writes so far changed nothing.
    const write = new WriteState({ userId: request.userId, head: locked.head, transaction: trx, defaultCollectionId: locked.defaultCollectionId });
    const result = await request.apply(write);
    // The rest goes as one statement with the new head: a single round trip writes everything.
    const head = write.head;
    const { response, statements } = await closingStatements(write, request, result, trx);
    const created = write.createdDefaultCollectionId;
    const main =
      head === locked.head
        ? sql`select 1`
        : created
          ? sql`update user_heads set head = ${head}, default_collection_id = ${created} where user_id = ${request.userId}`
          : sql`update user_heads set head = ${head} where user_id = ${request.userId}`;
    await executeAsOneStatement(trx, statements, main);
    return { status: response.status, body: response.body, mutationAt: head, recorded: write.changes.recorded(), replayed: false };
  });
}

/**
 * What a write still has to send once its mutations are applied — its deferred rows, its change-index entries,
 * and the outcome to store under its Idempotency-Key when it succeeded — and its response. The change index's
 * reads of earlier entries happen here, first, in `trx` (null for a write that may not read); they do not see
 * the deferred rows, and need not. `onlyIf`: a condition every statement is made conditional on.
 */
async function closingStatements<T>(
  write: WriteState,
  request: UserWriteRequest<T>,
  result: T,
  trx: Transaction<Database> | null,
  onlyIf?: RawBuilder<unknown>,
): Promise<{ response: { status: number; body: unknown }; statements: RawBuilder<unknown>[] }> {
  const indexStatements = await changeIndexStatements(trx, request.userId, write.changes, onlyIf);
  const response = request.respond(result, write.head);
  const stored =
    request.idempotency && response.status < 300
      ? [await storeOutcomeStatement(request.userId, request.idempotency, { status: response.status, body: response.body, mutationAt: write.head }, onlyIf)]
      : [];
  return { response, statements: [...write.deferred.drain(onlyIf), ...indexStatements, ...stored] };
}

/**
 * A write in ONE statement, with no lock, no explicit transaction and no read: for batches that only insert
 * (a locked write takes BEGIN, the lock, the write and COMMIT: four round trips; this is one).
 * Returns null when the write must run locked ({@link runLocked}) instead; nothing is then kept.
 *
 * Why it is as safe as the locked write. The client names the head it based its write on, and a write may
 * only be applied on that head. So the head is known without reading it: the mutations are stamped from it
 * (`max(now_ms, head + 1)` each, as under the lock), and the statement's first step is the head update
 * `… where head = expected`, every insert conditional on that update having matched. The update takes the
 * same row lock a locked write takes, first, before any insert; if another write holds it, the update waits,
 * then re-reads the row and matches only if the head is still the expected one. So the write commits only
 * where a locked write would have passed its conflict check, its stamps are above every committed stamp,
 * and the next write must wait for or see its head: stamps stay strictly increasing in commit order.
 *
 * What it does not know it assumes, and every assumption is one a unique index checks (the engine passes
 * only such; see user-write-engine.ts): a bookmark location assumed free ends, if taken, in an insert that
 * `user_bookmarks_location` refuses; a client-chosen id assumed unused, in one the primary key refuses; an
 * Idempotency-Key assumed new, likewise. A refused statement is rolled back whole, and the write runs again
 * locked. Anything else that would need a statement before the last one (a lookup, an update, a delete),
 * and any refusal of a mutation (it may rest on an assumption), also ends the speculation: the locked write
 * decides, and answers as if it had been the only attempt.
 */
export async function runSpeculative<T>(db: Kysely<Database>, request: UserWriteRequest<T>): Promise<UserWriteOutcome | null> {
  const expected = request.expectedHead;
  // No head to build on: a user's first write creates the head row and the default collection, locked.
  if (expected === null || expected < 0) return null;
  // A head of 0 or more means the user has a default collection (created with the first mutation), id unknown here.
  const write = new WriteState({ userId: request.userId, head: expected, transaction: null, defaultCollectionId: undefined });
  let statement: RawBuilder<unknown>;
  let response: { status: number; body: unknown };
  try {
    const result = await request.apply(write);
    if (write.head === expected) return null; // nothing stamped: nothing to gain
    const closing = await closingStatements(write, request, result, null, sql`exists (select from ${sql.id(MOVED_HEAD)})`);
    response = closing.response;
    if (response.status >= 300) return null;
    const head = sql`update user_heads set head = ${write.head} where user_id = ${request.userId} and head = ${expected} returning head`;
    statement = asOneStatement([{ name: MOVED_HEAD, statement: head }, ...closing.statements], sql`select count(*)::int as moved from ${sql.id(MOVED_HEAD)}`);
  } catch {
    // A lookup it would need, or a refusal that may rest on an assumption: the locked write decides.
    return null;
  }
  try {
    const { rows } = await (statement as RawBuilder<{ moved: number }>).execute(db);
    // Not on the expected head (a stale client, a concurrent write, no head row at all): the locked write
    // answers 409, or whatever else the head it finds calls for.
    if (rows[0]?.moved !== 1) return null;
  } catch (error) {
    if (isIntegrityViolation(error)) return null;
    throw error;
  }
  return { status: response.status, body: response.body, mutationAt: write.head, recorded: write.changes.recorded(), replayed: false };
}

/** Name of the speculative statement's head update, which every other part of the statement checks. */
const MOVED_HEAD = 'moved_head';

function replay(stored: StoredOutcome): UserWriteOutcome {
  return { status: stored.status, body: stored.body, mutationAt: stored.mutationAt, recorded: null, replayed: true };
}
