import { contentFilterIncludes, RESOURCE_GROUP_REGISTRY, type ContentFilter, type ResourceGroupName } from '@quran-sync/protocol';
import type { ContentDb } from '../content-db.js';

/** The public rows the server holds for a filter, in the reference client's shape (tests only). */
export async function serverPublicState(db: ContentDb, filter: ContentFilter): Promise<Map<string, Map<string, Record<string, unknown>>>> {
  const resources = await db.selectFrom('content_resources').select(['resource_group', 'resource_id']).where('status', '=', 'public').execute();
  const state = new Map<string, Map<string, Record<string, unknown>>>();
  for (const r of resources) {
    if (!contentFilterIncludes(filter, r.resource_group, r.resource_id)) continue;
    const rows = await db
      .selectFrom('content_rows')
      .select(['record_type', 'record_key', 'data'])
      .where('resource_group', '=', r.resource_group)
      .where('resource_id', '=', r.resource_id)
      .execute();
    const map = new Map<string, Record<string, unknown>>();
    for (const row of rows) map.set(`${row.record_type}:${row.record_key}`, row.data);
    state.set(`${r.resource_group}:${r.resource_id}`, map);
  }
  return state;
}

/** Plain-object form for readable `toEqual` diffs. */
export function stateToObject(state: Map<string, Map<string, Record<string, unknown>>>): Record<string, Record<string, unknown>> {
  const out: Record<string, Record<string, unknown>> = {};
  for (const [k, rows] of [...state.entries()].sort(([a], [b]) => (a < b ? -1 : 1))) {
    out[k] = Object.fromEntries([...rows.entries()].sort(([a], [b]) => (a < b ? -1 : 1)));
  }
  return out;
}

export const SINGLE_RECORD_TYPE = (group: ResourceGroupName): string => RESOURCE_GROUP_REGISTRY[group].recordTypes[0]!.name;
