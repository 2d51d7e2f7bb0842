import type { UserResource } from '@quran-sync/protocol';
import { sql, type RawBuilder, type Transaction } from 'kysely';
import { jsonRowsInsert } from '../db/json-rows-insert.js';
import type { Database } from '../db/schema.js';

/** What a mutation did to a resource: brought it (back) into existence, changed it, or deleted it. */
export type ChangeKind = 'create' | 'update' | 'delete';

/**
 * The compacted change index keeps one row per resource holding its latest timestamp, so a pull costs what
 * the result holds, not what the history holds. When a resource changes again, the timestamp it leaves
 * behind is written to `user_change_gaps`: pages are offsets into "entries after mutationsSince, by
 * timestamp", and without the gap every later entry would slide one position left between two page requests
 * and one of them would be skipped. With it, positions only ever get appended, so a client paging through
 * while other devices write sees each entry at least once. Gaps are purged once no pagination can still be
 * running (minutes).
 *
 * A write records its mutations in memory ({@link ChangeBuffer}) and writes them to the index in three
 * statements when it is done, inside the same transaction: a 100-mutation push does not pay two round trips
 * per mutation for bookkeeping. Nothing reads the index of a user while the user's lock is held except
 * the write's own `latestTimestamp` (write-engine/write-state.ts), which looks at the buffer first.
 */
interface PendingChange {
  readonly resource: UserResource;
  readonly resourceId: string;
  readonly timestamps: number[];
  readonly kinds: ChangeKind[];
}

export class ChangeBuffer {
  private readonly pending = new Map<string, PendingChange>();
  private readonly fresh = new Set<string>();

  /**
   * Declares `resourceId` minted by this write (a new CSPRNG id): no earlier write can have indexed it, so
   * flushing skips the read of its previous entry and inserts it without conflict handling.
   */
  markFresh(resourceId: string): void {
    this.fresh.add(resourceId);
  }

  isFresh(resourceId: string): boolean {
    return this.fresh.has(resourceId);
  }

  add(resource: UserResource, resourceId: string, timestamp: number, kind: ChangeKind): void {
    const key = `${resource}\u0000${resourceId}`;
    const entry = this.pending.get(key) ?? { resource, resourceId, timestamps: [], kinds: [] };
    entry.timestamps.push(timestamp);
    entry.kinds.push(kind);
    this.pending.set(key, entry);
  }

  /** Every mutation recorded so far, side effects included: `resource`, `resourceId`, `timestamp`. */
  recorded(): Array<{ resource: UserResource; resourceId: string; timestamp: number }> {
    const out: Array<{ resource: UserResource; resourceId: string; timestamp: number }> = [];
    for (const change of this.pending.values())
      for (const timestamp of change.timestamps) out.push({ resource: change.resource, resourceId: change.resourceId, timestamp });
    return out;
  }

  latest(resource: UserResource, resourceId: string): number | undefined {
    return this.pending.get(`${resource}\u0000${resourceId}`)?.timestamps.at(-1);
  }

  entries(): PendingChange[] {
    return [...this.pending.values()];
  }
}

const CHUNK = 1000;
const CHANGE_COLUMNS = ['user_id', 'resource', 'resource_id', 'timestamp', 'created_ts', 'deleted'] as const;
const GAP_COLUMNS = ['user_id', 'timestamp', 'resource', 'resource_id', 'vacated_at'] as const;

/**
 * The statements that write a write's buffered mutations to the index (vacated positions, new latest
 * timestamps), after reading the entries they replace. Resources minted by this write have no previous entry:
 * they are neither read nor upserted, just inserted. No two statements touch the same row, so the caller may
 * send them together as one statement. `onlyIf`: a condition every statement is made conditional on. `trx`
 * null: the write may not read (a speculative one), so every change must be of a resource it created.
 */
export async function changeIndexStatements(
  trx: Transaction<Database> | null,
  userId: string,
  buffer: ChangeBuffer,
  onlyIf?: RawBuilder<unknown>,
): Promise<RawBuilder<unknown>[]> {
  const statements: RawBuilder<unknown>[] = [];
  const changes = buffer.entries();
  for (let i = 0; i < changes.length; i += CHUNK) {
    const chunk = changes.slice(i, i + CHUNK);
    const known = chunk.filter((c) => !buffer.isFresh(c.resourceId));
    if (known.length > 0 && !trx) throw new Error('a write that may not read has changes of resources it did not create');
    const previous = known.length === 0 ? [] : (await indexedChangesQuery(userId, known).execute(trx!)).rows;
    const before = new Map(previous.map((row) => [`${row.resource}\u0000${row.resource_id}`, row]));
    const now = Date.now();
    const gaps: Array<{ user_id: string; timestamp: number; resource: string; resource_id: string; vacated_at: number }> = [];
    const inserts: ChangeRow[] = [];
    const upserts: ChangeRow[] = [];
    for (const change of chunk) {
      const prior = before.get(`${change.resource}\u0000${change.resourceId}`);
      // Every timestamp the resource held before its last one this write is a vacated position.
      const vacated = [...(prior ? [prior.timestamp] : []), ...change.timestamps.slice(0, -1)];
      for (const timestamp of vacated) gaps.push({ user_id: userId, timestamp, resource: change.resource, resource_id: change.resourceId, vacated_at: now });
      let created = prior?.created_ts ?? change.timestamps[0]!;
      change.kinds.forEach((kind, index) => {
        if (kind === 'create') created = change.timestamps[index]!;
      });
      const row = {
        user_id: userId,
        resource: change.resource,
        resource_id: change.resourceId,
        timestamp: change.timestamps.at(-1)!,
        created_ts: created,
        deleted: change.kinds.at(-1) === 'delete',
      };
      (buffer.isFresh(change.resourceId) ? inserts : upserts).push(row);
    }
    if (gaps.length > 0)
      statements.push(jsonRowsInsert('user_change_gaps', GAP_COLUMNS, gaps, { onlyIf, onConflict: sql`on conflict (user_id, timestamp) do nothing` }));
    if (inserts.length > 0) statements.push(jsonRowsInsert('user_changes', CHANGE_COLUMNS, inserts, { onlyIf }));
    if (upserts.length > 0) {
      const replace = sql`on conflict (user_id, resource, resource_id) do update set timestamp = excluded.timestamp, created_ts = excluded.created_ts, deleted = excluded.deleted`;
      statements.push(jsonRowsInsert('user_changes', CHANGE_COLUMNS, upserts, { onlyIf, onConflict: replace }));
    }
  }
  return statements;
}

/**
 * The change-index entries of these resources of `userId`. One primary-key probe per resource, forced by
 * LATERAL … LIMIT 1: `resource_id = any(…)` alone matched only the key's user_id prefix and walked the user's
 * whole change index .
 */
export function indexedChangesQuery(userId: string, resources: ReadonlyArray<{ resource: string; resourceId: string }>) {
  return sql<{ resource: string; resource_id: string; timestamp: number; created_ts: number }>`
    select c.resource, c.resource_id, c.timestamp, c.created_ts
    from unnest(${resources.map((r) => r.resource)}::text[], ${resources.map((r) => r.resourceId)}::text[]) as k (resource, resource_id)
    cross join lateral (
      select resource, resource_id, timestamp, created_ts from user_changes
      where user_id = ${userId} and resource = k.resource and resource_id = k.resource_id
      limit 1) c`;
}

interface ChangeRow {
  readonly user_id: string;
  readonly resource: string;
  readonly resource_id: string;
  readonly timestamp: number;
  readonly created_ts: number;
  readonly deleted: boolean;
}
