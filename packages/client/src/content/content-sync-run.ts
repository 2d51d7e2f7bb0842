import { contentFilterIncludes, parseContentFilter, type ContentFilter, type ContentSyncMutation } from '@quran-sync/protocol';
import { ApiError, ProtocolError } from '../http/api-error.js';
import { ContentRunApplier, type RunCounters } from './content-run-applier.js';
import type { ContentStore, ContentStoreOp } from './content-store.js';
import type { ContentSyncApi, SyncPage } from './content-sync-api.js';
import type { ContentSyncProgress, ContentSyncSummary } from './content-sync-events.js';
import type { ContentSyncStateMachine } from './content-sync-state-machine.js';
import { SnapshotPrefetcher } from './snapshot-prefetcher.js';

/**
 * One complete run of the content sync client rules (content-sync.md, "Client rules"):
 *
 * - no token stored for the canonical filter → bootstrap; otherwise incremental from the stored token;
 * - follow `next_page_url` verbatim while `has_more`; `sync_until_sequence` must stay fixed for the run;
 * - apply mutations in order (incremental: ascending sequence, checked): CREATE/INVALIDATE → snapshot,
 *   replacing all rows of the resource in one batch; DELETE → remove resource; ROW_CREATE/UPDATE → upsert;
 *   ROW_DELETE → delete; RESOURCE_UPDATE → mark fresh only;
 * - the token is written only with the final page's changes, after every snapshot of the run was applied,
 *   in the same store batch, with the canonical filter, replacing the previous checkpoint;
 * - 410 `resync_required` (token too old, cursor expired, …) or 422 `token_filter_mismatch` → drop the
 *   token and bootstrap the same filter, keeping current rows until the new snapshots replace them;
 * - a bootstrap ends by removing every stored resource it did not list (no longer public, or no longer in
 *   the filter); a filter change first removes what the new filter does not track.
 *
 * Bootstrap lists every page before fetching any snapshot: the pages are small (one item per resource),
 * the total is then known for progress bars, and the run's cursors are not left waiting while megabytes of
 * snapshots download. Bootstrap items are ordered by resource, each a CREATE of a different resource, so
 * applying them in page order is applying them in any order. Incremental pages are applied one by one as
 * they arrive (they carry row data and can be large).
 */
export interface ContentRunOptions {
  readonly api: ContentSyncApi;
  readonly store: ContentStore;
  readonly filter: ContentFilter;
  readonly perPage: number;
  readonly snapshotConcurrency: number;
  readonly maxBatchRows: number;
  readonly maxRecoveries: number;
  readonly machine: ContentSyncStateMachine;
  readonly onProgress: (progress: ContentSyncProgress) => void;
  readonly now: () => number;
  readonly signal?: AbortSignal;
}

