import {
  INTEGRITY_ALGORITHM,
  MultisetDigest,
  parseCollectionBookmarkId,
  type MutationType,
  type SyncMutationEntry,
  type UserResource,
  type UserStateDigest,
} from '@quran-sync/protocol';
import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from '../db/schema.js';
import { nativeRecordHash } from '../integrity/native-record-hash.js';
import { bookmarkPayload, collectionPayload, linkPayload, notePayload, preferencePayload, readingSessionPayload, type Payload } from './resource-payloads.js';

/**
 * The pull (`GET /v1/sync`, user-sync.md): a page of the compacted change index after `mutationsSince`,
 * ascending by timestamp, read in one snapshot so the head, the entries and their data agree.
 *
 * Pages are offsets into the *slots* after `mutationsSince` — index entries plus positions vacated in the
 * last minutes (see change-index.ts) — so page N+1 continues exactly where page N stopped even when writes
 * land in between. On a page with more to come, `lastMutationAt` is the last returned entry's timestamp, not
 * the head: a client that ignores `hasMore` and stores it resumes from there and loses nothing.
 */
export interface PullRequest {
  readonly userId: string;
  readonly since: number;
  readonly resources: readonly UserResource[];
  readonly limit: number;
  readonly page: number;
}

export interface PullResult {
  readonly lastMutationAt: number;
  readonly newLastSyncedAt: number;
  readonly mutations: SyncMutationEntry[];
  readonly page: number;
  readonly limit: number;
  readonly total: number;
  readonly hasMore: boolean;
}

interface SlotRow {
  timestamp: number;
  resource: UserResource;
  resource_id: string | null;
  created_ts: number | null;
  deleted: boolean | null;
  gap: boolean;
}

/** Resources whose entries carry no `resourceId` on pulls (their identity is in `data`). */
const NO_RESOURCE_ID_ON_PULL = new Set<UserResource>(['COLLECTION_BOOKMARK', 'PREFERENCE']);

