import { Readable } from 'node:stream';
import { sql } from 'kysely';
import { constants as zlibConstants, createBrotliCompress, createGzip, type BrotliCompress, type Gzip } from 'node:zlib';
import { isResourceGroupName, resourceGroupDefinition, type ResourceDigestHeader } from '@quran-sync/protocol';
import { contentSyncError } from '../http/api-error.js';
import type { ContentDb } from './content-db.js';
import { ensureResourceDigest, storedDigest } from './content-digest.js';
import type { FeedHeadSource } from './feed-head-cache.js';
import { snapshotEtag } from './snapshot-cache.js';
import { snapshotBodyPrefix, snapshotRowBatches } from './snapshot-rows.js';
import type { ContentEncoding } from '../http/content-encoding.js';

/**
 * Snapshots (`GET /resources/snapshots/{group}/{id}`), streamed in constant memory: rows are read in keyset
 * batches over `(resource_group, resource_id, sort_key, record_type, record_key)` (no transaction or
 * connection held between batches, so a slow client cannot pin a database connection) and written as JSON
 * text straight from PostgreSQL (`data::text` as UTF-8 bytes, never parsed). `Readable.from` pulls the next
 * batch only when the consumer (socket or compressor) wants more, which is the backpressure.
 *
 * Consistency: batches are separate reads, so a snapshot fetched while an editor writes may mix rows from
 * before and after the edit. That is safe for clients: every such edit has a sequence above the run's
 * `sync_until_sequence` (the snapshot is fetched after the page that announced it) and is replayed by the
 * next incremental run, and row changes carry full rows, so replaying converges (docs/content-sync.md).
 */
export const SNAPSHOT_BATCH_ROWS = 2000;

export interface SnapshotHead {
  readonly group: string;
  readonly id: number;
  readonly resourceContentId: number | null;
  readonly schemaVersion: number;
  readonly lastSequence: number;
  /** Weak: the body also carries the head sequence at fetch time, and encodings differ byte-wise. */
  readonly etag: string;
  /** The digest of the rows at `lastSequence` (docs/integrity.md), sent as `X-Resource-Digest`; null: unknown. */
  readonly digest: ResourceDigestHeader | null;
}

/** Resolves the resource a snapshot request names, or throws the contract's 422/404. */
export async function resolveSnapshot(db: ContentDb, group: string, idParam: string): Promise<SnapshotHead> {
  if (!isResourceGroupName(group)) throw contentSyncError('unknown_resource_group', `unknown resource group "${group.slice(0, 64)}"`);
  const id = /^[0-9]{1,10}$/.test(idParam) ? Number(idParam) : NaN;
  if (!Number.isInteger(id) || id < 1 || id > 2_147_483_647) throw contentSyncError('snapshot_not_found', `no snapshot for ${group}:${idParam.slice(0, 32)}`);
  const resource = await db
    .selectFrom('content_resources')
    .select(['resource_content_id', 'status', 'last_sequence', 'row_count', sql<string | null>`row_digest::text`.as('row_digest')])
    .where('resource_group', '=', group)
    .where('resource_id', '=', id)
    .executeTakeFirst();
  if (resource?.status !== 'public') throw contentSyncError('snapshot_not_found', `no public resource ${group}:${id}`);
  const schemaVersion = resourceGroupDefinition(group).schemaVersion;
  const lastSequence = Number(resource.last_sequence);
  // Resources older than the digest columns get theirs computed once, on first use.
  const digest = storedDigest(resource.row_digest, resource.row_count) ?? (await ensureResourceDigest(db, group, id));
  return {
    group,
    id,
    resourceContentId: resource.resource_content_id,
    schemaVersion,
    lastSequence,
    etag: snapshotEtag(group, id, schemaVersion, lastSequence),
    digest: digest ? { ...digest, sequence: lastSequence } : null,
  };
}

/** True when `If-None-Match` names the current ETag (weak comparison, RFC 9110 §13.1.2). */
export function etagMatches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  if (ifNoneMatch.trim() === '*') return true;
  const opaque = (t: string) => t.trim().replace(/^W\//, '');
  return ifNoneMatch.split(',').some((t) => opaque(t) === opaque(etag));
}

/**
 * The snapshot body as a stream of JSON text (for bodies too large for the snapshot cache). Same layout as
 * the cached bodies: `sync_sequence` last (snapshot-cache.ts).
 */
export function snapshotStream(db: ContentDb, heads: FeedHeadSource, head: SnapshotHead): Readable {
  return Readable.from(snapshotChunks(db, heads, head), { objectMode: false });
}

async function* snapshotChunks(db: ContentDb, heads: FeedHeadSource, head: SnapshotHead): AsyncGenerator<string | Buffer> {
  const { head: syncSequence } = await heads.read();
  yield snapshotBodyPrefix(head, head.resourceContentId);
  yield* snapshotRowBatches(db, head.group, head.id, SNAPSHOT_BATCH_ROWS);
  yield `],"sync_sequence":${Math.max(syncSequence, head.lastSequence)}}`;
}

export type SnapshotEncoding = ContentEncoding;

/** Snapshot encodings in order of preference: brotli, then gzip (see {@link compressor}). */
export const SNAPSHOT_ENCODINGS = ['br', 'gzip'] as const;

/** Brotli runs at quality 4: the default (11) is far too slow for streaming large snapshots. */
export function compressor(encoding: Exclude<SnapshotEncoding, 'identity'>): Gzip | BrotliCompress {
  return encoding === 'gzip'
    ? createGzip()
    : createBrotliCompress({ params: { [zlibConstants.BROTLI_PARAM_QUALITY]: 4, [zlibConstants.BROTLI_PARAM_MODE]: zlibConstants.BROTLI_MODE_TEXT } });
}
