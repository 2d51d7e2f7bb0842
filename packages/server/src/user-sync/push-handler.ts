import {
  canAccessResource,
  DEFAULT_MUSHAF_ID,
  HEADERS,
  MutationValidationError,
  scopeActionOf,
  syncMessages,
  USER_SYNC_ERROR_CODES,
  validatePushBody,
  type BookmarkLocation,
  type SyncMutationEntry,
  type ValidatedMutation,
} from '@quran-sync/protocol';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../app-context.js';
import { requireAuth } from '../auth/auth-guard.js';
import { isUniqueViolation } from '../db/constraint-violation.js';
import { standardError, syncError } from '../http/api-error.js';
import { sendJson } from '../http/compressed-json.js';
import { ApplyError, applyErrorToSync } from './apply-error.js';
import type { AppliedResource } from './appliers/applied-resource.js';
import { createBookmark, deleteBookmarkById, locationKey, prefetchFreeLocations, updateBookmark } from './appliers/bookmark-applier.js';
import { createLink, deleteLink } from './appliers/collection-bookmark-applier.js';
import { createCollection, deleteCollection, upsertCollection } from './appliers/collection-applier.js';
import { deleteNote, upsertNote } from './appliers/note-applier.js';
import { deletePreference, setPreference } from './appliers/preference-applier.js';
import { createSession, deleteSession, upsertSession } from './appliers/reading-session-applier.js';
import { hashRequest, readIdempotencyKey } from './idempotency-store.js';
import { MALFORMED_JSON } from './json-body.js';
import { pushBodyDetails } from './push-body-details.js';
import { pushWritePaths } from './push-write-paths.js';
import { readLastMutationAt } from './pull-params.js';
import type { UserWriteContext } from './user-write-context.js';
import { runUserWrite, speculateUserWrite } from './user-write-transaction.js';

/**
 * `POST /v1/sync?lastMutationAt=H` (user-sync.md). Order of refusal: malformed batch (422, nothing read from
 * storage), out-of-scope resource (403 for the whole batch), missing/invalid `lastMutationAt` (422), stale
 * head (409), a mutation the stored state refuses (422 naming it; the transaction rolls back, so nothing of
 * the batch is kept). Otherwise one ack per mutation, in request order, and the new head.
 */
