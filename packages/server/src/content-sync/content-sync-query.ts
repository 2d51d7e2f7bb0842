import { sql, type Expression, type ExpressionBuilder, type SqlBool } from 'kysely';
import { snapshotPath, SUPERSEDING_MUTATION_TYPES, type ContentFilter, type ContentMutationType, type ContentSyncMutation } from '@quran-sync/protocol';
import type { Database } from '../db/schema.js';
import type { ContentDb } from './content-db.js';

/**
 * The two read paths of `GET /resources/sync`, both keyset-paged and pinned to `until`
 * (= `sync_until_sequence`, the committed head when the run started):
 *
 * - bootstrap: one `RESOURCE_CREATE` per resource public now AND continuously public since a sequence
 *   ≤ `until`, keyset over the primary key `(resource_group, resource_id)`. A resource that became public
 *   after `until` is left to the next incremental run (its `RESOURCE_CREATE` is > `until`); one hidden after
 *   `until` is left out, and its `RESOURCE_DELETE` (> `until`) tells any client that got it on an earlier
 *   page. Each item's `sequence` is the resource's latest change ≤ `until`.
 * - incremental: feed entries with `after < sequence ≤ until` for the filter, keyset over `sequence`
 *   (never OFFSET), compacted inside the window: a row change is dropped when the same row changes again
 *   ≤ `until`, and any entry is dropped when a later `RESOURCE_CREATE`/`INVALIDATE`/`DELETE` of its
 *   resource exists ≤ `until`. Both probes are index lookups (`content_feed_row`,
 *   `content_feed_resource_level`). Because the window's upper end is fixed, the same entries are dropped
 *   on every page of a run, so paging stays consistent.
 */
export interface ResourceKey {
  readonly group: string;
  readonly id: number;
}

export interface BootstrapPage {
  readonly mutations: ContentSyncMutation[];
  /** Key of the last resource on the page when more follow, else null. */
  readonly next: ResourceKey | null;
}

export interface IncrementalPage {
  readonly mutations: ContentSyncMutation[];
  /** Sequence of the last entry on the page when more follow, else null. */
  readonly next: number | null;
}

/** Tables a content filter can be applied to. */
export type FilterTable = 'content_resources' | 'content_feed';

export function filterCondition<T extends FilterTable>(eb: ExpressionBuilder<Database, T>, filter: ContentFilter): Expression<SqlBool> {
  const e = eb as unknown as ExpressionBuilder<Database, 'content_feed'>;
  return e.or(
    filter.parts.map((part) =>
      part.ids === '*' ? e('resource_group', '=', part.group) : e.and([e('resource_group', '=', part.group), e('resource_id', 'in', [...part.ids])]),
    ),
  );
}

export async function bootstrapPage(db: ContentDb, filter: ContentFilter, until: number, perPage: number, after: ResourceKey | null): Promise<BootstrapPage> {
  const rows = await db
    .selectFrom('content_resources as r')
    .select([
      'r.resource_group',
      'r.resource_id',
      'r.resource_content_id',
      'r.updated_at',
      sql<number>`case when r.last_sequence <= ${until} then r.last_sequence else coalesce(
        (select max(f.sequence) from content_feed f where f.resource_group = r.resource_group and f.resource_id = r.resource_id and f.sequence <= ${until}),
        r.public_since_sequence) end`.as('sequence'),
      sql<Date | null>`(select f.changed_at from content_feed f where f.resource_group = r.resource_group and f.resource_id = r.resource_id and f.sequence <= ${until} order by f.sequence desc limit 1)`.as(
        'changed_at',
      ),
    ])
    .where('r.status', '=', 'public')
    .where('r.public_since_sequence', '<=', until)
    .where((eb) => filterCondition(eb as never, filter))
    .$if(after !== null, (qb) => qb.where((eb) => eb(eb.refTuple('r.resource_group', 'r.resource_id'), '>', eb.tuple(after!.group, after!.id))))
    .orderBy('r.resource_group')
    .orderBy('r.resource_id')
    .limit(perPage + 1)
    .execute();
  const more = rows.length > perPage;
  const page = more ? rows.slice(0, perPage) : rows;
  const mutations = page.map((r) =>
    toWire({
      sequence: Number(r.sequence),
      type: 'RESOURCE_CREATE',
      resource_group: r.resource_group,
      resource_id: r.resource_id,
      resource_content_id: r.resource_content_id,
      record_type: null,
      record_key: null,
      data: null,
      unavailable_reason: null,
      // A resource whose feed history was compacted away reports when it was last updated instead.
      changed_at: r.changed_at ?? r.updated_at,
    }),
  );
  const last = page.at(-1);
  return { mutations, next: more && last ? { group: last.resource_group, id: last.resource_id } : null };
}

