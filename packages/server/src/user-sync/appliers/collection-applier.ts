import { collectionSlug, DEFAULT_COLLECTION_ALIAS, DEFAULT_COLLECTION_NAME, type CollectionInput } from '@quran-sync/protocol';
import { ApplyError, unknownResource } from '../apply-error.js';
import { collectionPayload, type CollectionRow } from '../resource-payloads.js';
import type { ApplierContext } from '../write-engine/applier-context.js';
import { clientTime, noRowAck, type AppliedResource, type GonePolicy } from './applied-resource.js';
import { reviseRow, tombstoneRow } from './row-revision.js';
import { deleteLinkRow } from './collection-bookmark-applier.js';

/**
 * COLLECTION writes: natural-key create by name, renames (never of the default collection), and deletes that
 * take the collection's links with them (and, by the orphan rule, bookmarks left in no collection).
 */
const applied = (row: CollectionRow, timestamp: number): AppliedResource<CollectionRow> => ({
  resourceId: row.id,
  row,
  data: collectionPayload(row),
  timestamp,
});

/** `__default__` names the user's default collection wherever a collection id is accepted. */
export function resolveCollectionId(ctx: ApplierContext, id: string): string {
  return id === DEFAULT_COLLECTION_ALIAS ? ctx.defaultCollectionId() : id;
}

/** Like {@link resolveCollectionId}, but null for `__default__` while the user has none (and creates none). */
export function knownCollectionId(ctx: ApplierContext, id: string): string | null {
  return id === DEFAULT_COLLECTION_ALIAS ? ctx.knownDefaultCollectionId() : id;
}

export async function collectionById(ctx: ApplierContext, id: string): Promise<CollectionRow | undefined> {
  // Resolved first: a default collection created just now is a deferred row, which `db()` then sends.
  const resolved = resolveCollectionId(ctx, id);
  return (await ctx.db()).selectFrom('user_collections').selectAll().where('user_id', '=', ctx.userId).where('id', '=', resolved).executeTakeFirst();
}

async function collectionIdTaken(ctx: ApplierContext, id: string): Promise<boolean> {
  const row = await (await ctx.db()).selectFrom('user_collections').select('user_id').where('id', '=', id).executeTakeFirst();
  return row !== undefined && row.user_id !== ctx.userId;
}

/** The row of a user's default collection, created (as its own mutation, stamped `timestamp`) when first needed. */
export function defaultCollectionRow(userId: string, id: string, timestamp: number): CollectionRow {
  const now = new Date(timestamp);
  return {
    id,
    user_id: userId,
    name: DEFAULT_COLLECTION_NAME,
    slug: collectionSlug(DEFAULT_COLLECTION_NAME),
    is_private: true,
    is_default: true,
    is_system: true,
    client_created_at: null,
    client_updated_at: null,
    created_at: now,
    updated_at: now,
    deleted_at: null,
  };
}

/** CREATE: by `resourceId` an upsert; by name, the live collection of that name if there is one. */
export async function createCollection(ctx: ApplierContext, resourceId: string | null, input: CollectionInput): Promise<AppliedResource<CollectionRow>> {
  if (resourceId) return upsertCollection(ctx, resourceId, input);
  if (input.name === undefined) throw new ApplyError('missing-field', 'name');
  const byName = await (await ctx.db())
    .selectFrom('user_collections')
    .selectAll()
    .where('user_id', '=', ctx.userId)
    .where('name', '=', input.name)
    .where('deleted_at', 'is', null)
    .orderBy('created_at')
    .orderBy('id')
    .executeTakeFirst();
  if (byName) return applied(byName, await ctx.latestTimestamp('COLLECTION', byName.id));
  return insertCollection(ctx, ctx.mintId(), input.name, input);
}

/** UPDATE (an upsert): rename or change the named collection, or create it under that id. */
export async function upsertCollection(ctx: ApplierContext, id: string, input: CollectionInput): Promise<AppliedResource<CollectionRow>> {
  const row = await collectionById(ctx, id);
  if (!row) {
    if (id === DEFAULT_COLLECTION_ALIAS || (await collectionIdTaken(ctx, id))) throw unknownResource();
    if (input.name === undefined) throw new ApplyError('missing-field', 'name');
    return insertCollection(ctx, id, input.name, input);
  }
  if (row.is_default && input.name !== undefined && input.name !== row.name) throw new ApplyError('default-rename');
  const name = input.name ?? row.name;
  const next = {
    name,
    slug: name === row.name ? row.slug : collectionSlug(name),
    is_private: input.isPrivate ?? row.is_private,
    client_created_at: clientTime(input.clientCreatedAt, row.client_created_at),
    client_updated_at: clientTime(input.clientUpdatedAt, row.client_updated_at),
  };
  const revision = await reviseRow(ctx, { table: 'user_collections', resource: 'COLLECTION', row }, next);
  return applied(revision.row, revision.timestamp);
}

async function insertCollection(ctx: ApplierContext, id: string, name: string, input: CollectionInput): Promise<AppliedResource<CollectionRow>> {
  const timestamp = ctx.record('COLLECTION', id, 'create');
  const now = new Date(timestamp);
  const row = await (await ctx.db())
    .insertInto('user_collections')
    .values({
      id,
      user_id: ctx.userId,
      name,
      slug: collectionSlug(name),
      is_private: input.isPrivate ?? false,
      is_default: false,
      is_system: false,
      client_created_at: clientTime(input.clientCreatedAt, null),
      client_updated_at: clientTime(input.clientUpdatedAt, null),
      created_at: now,
      updated_at: now,
      deleted_at: null,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  return applied(row, timestamp);
}

/**
 * DELETE: each link first (with the orphan rule), then the collection. The default collection stays. An id
 * this user has no collection of is refused or acknowledged per `gone`.
 */
export async function deleteCollection(ctx: ApplierContext, id: string, gone: GonePolicy = 'refuse'): Promise<AppliedResource<CollectionRow | null>> {
  // Named by its alias, the default collection is refused without being created for a user who has none yet.
  if (id === DEFAULT_COLLECTION_ALIAS) throw new ApplyError('default-delete');
  const row = await collectionById(ctx, id);
  if (!row) return noRowAck(ctx, gone, 'COLLECTION', id);
  if (row.is_default) throw new ApplyError('default-delete');
  const deletion = await tombstoneRow(
    ctx,
    { table: 'user_collections', resource: 'COLLECTION', row },
    {
      async beforeRecord() {
        const links = await (await ctx.db())
          .selectFrom('user_collection_bookmarks')
          .selectAll()
          .where('collection_id', '=', row.id)
          .where('user_id', '=', ctx.userId)
          .where('deleted_at', 'is', null)
          .orderBy('created_at')
          .orderBy('bookmark_id')
          .execute();
        for (const link of links) await deleteLinkRow(ctx, link, { afterUnlink: 'orphan-rule' });
      },
    },
  );
  return applied(deletion.row, deletion.timestamp);
}
