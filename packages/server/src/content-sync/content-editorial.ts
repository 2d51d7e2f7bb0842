import { isDeepStrictEqual } from 'node:util';
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import type { TObject } from '@sinclair/typebox';
import {
  expectedResourceContentId,
  recordKeyOf,
  recordTypeDefinition,
  resourceGroupDefinition,
  rowSortKey,
  type ResourceGroupName,
  type ResourceStatus,
} from '@quran-sync/protocol';
import { standardError } from '../http/api-error.js';
import { applyDigestDelta, DigestDelta, digestDeltaColumns, storeRecomputedDigest } from './content-digest.js';
import type { FeedWriter } from './content-feed-writer.js';
import type { ContentResourceTable } from './content-tables.js';
import { sql, type Selectable } from 'kysely';

/**
 * Editorial operations. Each runs inside a `withFeedWriter` transaction and appends exactly the changes
 * the visibility rules of content-sync.md prescribe:
 *
 * - created public, or not public → public: `RESOURCE_CREATE` (clients fetch the snapshot);
 * - public → hidden/rejected/unapproved/deleted: one `RESOURCE_DELETE` with the status as reason;
 * - public, metadata changed: `RESOURCE_UPDATE`; public, `resource_content_id` changed: `RESOURCE_INVALIDATE`
 *   (rows repeat the id, so clients must refetch);
 * - row changes of a public resource: `ROW_CREATE`/`ROW_UPDATE` (with the full row) and `ROW_DELETE`; row
 *   changes of a resource that is not public are stored but never emitted (its next `RESOURCE_CREATE`
 *   makes clients fetch them in the snapshot).
 *
 * Invalid input throws before anything is written, and the transaction rolls back on any error, so a bad
 * call leaves the data untouched.
 */
export type ResourceRow = Selectable<ContentResourceTable>;

export interface PutResourceInput {
  readonly resource_content_id?: number | null | undefined;
  readonly status?: ResourceStatus | undefined;
  readonly reason?: string | null | undefined;
  readonly metadata?: Record<string, unknown> | undefined;
}

export async function findResource(writer: FeedWriter, group: string, id: number): Promise<ResourceRow | undefined> {
  return writer.trx.selectFrom('content_resources').selectAll().where('resource_group', '=', group).where('resource_id', '=', id).executeTakeFirst();
}

