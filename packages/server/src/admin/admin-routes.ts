import { Type } from '@sinclair/typebox';
import { sql } from 'kysely';
import {
  AdminChangeResult,
  AdminResource,
  CompactionResult,
  CONTENT_WRITE_SCOPE,
  isResourceGroupName,
  PutResourceBody,
  RowChangesBody,
  StandardErrorBody,
  type ResourceGroupName,
} from '@quran-sync/protocol';
import type { CapabilityPlugin } from '../capability-plugin.js';
import type { AppContext } from '../app-context.js';
import { standardError } from '../http/api-error.js';
import { compactContentFeed } from '../content-sync/content-compaction.js';
import { applyRowChanges, findResource, invalidateResource, putResource, validateRowChanges, type ResourceRow } from '../content-sync/content-editorial.js';
import { withFeedWriter } from '../content-sync/content-feed-writer.js';

const ADMIN_AUTH = { auth: { scopes: [CONTENT_WRITE_SCOPE] } } as const;
const ResourceParams = Type.Object({ resource_group: Type.String(), id: Type.String() });
const errors = {
  400: StandardErrorBody,
  401: StandardErrorBody,
  403: StandardErrorBody,
  404: StandardErrorBody,
  409: StandardErrorBody,
  422: StandardErrorBody,
};

/**
 * Editorial API under `/admin/v1` (scope `content.write`, never granted by `content`). Every call is one
 * transaction through the feed writer, so its changes reach clients through the feed in commit order, and a
 * call that fails changes nothing.
 */
export const adminRoutes: CapabilityPlugin = async (app, { ctx }) => {
  app.get(
    '/resources/:resource_group/:id',
    {
      config: ADMIN_AUTH,
      schema: {
        tags: ['admin'],
        summary: 'One resource as stored (any status)',
        security: [{ accessToken: [], clientId: [] }],
        params: ResourceParams,
        response: { 200: AdminResource, ...errors },
      },
    },
    async (request) => {
      const { group, id } = parseResourceParams(request.params as { resource_group: string; id: string });
      const row = await ctx.db.selectFrom('content_resources').selectAll().where('resource_group', '=', group).where('resource_id', '=', id).executeTakeFirst();
      if (!row) throw standardError(404, `resource ${group}:${id} does not exist`);
      return toAdminResource(ctx, row);
    },
  );

  app.put(
    '/resources/:resource_group/:id',
    {
      config: ADMIN_AUTH,
      schema: {
        tags: ['admin'],
        summary: 'Create or update a resource; status transitions emit RESOURCE_CREATE/DELETE, metadata changes RESOURCE_UPDATE',
        security: [{ accessToken: [], clientId: [] }],
        params: ResourceParams,
        body: PutResourceBody,
        response: { 200: AdminChangeResult, ...errors },
      },
    },
    async (request) => {
      const { group, id } = parseResourceParams(request.params as { resource_group: string; id: string });
      const body = (request.body ?? {}) as PutResourceBody;
      const { result, sequences, head } = await withFeedWriter(ctx.db, (w) => putResource(w, group, id, body), ctx.content.heads);
      return { resource: await toAdminResource(ctx, result), sequences, head };
    },
  );

  app.post(
    '/resources/:resource_group/:id/rows',
    {
      config: ADMIN_AUTH,
      schema: {
        tags: ['admin'],
        summary: 'Upsert and delete rows of a resource (validated against the group registry; 422 applies nothing)',
        security: [{ accessToken: [], clientId: [] }],
        params: ResourceParams,
        body: RowChangesBody,
        response: { 200: AdminChangeResult, ...errors },
      },
    },
    async (request) => {
      const { group, id } = parseResourceParams(request.params as { resource_group: string; id: string });
      const body = (request.body ?? {}) as RowChangesBody;
      const { result, sequences, head } = await withFeedWriter(
        ctx.db,
        async (w) => {
          const resource = await findResource(w, group, id);
          if (!resource) throw standardError(404, `resource ${group}:${id} does not exist; create it with PUT first`);
          const changes = validateRowChanges(group, resource, body);
          return (await applyRowChanges(w, group, resource, changes)).resource;
        },
        ctx.content.heads,
      );
      return { resource: await toAdminResource(ctx, result), sequences, head };
    },
  );

  app.post(
    '/resources/:resource_group/:id/invalidate',
    {
      config: ADMIN_AUTH,
      schema: {
        tags: ['admin'],
        summary: 'Emit RESOURCE_INVALIDATE: clients refetch the whole snapshot',
        security: [{ accessToken: [], clientId: [] }],
        params: ResourceParams,
        response: { 200: AdminChangeResult, ...errors },
      },
    },
    async (request) => {
      const { group, id } = parseResourceParams(request.params as { resource_group: string; id: string });
      const { result, sequences, head } = await withFeedWriter(ctx.db, (w) => invalidateResource(w, group, id), ctx.content.heads);
      return { resource: await toAdminResource(ctx, result), sequences, head };
    },
  );

  app.post(
    '/compact',
    {
      config: ADMIN_AUTH,
      schema: {
        tags: ['admin'],
        summary: 'Run feed compaction and retention now',
        security: [{ accessToken: [], clientId: [] }],
        response: { 200: CompactionResult, ...errors },
      },
    },
    async () => compactContentFeed(ctx.db, { retentionDays: ctx.config.content.retentionDays }),
  );
};

function parseResourceParams(params: { resource_group: string; id: string }): { group: ResourceGroupName; id: number } {
  if (!isResourceGroupName(params.resource_group)) throw standardError(422, `unknown resource group "${params.resource_group.slice(0, 64)}"`);
  const id = /^[0-9]{1,10}$/.test(params.id) ? Number(params.id) : NaN;
  if (!Number.isInteger(id) || id < 1 || id > 2_147_483_647) throw standardError(422, `resource id must be an integer from 1 to 2147483647`);
  return { group: params.resource_group, id };
}

async function toAdminResource(ctx: AppContext, r: ResourceRow): Promise<AdminResource> {
  const count = await ctx.db
    .selectFrom('content_rows')
    .select(sql<number>`count(*)::int`.as('n'))
    .where('resource_group', '=', r.resource_group)
    .where('resource_id', '=', r.resource_id)
    .executeTakeFirstOrThrow();
  return {
    resource_group: r.resource_group as ResourceGroupName,
    resource_id: r.resource_id,
    resource_content_id: r.resource_content_id,
    status: r.status,
    reason: r.reason,
    metadata: r.metadata,
    last_sequence: Number(r.last_sequence),
    row_count: Number(count.n),
  };
}
