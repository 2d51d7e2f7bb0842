import { CONTENT_LINK_PREFIX, CONTENT_SYNC_PER_PAGE, parseContentFilter, type ContentFilter, type ContentSyncResponse } from '@quran-sync/protocol';
import { contentSyncError } from '../http/api-error.js';
import type { ContentDb } from './content-db.js';
import type { FeedHead, FeedHeadSource } from './feed-head-cache.js';
import { bootstrapPage, incrementalPage } from './content-sync-query.js';
import { filterHash, type SyncCursorPayload, type SyncTokenCodec } from './sync-token-codec.js';

/**
 * `GET /resources/sync`: validates the query in the contract's order of concerns, then serves one page.
 *
 * Validation order (each step answers with the first failing code): `per_page` (invalid_per_page) →
 * with a cursor: cursor signature/version/age/head/retention (resync_required), `resources` if given
 * (invalid_resources / unknown_resource_group / cursor_filter_mismatch), `per_page` if given
 * (cursor_per_page_mismatch) → without a cursor: `resources` (invalid_resources / unknown_resource_group),
 * `bootstrap`/`sync_token` combination (invalid_request), token signature/age/head/retention
 * (resync_required), token filter (token_filter_mismatch). Unknown parameters (`language`, …) are ignored.
 */
export interface SyncQuery {
  readonly resources?: unknown;
  readonly bootstrap?: unknown;
  readonly sync_token?: unknown;
  readonly cursor?: unknown;
  readonly per_page?: unknown;
}

export interface SyncServiceOptions {
  readonly db: ContentDb;
  /** The committed head (in memory in the server; see feed-head-cache.ts). */
  readonly heads: FeedHeadSource;
  readonly codec: SyncTokenCodec;
  readonly retentionDays: number;
  /** How long a cursor stays valid; background compaction never removes entries younger than this. */
  readonly cursorTtlSeconds: number;
  readonly now?: () => number;
}

/** A run's cursors live this long; compaction keeps every entry superseded more recently than this. */
export const CURSOR_TTL_SECONDS = 24 * 3600;

/** A no-change poll answers with the client's own token while it is younger than this. */
const TOKEN_REUSE_SECONDS = 24 * 3600;

export async function serveSyncPage(options: SyncServiceOptions, query: SyncQuery): Promise<ContentSyncResponse> {
  const nowSeconds = Math.floor((options.now?.() ?? Date.now()) / 1000);
  const perPageGiven = parsePerPage(query.per_page);

  if (query.cursor !== undefined) {
    const cursor = typeof query.cursor === 'string' ? options.codec.decodeCursor(query.cursor) : null;
    if (!cursor) throw resync('cursor is not valid (unreadable, bad signature or unknown version)');
    if (cursor.issuedAt + options.cursorTtlSeconds < nowSeconds) throw resync('cursor has expired; start the run again from your sync token');
    if (query.resources !== undefined) {
      const filter = parseFilter(query.resources);
      if (filter.canonical !== cursor.filter)
        throw contentSyncError('cursor_filter_mismatch', 'cursor was issued for another resources filter; follow next_page_url verbatim');
    }
    if (perPageGiven !== null && perPageGiven !== cursor.perPage) {
      throw contentSyncError('cursor_per_page_mismatch', `cursor was issued for per_page=${cursor.perPage}; follow next_page_url verbatim`);
    }
    const filterResult = parseCachedFilter(cursor.filter);
    if (!filterResult.ok) throw resync('cursor names a filter this server no longer accepts');
    const refused = (h: FeedHead) => cursor.until > h.head || (cursor.phase === 'incremental' && cursor.tokenSequence < h.retentionFloor);
    let at = await options.heads.read();
    // A cached head may lag (never lead): confirm against the committed head before refusing; an incremental
    // run's page is checked against the committed retention floor (a cached floor may lag, see below).
    if (refused(at) || cursor.phase === 'incremental') at = await options.heads.readCommitted();
    if (cursor.until > at.head) throw resync('cursor is ahead of the server head');
    if (cursor.phase === 'incremental' && cursor.tokenSequence < at.retentionFloor) throw resync('changes since this checkpoint are no longer retained');
    return page(options, filterResult.filter, cursor, nowSeconds);
  }

  const filter = parseFilter(query.resources);
  const bootstrap = parseBootstrap(query.bootstrap);
  const token = query.sync_token;
  const hasToken = token !== undefined && token !== '';
  if (bootstrap && hasToken) throw contentSyncError('invalid_request', 'send either bootstrap=true or sync_token, not both');
  if (!bootstrap && !hasToken) throw contentSyncError('invalid_request', 'send bootstrap=true (first sync) or sync_token (incremental sync)');
  const perPage = perPageGiven ?? CONTENT_SYNC_PER_PAGE.default;

  if (bootstrap) {
    const { head } = await options.heads.read();
    return page(
      options,
      filter,
      { filter: filter.canonical, perPage, until: head, phase: 'bootstrap', afterResource: null, afterSequence: 0, tokenSequence: 0, issuedAt: nowSeconds },
      nowSeconds,
    );
  }
  const decoded = typeof token === 'string' ? options.codec.decodeToken(token) : null;
  if (!decoded) throw resync('sync_token is not valid (unreadable, bad signature or unknown version)');
  let at = await options.heads.read();
  // A cached head may lag (never lead): confirm against the committed head before refusing. The cached
  // retention floor may lag too, and a token below the real floor must not be served a page (compaction
  // deleted part of its history): a token with changes to read is checked against the committed floor —
  // one primary-key read beside the page's own queries; a no-change poll reads nothing and needs none.
  if (decoded.sequence !== at.head || decoded.sequence < at.retentionFloor) at = await options.heads.readCommitted();
  const { head, retentionFloor } = at;
  if (decoded.sequence > head) throw resync('sync_token is ahead of the server head');
  if (decoded.sequence < retentionFloor || decoded.issuedAt < nowSeconds - options.retentionDays * 86_400) {
    throw resync(`sync_token is older than the retention horizon (${options.retentionDays} days)`);
  }
  if (decoded.filterHash !== filterHash(filter.canonical))
    throw contentSyncError('token_filter_mismatch', 'sync_token was issued for another resources filter');
  if (decoded.sequence === head && decoded.issuedAt >= nowSeconds - TOKEN_REUSE_SECONDS) {
    // Nothing changed: the contract allows the same token back, which spares the HMAC and deflate of a new
    // one. It is re-issued (fresh issue time) once a day, so a client whose content never changes does not
    // age out of the retention horizon.
    return { sync: { sync_until_sequence: head, has_more: false, next_page_url: null, next_sync_token: token as string, mutations: [] } };
  }
  return page(
    options,
    filter,
    {
      filter: filter.canonical,
      perPage,
      until: head,
      phase: 'incremental',
      afterResource: null,
      afterSequence: decoded.sequence,
      tokenSequence: decoded.sequence,
      issuedAt: nowSeconds,
    },
    nowSeconds,
  );
}