export async function incrementalPage(db: ContentDb, filter: ContentFilter, until: number, perPage: number, afterSequence: number): Promise<IncrementalPage> {
  const rows = await db
    .selectFrom('content_feed as f')
    .select([
      'f.sequence',
      'f.type',
      'f.resource_group',
      'f.resource_id',
      'f.resource_content_id',
      'f.record_type',
      'f.record_key',
      'f.data',
      'f.unavailable_reason',
      'f.changed_at',
    ])
    .where('f.sequence', '>', afterSequence)
    .where('f.sequence', '<=', until)
    .where((eb) => filterCondition(eb as never, filter))
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom('content_feed as g')
            .select(sql`1`.as('one'))
            .where(sql<SqlBool>`f.record_type is not null`)
            .whereRef('g.resource_group', '=', 'f.resource_group')
            .whereRef('g.resource_id', '=', 'f.resource_id')
            .whereRef('g.record_type', '=', 'f.record_type')
            .whereRef('g.record_key', '=', 'f.record_key')
            .whereRef('g.sequence', '>', 'f.sequence')
            .where('g.sequence', '<=', until),
        ),
      ),
    )
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom('content_feed as h')
            .select(sql`1`.as('one'))
            .whereRef('h.resource_group', '=', 'f.resource_group')
            .whereRef('h.resource_id', '=', 'f.resource_id')
            .where('h.record_type', 'is', null)
            .whereRef('h.sequence', '>', 'f.sequence')
            .where('h.sequence', '<=', until)
            .where('h.type', 'in', [...SUPERSEDING_MUTATION_TYPES]),
        ),
      ),
    )
    .orderBy('f.sequence')
    .limit(perPage + 1)
    .execute();
  const more = rows.length > perPage;
  const page = more ? rows.slice(0, perPage) : rows;
  const last = page.at(-1);
  return {
    mutations: page.map((r) => toWire({ ...r, sequence: Number(r.sequence) })),
    next: more && last ? Number(last.sequence) : null,
  };
}

interface FeedRow {
  sequence: number;
  type: ContentMutationType;
  resource_group: string;
  resource_id: number;
  resource_content_id: number | null;
  record_type: string | null;
  record_key: string | null;
  data: Record<string, unknown> | null;
  unavailable_reason: string | null;
  changed_at: Date;
}

function toWire(r: FeedRow): ContentSyncMutation {
  const hasSnapshot = r.type === 'RESOURCE_CREATE' || r.type === 'RESOURCE_INVALIDATE';
  const isRowChange = r.record_type !== null;
  return {
    sequence: r.sequence,
    type: r.type,
    resource_group: r.resource_group as ContentSyncMutation['resource_group'],
    resource_id: r.resource_id,
    resource_content_id: r.resource_content_id,
    record_type: isRowChange ? r.record_type : null,
    record_key: isRowChange ? r.record_key : null,
    source_record_id: isRowChange && r.record_key !== null ? Number(r.record_key) : null,
    changed_at: formatChangedAt(r.changed_at),
    data: r.type === 'ROW_CREATE' || r.type === 'ROW_UPDATE' ? r.data : null,
    snapshot_url: hasSnapshot ? snapshotPath(r.resource_group, r.resource_id) : null,
    unavailable_reason: r.type === 'RESOURCE_DELETE' ? (r.unavailable_reason as ContentSyncMutation['unavailable_reason']) : null,
  };
}

/** `2026-08-21T08:16:39Z`: UTC, second precision, as QF sends it. */
export function formatChangedAt(date: Date): string {
  return new Date(date).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