export async function handlePush(ctx: AppContext, request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const auth = requireAuth(request);
  const userId = auth.userId as string;
  const body = request.body === MALFORMED_JSON ? undefined : request.body;
  let mutations: ValidatedMutation[];
  try {
    mutations = validatePushBody(body, ctx.config.userSync.maxMutationsPerPush);
  } catch (error) {
    if (error instanceof MutationValidationError) throw syncError(422, USER_SYNC_ERROR_CODES.validation, error.message, pushBodyDetails(request, ctx.config.userSync.maxMutationsPerPush));
    throw error;
  }
  for (const mutation of mutations) {
    if (!canAccessResource(auth.scopes, mutation.resource, scopeActionOf(mutation.type))) {
      throw standardError(403, `Access token lacks the scope to ${scopeActionOf(mutation.type)} ${mutation.resource} (mutation[${mutation.index}])`);
    }
  }
  const lastMutationAt = readLastMutationAt(request.query as Record<string, unknown>, request.headers[HEADERS.mutationAt]);
  if ('missing' in lastMutationAt) throw syncError(422, USER_SYNC_ERROR_CODES.validation, syncMessages.missingLastMutationAt());
  if ('invalid' in lastMutationAt) throw syncError(422, USER_SYNC_ERROR_CODES.validation, syncMessages.invalidLastMutationAt());
  const key = readIdempotencyKey(request.headers[HEADERS.idempotencyKey]);

  const idempotency = key ? { key, hash: hashRequest('POST /v1/sync', body), ttlMs: ctx.config.userSync.idempotencyTtlMs } : null;
  const locations = bookmarkLocationsOf(mutations);
  // The write of this batch, for either path; `probeCreates`: probe the locations of new bookmarks first.
  const batchWrite = (probeCreates: boolean) => ({
    userId,
    expectedHead: lastMutationAt.value,
    idempotency,
    async apply(write: UserWriteContext) {
      if (write.speculative) {
        for (const l of locations.guarded) write.freeBookmarkLocations.add(locationKey(l.location, l.mushaf));
        write.assumeAbsentIds('user_bookmarks', idsOf(mutations, 'BOOKMARK', INSERTING));
        write.assumeAbsentIds('user_notes', idsOf(mutations, 'NOTE', INSERTING));
      } else {
        if (probeCreates) await prefetchFreeLocations(write, [...locations.guarded, ...locations.other]);
        else {
          for (const l of locations.guarded) write.freeBookmarkLocations.add(locationKey(l.location, l.mushaf));
          await prefetchFreeLocations(write, locations.other);
        }
        // Client-chosen ids of new bookmarks and notes (the SDK names every resource it creates): one query per
        // table tells which ids are unused, so their lookups and ownership checks cost nothing.
        await write.prefetchAbsentIds('user_bookmarks', idsOf(mutations, 'BOOKMARK'));
        await write.prefetchAbsentIds('user_notes', idsOf(mutations, 'NOTE'));
      }
      const acks: SyncMutationEntry[] = [];
      for (const mutation of mutations) {
        let result: AppliedResource;
        try {
          result = await applyMutation(write, mutation);
        } catch (error) {
          if (error instanceof ApplyError) throw applyErrorToSync(error, mutation.index);
          throw error;
        }
        acks.push({
          type: mutation.type,
          resource: mutation.resource,
          resourceId: mutation.resource === 'PREFERENCE' ? mutation.resourceId : result.resourceId,
          data: result.data,
          timestamp: result.timestamp,
        });
      }
      return acks;
    },
    respond: (acks: SyncMutationEntry[], head: number) => ({ status: 200, body: { success: true, data: { mutations: acks, lastMutationAt: head } } }),
  });
  // Cheapest first. A batch that only creates bookmarks and notes (what offline devices mostly push) is tried
  // as one statement with no lock (speculateUserWrite: one round trip instead of four). The locked write follows
  // when that cannot be, and it too first takes the locations this batch creates bookmarks at to be free,
  // with no probe query (about a sixth of a push's cost, issue #8). That is safe because a wrong guess cannot
  // be kept: every write it leads to is a bookmark insert or move that the natural-key index
  // (user_bookmarks_location) refuses when the location is live, and the refusal rolls the whole write back.
  // Then the write runs again, probing first, and answers as if the probe had been made the first time
  // (nothing of the first run is kept; the lock is taken afresh, so a concurrent write still ends in 409).
  // Only a batch that re-creates a live bookmark pays twice.
  const paths = pushWritePaths(ctx.metrics);
  let outcome = locations.other.length === 0 && mutations.every(isSpeculable) ? await speculateUserWrite(ctx.db, batchWrite(false)) : null;
  if (outcome) paths.inc({ path: 'speculative' });
  else {
    try {
      outcome = await runUserWrite(ctx.db, batchWrite(false));
      paths.inc({ path: 'locked' });
    } catch (error) {
      if (!isUniqueViolation(error, 'user_bookmarks_location')) throw error;
      outcome = await runUserWrite(ctx.db, batchWrite(true));
      paths.inc({ path: 'probing' });
    }
  }
  reply.code(outcome.status).header(HEADERS.mutationAt, String(outcome.mutationAt));
  // Tells a client that the acks are the whole change between its head and the new one (no side effect beyond
  // them): then it needs no pull to learn the server's state after its own push (docs/user-sync.md).
  if (outcome.recorded !== null && outcome.status === 200 && acksCoverRecorded(outcome.body, outcome.recorded)) reply.header(HEADERS.mutationsRecorded, String(outcome.recorded.length));
  return sendJson(request, reply, outcome.body);
}

/** Whether every recorded mutation is the state one ack reports (same resource, id and timestamp). */
function acksCoverRecorded(body: unknown, recorded: ReadonlyArray<{ resource: string; resourceId: string; timestamp: number }>): boolean {
  const acks = (body as { data?: { mutations?: SyncMutationEntry[] } }).data?.mutations ?? [];
  const acked = new Set(acks.map((a) => `${a.resource}\u0000${a.resource === 'PREFERENCE' ? String((a.data as { group?: unknown } | null)?.group) : a.resourceId}\u0000${a.timestamp}`));
  return recorded.every((r) => acked.has(`${r.resource}\u0000${r.resourceId}\u0000${r.timestamp}`));
}

/**
 * Dispatches one validated mutation to its resource's applier. What is already gone — deleted by another
 * device, or never this user's — is acknowledged without effect, never refused: a well-behaved client
 * sends such mutations whenever another device's edit crossed its own (docs/user-sync.md, "Concurrent edits").
 */