export async function pullMutations(db: Kysely<Database>, request: PullRequest): Promise<PullResult> {
  return db
    .transaction()
    .setIsolationLevel('repeatable read')
    .setAccessMode('read only')
    .execute(async (trx) => {
      const headRow = await trx.selectFrom('user_heads').select(['head', 'default_collection_id']).where('user_id', '=', request.userId).executeTakeFirst();
      const head = headRow?.head ?? -1;
      const empty = { page: request.page, limit: request.limit, total: 0, hasMore: false, mutations: [], newLastSyncedAt: -1, lastMutationAt: head };
      if (head < 0 || request.resources.length === 0 || request.since >= head) return empty;

      const resources = sql.join(request.resources.map((r) => sql.lit(r)));
      const slotFilter = sql`user_id = ${request.userId} and timestamp > ${request.since} and timestamp <= ${head} and resource in (${resources})`;
      const recentlyVacated = sql`exists (select 1 from user_change_gaps g where g.user_id = user_changes.user_id and g.resource = user_changes.resource and g.resource_id = user_changes.resource_id)`;
      const counts = await sql<{ live: number; deleted: number; recent_deleted: number; gaps: number }>`
        select (select count(*) from user_changes where ${slotFilter} and not deleted)::int as live,
               (select count(*) from user_changes where ${slotFilter} and deleted)::int as deleted,
               (select count(*) from user_changes where ${slotFilter} and deleted and ${recentlyVacated})::int as recent_deleted,
               (select count(*) from user_change_gaps where ${slotFilter})::int as gaps`.execute(trx);
      const count = counts.rows[0] ?? { live: 0, deleted: 0, recent_deleted: 0, gaps: 0 };

      // `mutationsSince` ≤ 0 is a full pull: deleted resources are left out (nothing to delete on the client).
      // One exception keeps paging lossless: when a full pull spans several pages, resources deleted so
      // recently that their old position is still a gap are included as DELETEs, because the client may have
      // received them alive on an earlier page and the final page hands it a cursor past their deletion. The
      // choice depends only on counts that never shrink while a pagination runs (positions are only
      // appended), so every page of one pagination uses the same set of slots.
      let entryFilter = sql``;
      let entryCount = count.live + count.deleted;
      if (request.since <= 0) {
        const multiPage = count.live + count.recent_deleted + count.gaps > request.limit;
        entryFilter = multiPage ? sql`and (not deleted or ${recentlyVacated})` : sql`and not deleted`;
        entryCount = count.live + (multiPage ? count.recent_deleted : 0);
      }
      const offset = (request.page - 1) * request.limit;
      const slots = await sql<SlotRow>`
        select timestamp, resource, resource_id, created_ts, deleted, false as gap from user_changes where ${slotFilter} ${entryFilter}
        union all
        select timestamp, resource, null, null, null, true as gap from user_change_gaps where ${slotFilter}
        order by timestamp
        limit ${request.limit + 1} offset ${offset}`.execute(trx);

      const hasMore = slots.rows.length > request.limit;
      const pageSlots = slots.rows.slice(0, request.limit);
      const entries = pageSlots.filter((slot) => !slot.gap);
      const payloads = await loadPayloads(trx, request.userId, headRow?.default_collection_id ?? null, entries);
      const mutations: SyncMutationEntry[] = entries.map((slot) => {
        const type: MutationType = slot.deleted ? 'DELETE' : (slot.created_ts as number) > request.since ? 'CREATE' : 'UPDATE';
        return {
          type,
          resource: slot.resource,
          resourceId: NO_RESOURCE_ID_ON_PULL.has(slot.resource) ? null : slot.resource_id,
          data: payloads.get(`${slot.resource}:${slot.resource_id}`) ?? null,
          timestamp: slot.timestamp,
        };
      });
      const lastReturned = mutations.length > 0 ? mutations[mutations.length - 1]!.timestamp : -1;
      // A page of vacated positions only (rare) still moves a hasMore-ignoring client forward.
      const resumeAt = lastReturned >= 0 ? lastReturned : (pageSlots[pageSlots.length - 1]?.timestamp ?? head);
      return {
        lastMutationAt: hasMore ? resumeAt : head,
        newLastSyncedAt: lastReturned,
        mutations,
        page: request.page,
        limit: request.limit,
        // Entries of the whole result. Pages may hold fewer than `limit` entries (vacated positions count as
        // slots); `hasMore` is authoritative, and a client that stops early still resumes from `lastMutationAt`.
        total: entryCount,
        hasMore,
      };
    });
}

/**
 * The digest of a user's compacted state per resource type (docs/integrity.md): every live record as a full
 * pull would deliver it — `[resource, id, data]`, `data` exactly as serialised on the wire — in the same
 * repeatable-read snapshot as the head it reports. Computed on demand, only for clients that ask.
 */
export async function userStateDigest(db: Kysely<Database>, userId: string, resources: readonly UserResource[]): Promise<UserStateDigest> {
  return db
    .transaction()
    .setIsolationLevel('repeatable read')
    .setAccessMode('read only')
    .execute(async (trx) => {
      const headRow = await trx.selectFrom('user_heads').select(['head', 'default_collection_id']).where('user_id', '=', userId).executeTakeFirst();
      const digests = new Map<UserResource, MultisetDigest>(resources.map((r) => [r, new MultisetDigest()]));
      if (headRow && resources.length > 0) {
        const live = await sql<SlotRow>`
          select timestamp, resource, resource_id, created_ts, deleted, false as gap from user_changes
          where user_id = ${userId} and not deleted and resource in (${sql.join(resources.map((r) => sql.lit(r)))})`.execute(trx);
        const payloads = await loadPayloads(trx, userId, headRow.default_collection_id ?? null, live.rows);
        for (const entry of live.rows) {
          const payload = payloads.get(`${entry.resource}:${entry.resource_id}`);
          if (payload === undefined) continue;
          // The wire form: what JSON serialisation makes of the payload is what the client stores.
          const wire: unknown = JSON.parse(JSON.stringify(payload));
          digests.get(entry.resource)!.add(nativeRecordHash(entry.resource, entry.resource_id as string, wire));
        }
      }
      return {
        algorithm: INTEGRITY_ALGORITHM,
        head: headRow?.head ?? -1,
        resources: Object.fromEntries([...digests].map(([r, d]) => [r, d.toJSON()])),
      };
    });
}

