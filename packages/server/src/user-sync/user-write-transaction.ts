import { newResourceId, OUT_OF_SYNC_MESSAGE, USER_SYNC_ERROR_CODES } from '@quran-sync/protocol';
import { sql, type Kysely, type RawBuilder, type Selectable, type Transaction } from 'kysely';
import { isIntegrityViolation } from '../db/constraint-violation.js';
import { asOneStatement, executeAsOneStatement, jsonRowsInsert } from '../db/json-rows-insert.js';
import type { Database } from '../db/schema.js';
import { syncError } from '../http/api-error.js';
import { defaultCollectionRow } from './appliers/collection-applier.js';
import { ChangeBuffer, changeIndexStatements } from './change-index.js';
import { findStoredOutcome, storeOutcomeStatement, type IdempotencyRequest, type StoredOutcome } from './idempotency-store.js';
import type { DeferrableTable, UserWriteContext } from './user-write-context.js';

export interface UserWriteRequest<T> {
  readonly userId: string;
  /** The head the client based its write on (`-1`: no history); null skips the check (lenient direct writes). */
  readonly expectedHead: number | null;
  readonly idempotency: IdempotencyRequest | null;
  apply(ctx: UserWriteContext): Promise<T>;
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
export async function runUserWrite<T>(db: Kysely<Database>, request: UserWriteRequest<T>): Promise<UserWriteOutcome> {
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
    const write = new WriteState({
      userId: request.userId,
      head: locked.head,
      speculative: false,
      transaction: async () => trx,
      defaultCollectionId: locked.defaultCollectionId,
    });

    const result = await request.apply(write.context);
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
 * (issue #8: a 100-bookmark push took BEGIN, the lock, the write and COMMIT, four round trips; this is one).
 * Returns null when the write must run locked ({@link runUserWrite}) instead; nothing is then kept.
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
 * What it does not know it assumes, and every assumption is one a unique index checks (the caller passes
 * only such; see push-handler.ts): a bookmark location assumed free ends, if taken, in an insert that
 * `user_bookmarks_location` refuses; a client-chosen id assumed unused, in one the primary key refuses; an
 * Idempotency-Key assumed new, likewise. A refused statement is rolled back whole, and the write runs again
 * locked. Anything else that would need a statement before the last one (a lookup, an update, a delete),
 * and any refusal of a mutation (it may rest on an assumption), also ends the speculation: the locked write
 * decides, and answers as if it had been the only attempt.
 */
export async function speculateUserWrite<T>(db: Kysely<Database>, request: UserWriteRequest<T>): Promise<UserWriteOutcome | null> {
  const expected = request.expectedHead;
  // No head to build on: a user's first write creates the head row and the default collection, locked.
  if (expected === null || expected < 0) return null;
  const needsLock = (): never => {
    throw new NeedsLock();
  };
  // A head of 0 or more means the user has a default collection (created with the first mutation), id unknown here.
  const write = new WriteState({ userId: request.userId, head: expected, speculative: true, transaction: needsLock, defaultCollectionId: undefined });
  let statement: RawBuilder<unknown>;
  let response: { status: number; body: unknown };
  try {
    const result = await request.apply(write.context);
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

/** Thrown in a speculative write by whatever would need a statement of its own. */
class NeedsLock extends Error {
  constructor() {
    super('this write needs the user lock');
  }
}

/**
 * One write's state in memory: the context its appliers work with ({@link UserWriteContext}), its clock, its
 * deferred rows and change-index entries. `speculative`: the write may send no statement before its last one
 * (`db()` is then never given), and ids passed to `assumeAbsentIds` count as unused and new to the index.
 */
class WriteState {
  readonly changes = new ChangeBuffer();
  readonly deferred = new DeferredInserts();
  readonly context: UserWriteContext;
  private clock: number;
  /** The default collection this write created (the user had none), for `user_heads`. */
  createdDefaultCollectionId: string | null = null;

  constructor(options: {
    userId: string;
    head: number;
    speculative: boolean;
    /** The write's transaction (a speculative write has none: this throws). */
    transaction: () => Promise<Transaction<Database>>;
    /** Null: the user has none yet; undefined: not known to this write (a speculative one, which may not look). */
    defaultCollectionId: string | null | undefined;
  }) {
    const { userId, speculative, transaction } = options;
    this.clock = options.head;
    const { changes, deferred } = this;
    let defaultCollectionId = options.defaultCollectionId;
    const stamp = (): number => {
      this.clock = Math.max(Date.now(), this.clock + 1);
      return this.clock;
    };
    // Created when first needed: before the write's first mutation, or when a mutation names `__default__`.
    // Its row is deferred like any new row, so creating it costs no statement of its own.
    const ensureDefaultCollection = (): string => {
      if (defaultCollectionId === undefined) throw new NeedsLock();
      if (defaultCollectionId === null) {
        const id = newResourceId();
        changes.markFresh(id);
        const timestamp = stamp();
        changes.add('COLLECTION', id, timestamp, 'create');
        deferred.add('user_collections', defaultCollectionRow(userId, id, timestamp));
        defaultCollectionId = id;
        this.createdDefaultCollectionId = id;
      }
      return defaultCollectionId;
    };
    const db = async (): Promise<Transaction<Database>> => {
      const trx = await transaction();
      await deferred.flush(trx);
      return trx;
    };
    const absent = new Map<DeferrableTable, Set<string>>();
    const absentIn = (table: DeferrableTable) => {
      let set = absent.get(table);
      if (!set) absent.set(table, (set = new Set()));
      return set;
    };
    this.context = {
      speculative,
      db,
      deferInsert(table, row) {
        const id = (row as { id?: unknown }).id;
        if (typeof id === 'string') absent.get(table)?.delete(id);
        deferred.add(table, row);
      },
      isAbsent: (table, id) => absent.get(table)?.has(id) ?? false,
      async prefetchAbsentIds(table, ids) {
        const wanted = [...new Set(ids)];
        if (wanted.length === 0) return;
        const trx = await db();
        // One array parameter, not one per id.
        const found = new Set((await trx.selectFrom(table as 'user_bookmarks').select('id').where('id', '=', sql<string>`any(${wanted}::text[])`).execute()).map((r) => r.id));
        const set = absentIn(table);
        for (const id of wanted) if (!found.has(id)) set.add(id);
      },
      assumeAbsentIds(table, ids) {
        if (!speculative) throw new Error('assumeAbsentIds outside a speculative write');
        const set = absentIn(table);
        for (const id of ids) {
          set.add(id);
          changes.markFresh(id);
        }
      },
      mintId() {
        const id = newResourceId();
        changes.markFresh(id);
        return id;
      },
      userId,
      changes,
      freeBookmarkLocations: new Set<string>(),
      nextTimestamp: () => {
        if (defaultCollectionId === null) ensureDefaultCollection();
        return stamp();
      },
      head: () => this.clock,
      defaultCollectionId: ensureDefaultCollection,
      knownDefaultCollectionId: () => {
        if (defaultCollectionId === undefined) throw new NeedsLock();
        return defaultCollectionId;
      },
    };
  }

  /** The last timestamp handed out (the starting head when none was). */
  get head(): number {
    return this.clock;
  }
}

function replay(stored: StoredOutcome): UserWriteOutcome {
  return { status: stored.status, body: stored.body, mutationAt: stored.mutationAt, recorded: null, replayed: true };
}

/**
 * Locks the user's head row, creating it on the user's first write. Two first writes racing: both insert,
 * the second waits on the primary key until the first commits, then does nothing and locks the committed row.
 */
async function lockUserHead(trx: Transaction<Database>, userId: string): Promise<{ head: number; defaultCollectionId: string | null }> {
  const lock = () => trx.selectFrom('user_heads').select(['head', 'default_collection_id']).where('user_id', '=', userId).forUpdate().executeTakeFirst();
  // The user's row exists for every write but the first: lock it straight away (one round trip, not two).
  let row = await lock();
  if (!row) {
    await trx.insertInto('user_heads').values({ user_id: userId, head: -1, default_collection_id: null }).onConflict((oc) => oc.column('user_id').doNothing()).execute();
    row = await lock();
    if (!row) throw new Error(`user_heads row of ${userId} vanished`);
  }
  return { head: row.head, defaultCollectionId: row.default_collection_id };
}

/** The committed head of a user, -1 when the user has no history (one primary-key lookup). */
export async function readUserHead(db: Kysely<Database> | Transaction<Database>, userId: string): Promise<number> {
  const row = await db.selectFrom('user_heads').select('head').where('user_id', '=', userId).executeTakeFirst();
  return row ? row.head : -1;
}

/** Tables in an order where every parent comes before its children (a note before its ranges). */
const FLUSH_ORDER: readonly DeferrableTable[] = ['user_bookmarks', 'user_collections', 'user_notes', 'user_note_ranges', 'user_reading_sessions'];

/**
 * New rows a write has not sent yet. Each table's rows become one `INSERT … SELECT` from
 * `json_populate_recordset` (at most 1,000 rows each), tables in {@link FLUSH_ORDER} so foreign keys hold, rows
 * of one table in the order they were made; `flush` sends them as one statement before any other statement of
 * the write, `drain` hands them to the write's final statement. One JSON parameter instead of one parameter per value: a
 * 100-bookmark batch was 1,200 bind parameters, and parsing, binding and planning them cost PostgreSQL more
 * than the insert itself (issue #8), and Kysely and pg as much again to compile and serialise. The row type of
 * the table converts each value as a cast from its JSON form would (ISO dates to `timestamptz`, …).
 *
 * Rows are given whole, as the database would return them (jsonb columns as values, not JSON text): what
 * the applier already built for its answer goes out as it is.
 *
 * Regrouping by table is safe because every deferred row is new: nothing between them reads, updates or
 * deletes them (any other statement flushes first). Consecutive rows of a table share one column list (the
 * table's), so they go in one statement.
 */
class DeferredInserts {
  private pending = new Map<DeferrableTable, Array<Record<string, unknown>>>();

  add<T extends DeferrableTable>(table: T, row: Selectable<Database[T]>): void {
    let rows = this.pending.get(table);
    if (!rows) this.pending.set(table, (rows = []));
    rows.push(row as Record<string, unknown>);
  }

  /** Sends the pending rows now (before another statement of the write). */
  async flush(trx: Transaction<Database>): Promise<void> {
    const statements = this.drain();
    if (statements.length > 0) await executeAsOneStatement(trx, statements.slice(0, -1), statements.at(-1)!);
  }

  /** The pending rows as INSERT statements (each conditional on `onlyIf`), in dependency order; they are no longer pending. */
  drain(onlyIf?: RawBuilder<unknown>): RawBuilder<unknown>[] {
    if (this.pending.size === 0) return [];
    const pending = this.pending;
    this.pending = new Map();
    const statements: RawBuilder<unknown>[] = [];
    for (const table of FLUSH_ORDER) {
      const rows = pending.get(table);
      if (!rows) continue;
      for (let i = 0; i < rows.length; i += 1_000) statements.push(jsonRowsInsert(table, Object.keys(rows[i]!), rows.slice(i, i + 1_000), { onlyIf }));
    }
    return statements;
  }
}
