import { INTEGRITY_ALGORITHM, parseContentFilter, type ContentDigestsResponse, type ContentFilter, type ContentResourceDigest } from '@quran-sync/protocol';
import { sql } from 'kysely';
import { contentSyncError } from '../http/api-error.js';
import type { ContentDb } from './content-db.js';
import { ensureResourceDigest, storedDigest } from './content-digest.js';
import { filterCondition } from './content-sync-query.js';
import type { FeedHeadSource } from './feed-head-cache.js';
import { filterHash, type SyncTokenCodec } from './sync-token-codec.js';

/**
 * `GET /resources/digests?resources=…[&sync_token=…]` (docs/integrity.md): the digest of every resource of a
 * filter, for a client to compare with what it holds after a run.
 *
 * With the run's token, digests are comparable at the token's checkpoint S: a resource whose latest change
 * is above S is listed with `digest: null` (whatever its status, so the client does not mistake a resource
 * hidden after S for a stray one), and every other listed resource is public with its digest, which the
 * rows held at S must match. A resource the filter names that is not listed is not public at S: a client
 * holding rows for it holds stray rows. Without a token, S is the head.
 *
 * The token is checked like the sync endpoint checks it (410 `resync_required` when unreadable or ahead of
 * the head, 422 `token_filter_mismatch` for another filter), except for age: a digest needs no history.
 */
export interface DigestsQuery {
  readonly resources?: unknown;
  readonly sync_token?: unknown;
}

export async function serveContentDigests(
  options: { readonly db: ContentDb; readonly heads: FeedHeadSource; readonly codec: SyncTokenCodec },
  query: DigestsQuery,
): Promise<ContentDigestsResponse> {
  const parsed = parseContentFilter(query.resources);
  if (!parsed.ok) throw contentSyncError(parsed.error.code, parsed.error.message);
  const filter = parsed.filter;
  let sequence: number;
  if (query.sync_token !== undefined && query.sync_token !== '') {
    const decoded = typeof query.sync_token === 'string' ? options.codec.decodeToken(query.sync_token) : null;
    if (!decoded)
      throw contentSyncError('resync_required', 'sync_token is not valid (unreadable, bad signature or unknown version); drop the token and bootstrap again');
    let { head } = await options.heads.read();
    if (decoded.sequence > head) head = (await options.heads.readCommitted()).head;
    if (decoded.sequence > head) throw contentSyncError('resync_required', 'sync_token is ahead of the server head; drop the token and bootstrap again');
    if (decoded.filterHash !== filterHash(filter.canonical))
      throw contentSyncError('token_filter_mismatch', 'sync_token was issued for another resources filter');
    sequence = decoded.sequence;
  } else {
    sequence = (await options.heads.read()).head;
  }
  return { digests: { algorithm: INTEGRITY_ALGORITHM, sequence, resources: await resourceDigests(options.db, filter, sequence) } };
}

async function resourceDigests(db: ContentDb, filter: ContentFilter, sequence: number): Promise<ContentResourceDigest[]> {
  const rows = await db
    .selectFrom('content_resources')
    .select(['resource_group', 'resource_id', 'status', 'last_sequence', 'row_count', sql<string | null>`row_digest::text`.as('row_digest')])
    .where((eb) => filterCondition(eb as never, filter))
    .where((eb) => eb.or([eb('status', '=', 'public'), eb('last_sequence', '>', sequence)]))
    .orderBy('resource_group')
    .orderBy('resource_id')
    .execute();
  const out: ContentResourceDigest[] = [];
  for (const r of rows) {
    const lastSequence = Number(r.last_sequence);
    const comparable = r.status === 'public' && lastSequence <= sequence;
    const digest = comparable ? (storedDigest(r.row_digest, r.row_count) ?? (await ensureResourceDigest(db, r.resource_group, r.resource_id))) : null;
    out.push({
      resource_group: r.resource_group,
      resource_id: r.resource_id,
      last_sequence: lastSequence,
      row_count: digest?.count ?? null,
      digest: digest?.digest ?? null,
    });
  }
  return out;
}