export async function applyMutation(ctx: UserWriteContext, m: ValidatedMutation): Promise<AppliedResource> {
  switch (m.resource) {
    case 'BOOKMARK':
      if (m.type === 'DELETE') return deleteBookmarkById(ctx, m.resourceId!, 'acknowledge');
      return m.type === 'CREATE' ? createBookmark(ctx, m.resourceId, m.input!) : updateBookmark(ctx, m.resourceId!, m.input!);
    case 'COLLECTION':
      if (m.type === 'DELETE') return deleteCollection(ctx, m.resourceId!, 'acknowledge');
      return m.type === 'CREATE' ? createCollection(ctx, m.resourceId, m.input!) : upsertCollection(ctx, m.resourceId!, m.input!);
    case 'COLLECTION_BOOKMARK':
      try {
        return m.type === 'DELETE' ? await deleteLink(ctx, m.link, 'acknowledge') : await createLink(ctx, m.link, 'acknowledge');
      } catch (error) {
        // A link named by its composite id: name that field (any `collectionId`/`bookmarkId` sent must match it).
        if (error instanceof ApplyError && error.reason === 'unknown' && m.resourceId !== null) throw new ApplyError('unknown', 'resourceId');
        throw error;
      }
    case 'NOTE':
      if (m.type === 'DELETE') return deleteNote(ctx, m.resourceId!, 'acknowledge');
      return upsertNote(ctx, m.resourceId, m.input!);
    case 'READING_SESSION':
      if (m.type === 'DELETE') return deleteSession(ctx, m.resourceId!, 'acknowledge');
      return m.type === 'CREATE' ? createSession(ctx, m.resourceId, m.input!) : upsertSession(ctx, m.resourceId!, m.input!);
    case 'PREFERENCE':
      return m.type === 'DELETE' ? deletePreference(ctx, m.group) : setPreference(ctx, m.group, m.input!.value, 'replace');
  }
}

type NamedLocation = { location: Omit<BookmarkLocation, 'mushaf'>; mushaf: number };

/**
 * Bookmark locations a batch names, for one up-front lookup. `guarded`: named only by creates (of a bookmark,
 * or of a link by details), where taking a live location for a free one can only lead to an insert that the
 * natural-key index refuses. `other`: also named by a link delete by details, where "free" means "gone, nothing
 * to do" and a wrong guess would pass unnoticed; these are always probed.
 */
function bookmarkLocationsOf(mutations: readonly ValidatedMutation[]): { guarded: NamedLocation[]; other: NamedLocation[] } {
  const created = new Map<string, NamedLocation>();
  const unlinked = new Set<string>();
  const add = (location: Omit<BookmarkLocation, 'mushaf'>, mushaf: number | undefined) => {
    const named = { location, mushaf: mushaf ?? DEFAULT_MUSHAF_ID };
    created.set(locationKey(named.location, named.mushaf), named);
  };
  for (const m of mutations) {
    if (m.resource === 'BOOKMARK' && m.type === 'CREATE' && m.input?.location) add(m.input.location, m.input.mushaf);
    if (m.resource === 'COLLECTION_BOOKMARK' && m.link.bookmark.kind === 'details') {
      if (m.type === 'DELETE') unlinked.add(locationKey(m.link.bookmark.location, m.link.bookmark.mushaf ?? DEFAULT_MUSHAF_ID));
      else add(m.link.bookmark.location, m.link.bookmark.mushaf);
    }
  }
  const guarded: NamedLocation[] = [];
  const other: NamedLocation[] = [];
  for (const [key, named] of created) (unlinked.has(key) ? other : guarded).push(named);
  return { guarded, other };
}

const INSERTING: ReadonlySet<ValidatedMutation['type']> = new Set(['CREATE', 'UPDATE']);

/** The `resourceId`s a batch names for one resource (in mutations of these types). */
function idsOf(mutations: readonly ValidatedMutation[], resource: 'BOOKMARK' | 'NOTE', types?: ReadonlySet<ValidatedMutation['type']>): string[] {
  return mutations.flatMap((m) => (m.resource === resource && m.resourceId && (!types || types.has(m.type)) ? [m.resourceId] : []));
}

/**
 * Mutations a speculative write may be able to apply with no statement of its own: creates and upserts of
 * bookmarks and notes, under ids they may assume unused. Only a filter, to save a doomed attempt: any
 * mutation that does need a statement ends the speculation anyway.
 */
function isSpeculable(m: ValidatedMutation): boolean {
  return (m.resource === 'BOOKMARK' || m.resource === 'NOTE') && INSERTING.has(m.type);
}
