import { Type, type Static } from '@sinclair/typebox';
import { RESOURCE_GROUP_NAMES } from './resource-group-names.js';

/**
 * Wire shapes of Content Sync (content-sync.md): the sync response, the snapshot, and the editorial
 * (admin) requests. Keys are snake_case as on the wire; the official SDK camelises them on receipt.
 */
export const CONTENT_MUTATION_TYPES = [
  'RESOURCE_CREATE',
  'RESOURCE_UPDATE',
  'RESOURCE_DELETE',
  'RESOURCE_INVALIDATE',
  'ROW_CREATE',
  'ROW_UPDATE',
  'ROW_DELETE',
] as const;
export type ContentMutationType = (typeof CONTENT_MUTATION_TYPES)[number];

/** Resource-level mutation types (no row fields). */
export const RESOURCE_MUTATION_TYPES: readonly ContentMutationType[] = ['RESOURCE_CREATE', 'RESOURCE_UPDATE', 'RESOURCE_DELETE', 'RESOURCE_INVALIDATE'];
/** Resource-level changes after which earlier row changes of the resource are moot (compaction). */
export const SUPERSEDING_MUTATION_TYPES: readonly ContentMutationType[] = ['RESOURCE_CREATE', 'RESOURCE_INVALIDATE', 'RESOURCE_DELETE'];

/** Statuses of a resource; everything but `public` makes it unavailable (the status is the reason). */
export const RESOURCE_STATUSES = ['public', 'hidden', 'rejected', 'unapproved', 'deleted'] as const;
export type ResourceStatus = (typeof RESOURCE_STATUSES)[number];
export type UnavailableReason = Exclude<ResourceStatus, 'public'>;

export const CONTENT_SYNC_PER_PAGE = { default: 50, min: 1, max: 100 } as const;

const Group = Type.Union(RESOURCE_GROUP_NAMES.map((g) => Type.Literal(g)));
const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) => Type.Union([schema, Type.Null()]);

export const ContentSyncMutation = Type.Object({
  sequence: Type.Integer(),
  type: Type.Union(CONTENT_MUTATION_TYPES.map((t) => Type.Literal(t))),
  resource_group: Group,
  resource_id: Type.Integer(),
  resource_content_id: Nullable(Type.Integer()),
  record_type: Nullable(Type.String()),
  record_key: Nullable(Type.String()),
  source_record_id: Nullable(Type.Integer()),
  changed_at: Type.String({ description: 'ISO 8601, UTC, second precision (`2026-08-21T08:16:39Z`)' }),
  data: Nullable(Type.Record(Type.String(), Type.Unknown())),
  snapshot_url: Nullable(Type.String()),
  unavailable_reason: Nullable(Type.Union(RESOURCE_STATUSES.filter((s) => s !== 'public').map((s) => Type.Literal(s)))),
});
export type ContentSyncMutation = Static<typeof ContentSyncMutation>;

export const ContentSyncResponse = Type.Object({
  sync: Type.Object({
    sync_until_sequence: Type.Integer(),
    has_more: Type.Boolean(),
    next_page_url: Nullable(Type.String()),
    next_sync_token: Nullable(Type.String()),
    mutations: Type.Array(ContentSyncMutation),
  }),
});
export type ContentSyncResponse = Static<typeof ContentSyncResponse>;

export const ContentSnapshot = Type.Object({
  resource_group: Group,
  resource_id: Type.Integer(),
  resource_content_id: Nullable(Type.Integer()),
  schema_version: Type.Integer(),
  sync_sequence: Type.Integer(),
  records: Type.Array(Type.Record(Type.String(), Type.Unknown())),
});
export type ContentSnapshot = Static<typeof ContentSnapshot>;

/** `PUT /admin/v1/resources/{group}/{id}` */
export const PutResourceBody = Type.Object(
  {
    resource_content_id: Type.Optional(Nullable(Type.Integer({ minimum: 1, maximum: 2_147_483_647 }))),
    status: Type.Optional(Type.Union(RESOURCE_STATUSES.map((s) => Type.Literal(s)))),
    reason: Type.Optional(Nullable(Type.String({ maxLength: 1000 }))),
    metadata: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  },
  { additionalProperties: false },
);
export type PutResourceBody = Static<typeof PutResourceBody>;

/** `POST /admin/v1/resources/{group}/{id}/rows` */
export const RowChangesBody = Type.Object(
  {
    upsert: Type.Optional(Type.Array(Type.Record(Type.String(), Type.Unknown()), { maxItems: 10_000 })),
    delete: Type.Optional(
      Type.Array(Type.Object({ record_type: Type.String(), id: Type.Integer({ minimum: 1, maximum: 2_147_483_647 }) }, { additionalProperties: false }), {
        maxItems: 10_000,
      }),
    ),
  },
  { additionalProperties: false },
);
export type RowChangesBody = Static<typeof RowChangesBody>;

/** A resource as the admin API reports it. */
export const AdminResource = Type.Object({
  resource_group: Group,
  resource_id: Type.Integer(),
  resource_content_id: Nullable(Type.Integer()),
  status: Type.Union(RESOURCE_STATUSES.map((s) => Type.Literal(s))),
  reason: Nullable(Type.String()),
  metadata: Type.Record(Type.String(), Type.Unknown()),
  last_sequence: Type.Integer(),
  row_count: Type.Integer(),
});
export type AdminResource = Static<typeof AdminResource>;

/** Result of an editorial call: the resource after it, and the feed sequences the call appended. */
export const AdminChangeResult = Type.Object({
  resource: Nullable(AdminResource),
  sequences: Type.Array(Type.Integer()),
  head: Type.Integer(),
});
export type AdminChangeResult = Static<typeof AdminChangeResult>;

export const CompactionResult = Type.Object({
  superseded_removed: Type.Integer(),
  expired_removed: Type.Integer(),
  retention_floor: Type.Integer(),
  head: Type.Integer(),
});
export type CompactionResult = Static<typeof CompactionResult>;

/** Relative links the content API returns (they start with `/api/v4`, as QF's do). */
export function snapshotPath(group: string, id: number): string {
  return `/api/v4/resources/snapshots/${group}/${id}`;
}
