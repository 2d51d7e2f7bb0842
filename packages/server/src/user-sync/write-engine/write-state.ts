import { newResourceId, type UserResource } from '@quran-sync/protocol';
import { sql, type Selectable, type Transaction } from 'kysely';
import type { Database } from '../../db/schema.js';
import { defaultCollectionRow } from '../appliers/collection-applier.js';
import { ChangeBuffer, type ChangeKind } from '../change-index.js';
import type { ApplierContext, DeferrableTable, WriteKnowledge } from './applier-context.js';
import { DeferredInserts } from './deferred-inserts.js';

/** Thrown in a speculative write by whatever would need a statement of its own: the write then runs locked. */
export class NeedsLock extends Error {
  constructor() {
    super('this write needs the user lock');
  }
}

export interface WriteStateOptions {
  readonly userId: string;
  readonly head: number;
  /** The write's transaction; null for a speculative write, which may send nothing before its last statement. */
  readonly transaction: Transaction<Database> | null;
  /** Null: the user has none yet; undefined: not known to this write (a speculative one, which may not look). */
  readonly defaultCollectionId: string | null | undefined;
}

/**
 * One write's state in memory: the context its appliers see ({@link ApplierContext}), and what only the engine
 * handles — the clock, the deferred rows, the change buffer, the facts gathered or assumed before the batch.
 */
export class WriteState implements ApplierContext {
  readonly changes = new ChangeBuffer();
  readonly deferred = new DeferredInserts();
  readonly userId: string;
  readonly known: WriteKnowledge;
  /** The default collection this write created (the user had none), for `user_heads`. */
  createdDefaultCollectionId: string | null = null;
  private clock: number;
  private defaultCollection: string | null | undefined;
  private readonly transaction: Transaction<Database> | null;
  private readonly absent = new Map<DeferrableTable, Set<string>>();
  private readonly freeLocations = new Set<string>();

  constructor(options: WriteStateOptions) {
    this.userId = options.userId;
    this.clock = options.head;
    this.transaction = options.transaction;
    this.defaultCollection = options.defaultCollectionId;
    const { absent, freeLocations } = this;
    this.known = {
      isAbsent: (table, id) => absent.get(table)?.has(id) ?? false,
      isFreeLocation: (key) => freeLocations.has(key),
      locationTaken: (key) => freeLocations.delete(key),
    };
  }

  /** True for a speculative write (no transaction until its single statement). */
  get speculative(): boolean {
    return this.transaction === null;
  }

  /** The last timestamp handed out (the starting head when none was). */
  get head(): number {
    return this.clock;
  }

  async db(): Promise<Transaction<Database>> {
    if (!this.transaction) throw new NeedsLock();
    await this.deferred.flush(this.transaction);
    return this.transaction;
  }

  insert<T extends DeferrableTable>(table: T, row: Selectable<Database[T]>): void {
    const id = (row as { id?: unknown }).id;
    if (typeof id === 'string') this.absent.get(table)?.delete(id);
    this.deferred.add(table, row);
  }

  record(resource: UserResource, resourceId: string, kind: ChangeKind): number {
    if (this.defaultCollection === null) this.defaultCollectionId();
    const timestamp = this.stamp();
    this.changes.add(resource, resourceId, timestamp, kind);
    return timestamp;
  }

  async latestTimestamp(resource: UserResource, resourceId: string): Promise<number> {
    const buffered = this.changes.latest(resource, resourceId);
    if (buffered !== undefined) return buffered;
    const row = await (await this.db())
      .selectFrom('user_changes')
      .select('timestamp')
      .where('user_id', '=', this.userId)
      .where('resource', '=', resource)
      .where('resource_id', '=', resourceId)
      .executeTakeFirst();
    return row ? row.timestamp : this.clock;
  }

  mintId(): string {
    const id = newResourceId();
    this.changes.markFresh(id);
    return id;
  }

  // Created when first needed: before the write's first mutation, or when a mutation names `__default__`.
  // Its row is deferred like any new row, so creating it costs no statement of its own.
  defaultCollectionId(): string {
    if (this.defaultCollection === undefined) throw new NeedsLock();
    if (this.defaultCollection === null) {
      const id = newResourceId();
      this.changes.markFresh(id);
      const timestamp = this.stamp();
      this.changes.add('COLLECTION', id, timestamp, 'create');
      this.deferred.add('user_collections', defaultCollectionRow(this.userId, id, timestamp));
      this.defaultCollection = id;
      this.createdDefaultCollectionId = id;
    }
    return this.defaultCollection;
  }

  knownDefaultCollectionId(): string | null {
    if (this.defaultCollection === undefined) throw new NeedsLock();
    return this.defaultCollection;
  }

  /** Records which of `ids` exist in no row of `table` (one query). */
  async prefetchAbsentIds(table: DeferrableTable, ids: readonly string[]): Promise<void> {
    const wanted = [...new Set(ids)];
    if (wanted.length === 0) return;
    const trx = await this.db();
    // One array parameter, not one per id.
    const found = new Set(
      (
        await trx
          .selectFrom(table as 'user_bookmarks')
          .select('id')
          .where('id', '=', sql<string>`any(${wanted}::text[])`)
          .execute()
      ).map((r) => r.id),
    );
    const set = this.absentIn(table);
    for (const id of wanted) if (!found.has(id)) set.add(id);
  }

  /**
   * Speculative writes only: takes `ids` to be used by no row of `table` and to have no change-index entry,
   * without looking. Only for ids the write can only insert (a create's, an upsert's): a wrong guess then
   * ends in a primary-key violation, and the write runs again locked.
   */
  assumeAbsentIds(table: DeferrableTable, ids: readonly string[]): void {
    if (!this.speculative) throw new Error('assumeAbsentIds outside a speculative write');
    const set = this.absentIn(table);
    for (const id of ids) {
      set.add(id);
      this.changes.markFresh(id);
    }
  }

  /** Takes these bookmark locations to hold no live bookmark (probed, or assumed where a wrong guess is refused). */
  takeLocationsAsFree(keys: Iterable<string>): void {
    for (const key of keys) this.freeLocations.add(key);
  }

  private stamp(): number {
    this.clock = Math.max(Date.now(), this.clock + 1);
    return this.clock;
  }

  private absentIn(table: DeferrableTable): Set<string> {
    let set = this.absent.get(table);
    if (!set) this.absent.set(table, (set = new Set()));
    return set;
  }
}