export async function putResource(writer: FeedWriter, group: ResourceGroupName, id: number, input: PutResourceInput): Promise<ResourceRow> {
  const existing = await findResource(writer, group, id);
  const rule = resourceGroupDefinition(group).resourceContentId;
  const givenRcid = input.resource_content_id;
  let rcid: number | null;
  if (rule === 'own') {
    if (givenRcid === null) throw standardError(422, `resources of ${group} need a resource_content_id of their own`);
    rcid = givenRcid ?? existing?.resource_content_id ?? null;
    if (rcid === null) throw standardError(422, `resources of ${group} need a resource_content_id of their own`);
  } else {
    const expected = expectedResourceContentId(group, id, givenRcid) as number | null;
    if (givenRcid !== undefined && givenRcid !== expected) {
      throw standardError(422, `resource_content_id of ${group} resources is ${rule === 'null' ? 'always null' : 'the resource id'} (got ${givenRcid})`);
    }
    rcid = expected;
  }
  const status: ResourceStatus = input.status ?? existing?.status ?? 'public';
  const metadata = input.metadata ?? existing?.metadata ?? {};
  const reason =
    input.reason !== undefined ? input.reason : input.status !== undefined && input.status !== existing?.status ? null : (existing?.reason ?? null);

  if (!existing) {
    let lastSequence = 0;
    let publicSince: number | null = null;
    if (status === 'public') {
      lastSequence = publicSince = writer.append({ type: 'RESOURCE_CREATE', resourceGroup: group, resourceId: id, resourceContentId: rcid });
    }
    return writer.trx
      .insertInto('content_resources')
      .values({
        resource_group: group,
        resource_id: id,
        resource_content_id: rcid,
        status,
        reason,
        metadata: JSON.stringify(metadata),
        last_sequence: lastSequence,
        public_since_sequence: publicSince,
        updated_at: writer.now,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
  }

  const wasPublic = existing.status === 'public';
  const isPublic = status === 'public';
  const rcidChanged = rcid !== existing.resource_content_id;
  const metadataChanged = !isDeepStrictEqual(metadata, existing.metadata);
  let lastSequence = existing.last_sequence;
  let publicSince = existing.public_since_sequence;

  if (rcidChanged) {
    // Rows that repeat the resource's content id follow it, so snapshots stay self-consistent.
    for (const t of resourceGroupDefinition(group).recordTypes) {
      if (!t.inherited.includes('resource_content_id')) continue;
      await writer.trx
        .updateTable('content_rows')
        // The parameter is typed: an untyped one is `unknown` to PostgreSQL, which to_jsonb cannot take.
        .set({ data: sql`jsonb_set(data, '{resource_content_id}', to_jsonb(${rcid}::integer))` as never })
        .where('resource_group', '=', group)
        .where('resource_id', '=', id)
        .where('record_type', '=', t.name)
        .execute();
    }
    // Changed by SQL rather than row by row: the digest is recomputed from the rows (rare, editorial).
    await storeRecomputedDigest(writer.trx, group, id);
  }

  if (wasPublic && !isPublic) {
    lastSequence = writer.append({ type: 'RESOURCE_DELETE', resourceGroup: group, resourceId: id, resourceContentId: rcid, unavailableReason: status });
    publicSince = null;
  } else if (!wasPublic && isPublic) {
    lastSequence = publicSince = writer.append({ type: 'RESOURCE_CREATE', resourceGroup: group, resourceId: id, resourceContentId: rcid });
  } else if (wasPublic && isPublic && rcidChanged) {
    lastSequence = writer.append({ type: 'RESOURCE_INVALIDATE', resourceGroup: group, resourceId: id, resourceContentId: rcid });
  } else if (wasPublic && isPublic && metadataChanged) {
    lastSequence = writer.append({ type: 'RESOURCE_UPDATE', resourceGroup: group, resourceId: id, resourceContentId: rcid });
  }

  return writer.trx
    .updateTable('content_resources')
    .set({
      resource_content_id: rcid,
      status,
      reason,
      metadata: JSON.stringify(metadata),
      last_sequence: lastSequence,
      public_since_sequence: publicSince,
      updated_at: writer.now,
    })
    .where('resource_group', '=', group)
    .where('resource_id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** `RESOURCE_INVALIDATE`: clients refetch the whole snapshot. Only a public resource can be invalidated. */
export async function invalidateResource(writer: FeedWriter, group: ResourceGroupName, id: number): Promise<ResourceRow> {
  const existing = await findResource(writer, group, id);
  if (!existing) throw standardError(404, `resource ${group}:${id} does not exist`);
  if (existing.status !== 'public') throw standardError(409, `resource ${group}:${id} is ${existing.status}; only a public resource can be invalidated`);
  const sequence = writer.append({ type: 'RESOURCE_INVALIDATE', resourceGroup: group, resourceId: id, resourceContentId: existing.resource_content_id });
  return writer.trx
    .updateTable('content_resources')
    .set({ last_sequence: sequence, updated_at: writer.now })
    .where('resource_group', '=', group)
    .where('resource_id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow();
}

export interface RowChangesInput {
  readonly upsert?: readonly Record<string, unknown>[] | undefined;
  readonly delete?: readonly { readonly record_type: string; readonly id: number }[] | undefined;
}

export interface ValidRow {
  readonly recordType: string;
  readonly recordKey: string;
  readonly sortKey: string;
  readonly data: Record<string, unknown>;
}

const checkers = new Map<TObject, TypeCheck<TObject>>();
function checkerFor(schema: TObject): TypeCheck<TObject> {
  let c = checkers.get(schema);
  if (!c) {
    c = TypeCompiler.Compile(schema);
    checkers.set(schema, c);
  }
  return c;
}

/**
 * Validates editor rows against the group registry and normalises them to what is stored: inherited fields
 * filled from the resource, `record_type` kept in the data only for groups whose rows carry it. Throws one
 * 422 naming every problem (up to 20) before anything is written.
 */
export function validateRowChanges(
  group: ResourceGroupName,
  resource: Pick<ResourceRow, 'resource_id' | 'resource_content_id'>,
  input: RowChangesInput,
): { upserts: ValidRow[]; deletes: { recordType: string; recordKey: string }[] } {
  const def = resourceGroupDefinition(group);
  const problems: string[] = [];
  const upserts: ValidRow[] = [];
  const seen = new Set<string>();
  const single = def.recordTypes.length === 1 ? def.recordTypes[0]!.name : null;

  (input.upsert ?? []).forEach((raw, index) => {
    const where = `upsert[${index}]`;
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
      problems.push(`${where}: must be an object`);
      return;
    }
    const recordType = raw.record_type ?? single;
    if (typeof recordType !== 'string') {
      problems.push(`${where}: record_type is required (one of ${def.recordTypes.map((t) => t.name).join(', ')})`);
      return;
    }
    const type = recordTypeDefinition(group, recordType);
    if (!type) {
      problems.push(`${where}: record type "${recordType}" does not exist in ${group} (one of ${def.recordTypes.map((t) => t.name).join(', ')})`);
      return;
    }
    const data: Record<string, unknown> = { ...raw };
    if (def.recordTypeInData) data.record_type = recordType;
    else delete data.record_type;
    for (const field of type.inherited) {
      if (data[field] === undefined) data[field] = field === 'resource_id' ? resource.resource_id : resource.resource_content_id;
    }
    const check = checkerFor(type.schema);
    const label = `${where} (${recordType}${typeof raw.id === 'number' ? ` ${raw.id}` : ''})`;
    if (!check.Check(data)) {
      const first = [...check.Errors(data)].slice(0, 3).map((e) => `${e.path || '/'} ${e.message}`);
      problems.push(`${label}: ${first.join('; ')}`);
      return;
    }
    for (const field of type.inherited) {
      const expected = field === 'resource_id' ? resource.resource_id : resource.resource_content_id;
      if (data[field] !== expected) problems.push(`${where} (${recordType} ${String(data.id)}): ${field} must be ${String(expected)}, the resource's`);
    }
    const recordKey = recordKeyOf(data.id as number);
    const key = `${recordType}\u0000${recordKey}`;
    if (seen.has(key)) {
      problems.push(`${where}: ${recordType} ${recordKey} appears more than once`);
      return;
    }
    seen.add(key);
    upserts.push({ recordType, recordKey, sortKey: rowSortKey(group, recordType, data), data });
  });

  const deletes: { recordType: string; recordKey: string }[] = [];
  (input.delete ?? []).forEach((d, index) => {
    if (!recordTypeDefinition(group, d.record_type)) {
      problems.push(`delete[${index}]: record type "${d.record_type}" does not exist in ${group}`);
      return;
    }
    const key = `${d.record_type}\u0000${recordKeyOf(d.id)}`;
    if (seen.has(key)) {
      problems.push(`delete[${index}]: ${d.record_type} ${d.id} is also upserted or deleted twice`);
      return;
    }
    seen.add(key);
    deletes.push({ recordType: d.record_type, recordKey: recordKeyOf(d.id) });
  });

  if (problems.length > 0) {
    const shown = problems.slice(0, 20);
    throw standardError(
      422,
      `Invalid rows, nothing was applied: ${shown.join(' | ')}${problems.length > shown.length ? ` | … ${problems.length - shown.length} more` : ''}`,
    );
  }
  return { upserts, deletes };
}

export interface RowChangeCounts {
  created: number;
  updated: number;
  deleted: number;
  unchanged: number;
}

const BATCH = 1000;

/**
 * Applies validated row changes to a resource. Rows identical to the stored ones are left alone and emit
 * nothing, so re-sending the same rows is harmless.
 */
export async function applyRowChanges(
  writer: FeedWriter,
  group: ResourceGroupName,
  resource: ResourceRow,
  changes: ReturnType<typeof validateRowChanges>,
  options: { readonly resourceIsNew?: boolean } = {},
): Promise<{ resource: ResourceRow; counts: RowChangeCounts }> {
  const counts: RowChangeCounts = { created: 0, updated: 0, deleted: 0, unchanged: 0 };
  const emit = resource.status === 'public';
  let lastSequence = resource.last_sequence;
  const base = { resourceGroup: group, resourceId: resource.resource_id, resourceContentId: resource.resource_content_id };
  // The resource's digest moves in this transaction, by the hashes of exactly the rows written or deleted.
  const digest = new DigestDelta();

  for (let i = 0; i < changes.upserts.length; i += BATCH) {
    const batch = changes.upserts.slice(i, i + BATCH);
    // A resource created in this same transaction has no rows yet (the seed), so there is nothing to compare.
    const existing = options.resourceIsNew ? new Map<string, unknown>() : await loadRows(writer, group, resource.resource_id, batch);
    const toWrite: ValidRow[] = [];
    for (const r of batch) {
      const old = existing.get(`${r.recordType}\u0000${r.recordKey}`);
      if (old !== undefined && isDeepStrictEqual(old, JSON.parse(JSON.stringify(r.data)))) {
        counts.unchanged++;
        continue;
      }
      toWrite.push(r);
      if (old === undefined) counts.created++;
      else counts.updated++;
      if (old !== undefined) digest.removed(r.recordType, r.recordKey, old);
      digest.added(r.recordType, r.recordKey, r.data);
      if (emit) {
        lastSequence = writer.append({
          ...base,
          type: old === undefined ? 'ROW_CREATE' : 'ROW_UPDATE',
          recordType: r.recordType,
          recordKey: r.recordKey,
          data: r.data,
        });
      }
    }
    if (toWrite.length > 0) {
      // One JSON parameter per batch instead of six per row: binding thousands of parameters is what makes
      // bulk loads slow on PGlite; the database unpacks the batch itself.
      const batchJson = JSON.stringify(toWrite.map((r) => ({ t: r.recordType, k: r.recordKey, s: r.sortKey, d: r.data })));
      await sql`
        insert into content_rows (resource_group, resource_id, record_type, record_key, sort_key, data)
        select ${group}, ${resource.resource_id}, x.t, x.k, x.s, x.d
        from jsonb_to_recordset(${batchJson}::jsonb) as x(t text, k text, s text, d jsonb)
        on conflict (resource_group, resource_id, record_type, record_key)
        do update set sort_key = excluded.sort_key, data = excluded.data`.execute(writer.trx);
    }
  }

  for (let i = 0; i < changes.deletes.length; i += BATCH) {
    const batch = changes.deletes.slice(i, i + BATCH);
    const existing = await loadRows(writer, group, resource.resource_id, batch);
    const present = batch.filter((d) => existing.has(`${d.recordType}\u0000${d.recordKey}`));
    counts.unchanged += batch.length - present.length;
    if (present.length === 0) continue;
    for (const d of present) {
      counts.deleted++;
      digest.removed(d.recordType, d.recordKey, existing.get(`${d.recordType}\u0000${d.recordKey}`));
      if (emit) lastSequence = writer.append({ ...base, type: 'ROW_DELETE', recordType: d.recordType, recordKey: d.recordKey });
    }
    for (const [recordType, recordKeys] of groupKeysByType(present)) {
      await writer.trx
        .deleteFrom('content_rows')
        .where('resource_group', '=', group)
        .where('resource_id', '=', resource.resource_id)
        .where('record_type', '=', recordType)
        .where('record_key', 'in', recordKeys)
        .execute();
    }
  }

  if (lastSequence === resource.last_sequence) {
    // Not public (nothing emitted): the digest still moves, in a statement of its own.
    await applyDigestDelta(writer.trx, group, resource.resource_id, digest);
    return { resource, counts };
  }
  const updated = await writer.trx
    .updateTable('content_resources')
    .set({ last_sequence: lastSequence, updated_at: writer.now, ...digestDeltaColumns(digest) })
    .where('resource_group', '=', group)
    .where('resource_id', '=', resource.resource_id)
    .returningAll()
    .executeTakeFirstOrThrow();
  return { resource: updated, counts };
}

async function loadRows(
  writer: FeedWriter,
  group: string,
  resourceId: number,
  keys: readonly { recordType: string; recordKey: string }[],
): Promise<Map<string, unknown>> {
  const map = new Map<string, unknown>();
  if (keys.length === 0) return map;
  for (const [recordType, recordKeys] of groupKeysByType(keys)) {
    const rows = await writer.trx
      .selectFrom('content_rows')
      .select(['record_key', 'data'])
      .where('resource_group', '=', group)
      .where('resource_id', '=', resourceId)
      .where('record_type', '=', recordType)
      .where('record_key', 'in', recordKeys)
      .execute();
    for (const r of rows) map.set(`${recordType}\u0000${r.record_key}`, r.data);
  }
  return map;
}

function groupKeysByType(keys: readonly { recordType: string; recordKey: string }[]): Map<string, string[]> {
  const byType = new Map<string, string[]>();
  for (const k of keys) {
    const list = byType.get(k.recordType) ?? [];
    list.push(k.recordKey);
    byType.set(k.recordType, list);
  }
  return byType;
}