/** The current (or last, for tombstones) data of each entry, fetched per resource with one query each. */
async function loadPayloads(
  trx: Transaction<Database>,
  userId: string,
  defaultCollectionId: string | null,
  entries: readonly SlotRow[],
): Promise<Map<string, Payload>> {
  const ids = new Map<UserResource, string[]>();
  for (const entry of entries) {
    const list = ids.get(entry.resource) ?? [];
    list.push(entry.resource_id as string);
    ids.set(entry.resource, list);
  }
  const out = new Map<string, Payload>();
  const put = (resource: UserResource, id: string, payload: Payload): void => void out.set(`${resource}:${id}`, payload);

  const bookmarkIds = ids.get('BOOKMARK');
  if (bookmarkIds) {
    const rows = await trx.selectFrom('user_bookmarks').selectAll().where('user_id', '=', userId).where('id', 'in', bookmarkIds).execute();
    const inDefault = new Set<string>();
    if (defaultCollectionId) {
      const links = await trx
        .selectFrom('user_collection_bookmarks')
        .select('bookmark_id')
        .where('collection_id', '=', defaultCollectionId)
        .where('bookmark_id', 'in', bookmarkIds)
        .where('deleted_at', 'is', null)
        .execute();
      for (const link of links) inDefault.add(link.bookmark_id);
    }
    for (const row of rows) put('BOOKMARK', row.id, bookmarkPayload(row, row.deleted_at === null && inDefault.has(row.id)));
  }
  const collectionIds = ids.get('COLLECTION');
  if (collectionIds) {
    const rows = await trx.selectFrom('user_collections').selectAll().where('user_id', '=', userId).where('id', 'in', collectionIds).execute();
    for (const row of rows) put('COLLECTION', row.id, collectionPayload(row));
  }
  const linkIds = ids.get('COLLECTION_BOOKMARK');
  if (linkIds) {
    const pairs = linkIds.map((id) => parseCollectionBookmarkId(id)).filter((p) => p !== null);
    const bookmarkIdsOfLinks = [...new Set(pairs.map((p) => p.bookmarkId))];
    if (bookmarkIdsOfLinks.length > 0) {
      const links = await trx
        .selectFrom('user_collection_bookmarks')
        .selectAll()
        .where('user_id', '=', userId)
        .where('bookmark_id', 'in', bookmarkIdsOfLinks)
        .where('collection_id', 'in', [...new Set(pairs.map((p) => p.collectionId))])
        .execute();
      const bookmarks = await trx
        .selectFrom('user_bookmarks')
        .select(['id', 'type', 'key', 'verse_number'])
        .where('user_id', '=', userId)
        .where('id', 'in', bookmarkIdsOfLinks)
        .execute();
      const byId = new Map(bookmarks.map((b) => [b.id, b]));
      for (const link of links) put('COLLECTION_BOOKMARK', `${link.collection_id}-${link.bookmark_id}`, linkPayload(link, byId.get(link.bookmark_id)));
    }
  }
  const noteIds = ids.get('NOTE');
  if (noteIds) {
    const rows = await trx.selectFrom('user_notes').selectAll().where('user_id', '=', userId).where('id', 'in', noteIds).execute();
    for (const row of rows) put('NOTE', row.id, notePayload(row));
  }
  const sessionIds = ids.get('READING_SESSION');
  if (sessionIds) {
    const rows = await trx.selectFrom('user_reading_sessions').selectAll().where('user_id', '=', userId).where('id', 'in', sessionIds).execute();
    for (const row of rows) put('READING_SESSION', row.id, readingSessionPayload(row));
  }
  const groups = ids.get('PREFERENCE');
  if (groups) {
    const rows = await trx.selectFrom('user_preferences').selectAll().where('user_id', '=', userId).where('group_name', 'in', groups).execute();
    for (const row of rows) put('PREFERENCE', row.group_name, preferencePayload(row));
  }
  return out;
}