async function page(options: SyncServiceOptions, filter: ContentFilter, at: SyncCursorPayload, nowSeconds: number): Promise<ContentSyncResponse> {
  let mutations: ContentSyncResponse['sync']['mutations'];
  let nextCursor: SyncCursorPayload | null = null;
  if (at.phase === 'bootstrap') {
    const after = at.afterResource ? { group: at.afterResource[0], id: at.afterResource[1] } : null;
    const result = await bootstrapPage(options.db, filter, at.until, at.perPage, after);
    mutations = result.mutations;
    if (result.next) nextCursor = { ...at, afterResource: [result.next.group, result.next.id] };
  } else if (at.afterSequence >= at.until) {
    // Nothing can lie in an empty window: the common "no changes" poll costs one read of the head.
    mutations = [];
  } else {
    const result = await incrementalPage(options.db, filter, at.until, at.perPage, at.afterSequence);
    mutations = result.mutations;
    if (result.next !== null) nextCursor = { ...at, afterSequence: result.next };
  }
  const hasMore = nextCursor !== null;
  return {
    sync: {
      sync_until_sequence: at.until,
      has_more: hasMore,
      next_page_url: nextCursor
        ? `${CONTENT_LINK_PREFIX}/resources/sync?cursor=${encodeURIComponent(options.codec.encodeCursor(nextCursor))}&per_page=${at.perPage}`
        : null,
      next_sync_token: hasMore ? null : options.codec.encodeToken({ sequence: at.until, filterHash: filterHash(filter.canonical), issuedAt: nowSeconds }),
      mutations,
    },
  };
}

function resync(message: string) {
  return contentSyncError('resync_required', `${message}; drop the token and bootstrap again`);
}

function parseFilter(resources: unknown): ContentFilter {
  const result = parseCachedFilter(resources);
  if (!result.ok) throw contentSyncError(result.error.code, result.error.message);
  return result.filter;
}

function parsePerPage(value: unknown): number | null {
  if (value === undefined) return null;
  if (typeof value !== 'string' || !/^[0-9]{1,4}$/.test(value)) {
    throw contentSyncError('invalid_per_page', `per_page must be an integer from ${CONTENT_SYNC_PER_PAGE.min} to ${CONTENT_SYNC_PER_PAGE.max}`);
  }
  const n = Number(value);
  if (n < CONTENT_SYNC_PER_PAGE.min || n > CONTENT_SYNC_PER_PAGE.max) {
    throw contentSyncError('invalid_per_page', `per_page must be an integer from ${CONTENT_SYNC_PER_PAGE.min} to ${CONTENT_SYNC_PER_PAGE.max} (got ${n})`);
  }
  return n;
}

function parseBootstrap(value: unknown): boolean {
  if (value === undefined || value === '' || value === 'false' || value === '0') return false;
  if (value === 'true' || value === '1') return true;
  throw contentSyncError('invalid_request', 'bootstrap must be true or false');
}

// Filters repeat (every client of an app sends the same one): parsed results by raw text, bounded.
const parsedFilters = new Map<string, ReturnType<typeof parseContentFilter>>();
const PARSED_FILTERS_MAX = 1_000;

function parseCachedFilter(resources: unknown): ReturnType<typeof parseContentFilter> {
  if (typeof resources !== 'string' || resources.length > 1_024) return parseContentFilter(resources);
  let result = parsedFilters.get(resources);
  if (!result) {
    result = parseContentFilter(resources);
    if (parsedFilters.size >= PARSED_FILTERS_MAX) parsedFilters.delete(parsedFilters.keys().next().value!);
    parsedFilters.set(resources, result);
  }
  return result;
}