export async function runContentSync(o: ContentRunOptions): Promise<ContentSyncSummary> {
  const started = o.now();
  const canonical = o.filter.canonical;
  const checkpoint = await o.store.readCheckpoint();
  if (o.signal?.aborted) throw o.signal.reason;
  const sameFilter = checkpoint !== null && checkpoint.filter === canonical;
  let token = sameFilter ? checkpoint.token : null;
  let mode: 'bootstrap' | 'incremental' = token === null ? 'bootstrap' : 'incremental';
  const counters: RunCounters = {
    mutationsApplied: 0,
    snapshotsFetched: 0,
    snapshotsNotModified: 0,
    rowsWritten: 0,
    resourcesRemoved: 0,
    bytes: 0,
    unavailable: [],
  };
  const progress = { pages: 0, mutationsKnown: 0, resourcesTotal: null as number | null, snapshotsKnown: 0, snapshotsDone: 0 };
  const report = (): void =>
    o.onProgress({
      mode,
      ...progress,
      mutationsApplied: counters.mutationsApplied,
      rowsWritten: counters.rowsWritten,
      bytes: counters.bytes,
      elapsedMs: o.now() - started,
    });

  let resynced = false;
  let recoveries = 0;
  o.machine.fire(token === null ? 'begin_bootstrap' : 'begin_incremental');
  for (;;) {
    try {
      const until = token === null ? await bootstrap() : await incremental(token, checkpoint!.sequence);
      return {
        mode,
        resynced,
        filter: canonical,
        pages: progress.pages,
        ...counters,
        unavailable: [...counters.unavailable],
        durationMs: o.now() - started,
        sequence: until,
        previousSequence: sameFilter ? checkpoint.sequence : null,
      };
    } catch (error) {
      if (o.signal?.aborted) throw error;
      const code = error instanceof ApiError ? error.contentSyncCode : null;
      const recoverable = code === 'resync_required' || (code === 'token_filter_mismatch' && token !== null);
      if (!recoverable || recoveries >= o.maxRecoveries) throw error;
      recoveries++;
      resynced = true;
      o.machine.fire('recover');
      await o.store.write([{ op: 'clearCheckpoint' }]);
      token = null;
      mode = 'bootstrap';
      o.machine.fire('restart_bootstrap');
    }
  }

  async function bootstrap(): Promise<number> {
    const applier = new ContentRunApplier(o.store, await o.store.listResources(), counters, o.maxBatchRows, o.now);
    // A changed filter: what the new filter does not track goes now, with the old filter's checkpoint (the
    // rows of that filter are no longer complete, so its token must not be used again).
    const untracked = [...applier.resources.values()].filter((r) => !contentFilterIncludes(o.filter, r.group, r.id));
    for (const r of untracked) await applier.remove(`${r.group}:${r.id}`);
    if (untracked.length > 0 || (await o.store.readCheckpoint()) !== null) await applier.commit([{ op: 'clearCheckpoint' }]);

    let url = o.api.firstPageUrl({ filter: canonical, perPage: o.perPage, token: null });
    const items: ContentSyncMutation[] = [];
    let until: number | null = null;
    let finalToken: string;
    for (;;) {
      const page = await fetchPage(url, until);
      until = page.sync_until_sequence;
      items.push(...page.mutations);
      progress.mutationsKnown = items.length;
      report();
      if (!page.has_more) {
        finalToken = page.next_sync_token!;
        break;
      }
      url = page.next_page_url!;
    }
    progress.resourcesTotal = items.length;
    const listed = new Set(items.map((m) => `${m.resource_group}:${m.resource_id}`));
    await applyPage(applier, items, async () => {
      for (const key of [...applier.resources.keys()]) if (!listed.has(key)) await applier.remove(key);
      return checkpointOp(finalToken, until!);
    });
    return until!;
  }

  async function incremental(startToken: string, fromSequence: number): Promise<number> {
    const applier = new ContentRunApplier(o.store, await o.store.listResources(), counters, o.maxBatchRows, o.now);
    let url = o.api.firstPageUrl({ filter: canonical, perPage: o.perPage, token: startToken });
    let until: number | null = null;
    let last = fromSequence;
    for (;;) {
      const page = await fetchPage(url, until);
      until = page.sync_until_sequence;
      for (const m of page.mutations) {
        if (m.sequence <= last) throw new ProtocolError(`mutations out of order: ${m.sequence} after ${last}`, url);
        last = m.sequence;
      }
      progress.mutationsKnown += page.mutations.length;
      if (!page.has_more) progress.resourcesTotal = progress.snapshotsKnown + page.mutations.filter(needsSnapshot).length;
      const final = !page.has_more;
      const token = page.next_sync_token;
      await applyPage(applier, page.mutations, final ? async () => checkpointOp(token!, until!) : null);
      if (final) return until;
      url = page.next_page_url!;
    }
  }

  async function fetchPage(url: string, until: number | null): Promise<SyncPage> {
    const { page, bytes } = await o.api.page(url, o.signal);
    progress.pages++;
    counters.bytes += bytes;
    if (until !== null && page.sync_until_sequence !== until) {
      throw new ProtocolError(`sync_until_sequence moved within a run (${until} → ${page.sync_until_sequence})`, url);
    }
    return page;
  }

  /**
   * Applies `mutations` in order; snapshots are prefetched with bounded concurrency and applied at their
   * position. `final` (last page only) yields the ops that must land in the same batch as the last
   * changes: the checkpoint, after every snapshot of the run.
   */
  async function applyPage(
    applier: ContentRunApplier,
    mutations: readonly ContentSyncMutation[],
    final: (() => Promise<ContentStoreOp[]>) | null,
  ): Promise<void> {
    const jobs = applier.planSnapshots(mutations);
    progress.snapshotsKnown += jobs.length;
    const prefetcher = new SnapshotPrefetcher(
      jobs,
      o.snapshotConcurrency,
      (job, signal) => o.api.snapshot(job.url, job.group, job.id, job.etag, signal),
      o.signal,
    );
    try {
      let next = 0;
      for (const m of mutations) {
        if (needsSnapshot(m)) {
          await applier.applySnapshot(m, await prefetcher.take(next++));
          counters.mutationsApplied++;
          progress.snapshotsDone++;
          report();
        } else {
          await applier.apply(m);
          counters.mutationsApplied++;
        }
      }
    } catch (error) {
      // Keep what was applied: any in-order prefix of a run is a valid state to continue from (the next run
      // replays from the old token, or bootstraps and gets 304 for the snapshots already stored). If the
      // store itself is failing, this fails too and changes nothing.
      await applier.flush().catch(() => undefined);
      throw error;
    } finally {
      prefetcher.close();
    }
    if (final) await applier.commit(await final());
    else await applier.flush();
    report();
  }

  function checkpointOp(nextToken: string, until: number): ContentStoreOp[] {
    return [{ op: 'writeCheckpoint', checkpoint: { filter: canonical, token: nextToken, sequence: until, syncedAt: o.now() } }];
  }
}

function needsSnapshot(m: ContentSyncMutation): boolean {
  return m.type === 'RESOURCE_CREATE' || m.type === 'RESOURCE_INVALIDATE';
}

/** The canonical filter of `resources`, or a clear error (the same grammar the server applies). */
export function canonicalContentFilter(resources: string): ContentFilter {
  const parsed = parseContentFilter(resources);
  if (!parsed.ok) throw new TypeError(`invalid resources filter "${resources.slice(0, 80)}": ${parsed.error.message} (${parsed.error.code})`);
  return parsed.filter;
}
