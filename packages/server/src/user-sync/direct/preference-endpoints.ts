import { DirectPreferenceGroups, directSuccess, isPreferenceGroup, isValidPreferenceValue, readPreferenceGroupValue } from '@quran-sync/protocol';
import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import type { AppContext } from '../../app-context.js';
import { requireAuth } from '../../auth/auth-guard.js';
import type { Database } from '../../db/schema.js';
import { setPreference } from '../appliers/preference-applier.js';
import { directWrite } from './direct-write.js';
import { mushafQuery, objectBody, orRefuse, refuse } from './direct-params.js';
import { directDocs, HANDLER_VALIDATED, MUSHAF_QUERY, PREFERENCE_BODY, PREFERENCE_BULK_BODY } from './direct-route-docs.js';

const TAGS = ['Preferences'];
const security = [{ accessToken: [], clientId: [] }];

/**
 * `/preferences` (QF "Preferences"): groups of settings (theme, reading, quranReaderStyles, …). `mushafId`
 * is accepted and validated as QF documents it; preferences are stored per user, not per mushaf.
 */
export function registerPreferenceEndpoints(app: FastifyInstance, ctx: AppContext): void {
  const scope = (action: string) => ({ auth: { scopes: [`preference.${action}`], user: true } });

  app.get(
    '/preferences',
    {
      config: scope('read'),
      schema: {
        tags: TAGS,
        summary: 'All preference groups',
        security,
        ...directDocs({ answer: directSuccess(DirectPreferenceGroups), query: [MUSHAF_QUERY] }),
      },
      ...HANDLER_VALIDATED,
    },
    async (request) => {
      mushafQuery(request.query as Record<string, unknown>);
      return { success: true, data: await allPreferences(ctx.db, requireAuth(request).userId as string) };
    },
  );

  app.post(
    '/preferences',
    {
      config: scope('update'),
      schema: {
        tags: TAGS,
        summary: 'Set one preference {group, key, value}',
        security,
        ...directDocs({ answer: directSuccess(DirectPreferenceGroups), query: [MUSHAF_QUERY], body: PREFERENCE_BODY, write: true }),
      },
      ...HANDLER_VALIDATED,
    },
    (request, reply) => {
      mushafQuery(request.query as Record<string, unknown>);
      const body = objectBody(request.body);
      const { group, key, value } = body;
      if (group === undefined) refuse('Missing group');
      if (!isPreferenceGroup(group)) refuse('Invalid group');
      if (typeof key !== 'string') refuse(key === undefined ? 'Missing key' : 'Invalid key');
      if (value === undefined) refuse('Missing value');
      if (!isValidPreferenceValue(group as string, key as string, value)) refuse(`Invalid value for ${String(group)}.${String(key)}`);
      return directWrite(ctx, request, reply, {
        apply: async (write) => (await setPreference(write, group as string, { [key as string]: value }, 'merge')).row,
        respond: (row) => ({ [row.group_name]: row.value }),
      });
    },
  );

  app.post(
    '/preferences/bulk',
    {
      config: scope('update'),
      schema: {
        tags: TAGS,
        summary: 'Set several preference groups',
        security,
        ...directDocs({ answer: directSuccess(DirectPreferenceGroups), query: [MUSHAF_QUERY], body: PREFERENCE_BULK_BODY, write: true }),
      },
      ...HANDLER_VALIDATED,
    },
    (request, reply) => {
      mushafQuery(request.query as Record<string, unknown>);
      const body = objectBody(request.body);
      const groups = Object.entries(body);
      if (groups.length === 0) refuse('Missing preferences');
      const parsed = groups.map(([group, value]) => {
        if (!isPreferenceGroup(group)) refuse(`Invalid group: ${group}`);
        return [group, orRefuse(readPreferenceGroupValue(group, value))] as const;
      });
      return directWrite(ctx, request, reply, {
        apply: async (write) => {
          for (const [group, value] of parsed) await setPreference(write, group, value, 'merge');
          return allPreferences(await write.db(), write.userId);
        },
        respond: (all) => all,
      });
    },
  );
}

async function allPreferences(db: Kysely<Database>, userId: string): Promise<Record<string, unknown>> {
  const rows = await db
    .selectFrom('user_preferences')
    .select(['group_name', 'value'])
    .where('user_id', '=', userId)
    .where('deleted_at', 'is', null)
    .orderBy('group_name')
    .execute();
  return Object.fromEntries(rows.map((row) => [row.group_name, row.value]));
}
