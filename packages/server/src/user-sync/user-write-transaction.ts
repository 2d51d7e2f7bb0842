import { newResourceId, OUT_OF_SYNC_MESSAGE, USER_SYNC_ERROR_CODES } from '@quran-sync/protocol';
import { sql, type Kysely, type RawBuilder, type Selectable, type Transaction } from 'kysely';
import { executeAsOneStatement, jsonRowsInsert } from '../db/json-rows-insert.js';
import type { Database } from '../db/schema.js';
import { syncError } from '../http/api-error.js';
import { createDefaultCollection } from './appliers/collection-applier.js';
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

    let head = locked.head;
    let defaultCollectionId = locked.defaultCollectionId;
    const changes = new ChangeBuffer();
    const deferred = new DeferredInserts(trx);
    const absent = new Map<DeferrableTable, Set<string>>();
    const ctx: UserWriteContext = {
      async db() {
        await deferred.flush();
        return trx;
      },
      deferInsert(table, row) {
        const id = (row as { id?: unknown }).id;
        if (typeof id === 'string') absent.get(table)?.delete(id);
        deferred.add(table, row);
      },
      isAbsent: (table, id) => absent.get(table)?.has(id) ?? false,
      async prefetchAbsentIds(table, ids) {
        const wanted = [...new Set(ids)];
        if (wanted.length === 0) return;
        await deferred.flush();
        // One array parameter, not one per id.
        const found = new Set((await trx.selectFrom(table as 'user_bookmarks').select('id').where('id', '=', sql<string>`any(${wanted}::text[])`).execute()).map((r) => r.id));
        let set = absent.get(table);
        if (!set) absent.set(table, (set = new Set()));
        for (const id of wanted) if (!found.has(id)) set.add(id);
      },
      mintId() {
        const id = newResourceId();
        changes.markFresh(id);
        return id;
      },
      userId: request.userId,
      changes,
      freeBookmarkLocations: new Set<string>(),
      nextTimestamp() {
        head = Math.max(Date.now(), head + 1);
        return head;
      },
      head: () => head,
      defaultCollectionId() {
        if (!defaultCollectionId) throw new Error('default collection not created');
        return defaultCollectionId;
      },
    };
    // A user's first write creates the default collection, as a mutation of its own stamped before the
    // write's own mutations; a user with no history therefore still reads `lastMutationAt: -1`.
    if (!defaultCollectionId) {
      defaultCollectionId = await createDefaultCollection(ctx);
      await trx.updateTable('user_heads').set({ default_collection_id: defaultCollectionId }).where('user_id', '=', request.userId).execute();
    }

    const result = await request.apply(ctx);
    // What the write still has to send — its deferred rows, its change-index entries, its stored outcome, the
    // new head — goes as one statement: the change index's reads of earlier entries come first (they do not
    // see deferred rows, and need not), then a single round trip writes everything.
    const indexStatements = await changeIndexStatements(trx, request.userId, changes);
    const response = request.respond(result, head);
    const stored =
      request.idempotency && response.status < 300
        ? [await storeOutcomeStatement(request.userId, request.idempotency, { status: response.status, body: response.body, mutationAt: head })]
        : [];
    const main = head !== locked.head ? sql`update user_heads set head = ${head} where user_id = ${request.userId}` : sql`select 1`;
    await executeAsOneStatement(trx, [...deferred.drain(), ...indexStatements, ...stored], main);
    return { status: response.status, body: response.body, mutationAt: head, replayed: false };
  });
}

function replay(stored: StoredOutcome): UserWriteOutcome {
  return { status: stored.status, body: stored.body, mutationAt: stored.mutationAt, replayed: true };
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

  constructor(private readonly trx: Transaction<Database>) {}

  add<T extends DeferrableTable>(table: T, row: Selectable<Database[T]>): void {
    let rows = this.pending.get(table);
    if (!rows) this.pending.set(table, (rows = []));
    rows.push(row as Record<string, unknown>);
  }

  /** Sends the pending rows now (before another statement of the write). */
  async flush(): Promise<void> {
    const statements = this.drain();
    if (statements.length > 0) await executeAsOneStatement(this.trx, statements.slice(0, -1), statements.at(-1)!);
  }

  /** The pending rows as INSERT statements, in dependency order; they are no longer pending. */
  drain(): RawBuilder<unknown>[] {
    if (this.pending.size === 0) return [];
    const pending = this.pending;
    this.pending = new Map();
    const statements: RawBuilder<unknown>[] = [];
    for (const table of FLUSH_ORDER) {
      const rows = pending.get(table);
      if (!rows) continue;
      for (let i = 0; i < rows.length; i += 1_000) statements.push(jsonRowsInsert(table, Object.keys(rows[i]!), rows.slice(i, i + 1_000)));
    }
    return statements;
  }
}
