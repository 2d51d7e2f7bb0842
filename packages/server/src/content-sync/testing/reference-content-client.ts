import { RESOURCE_GROUP_REGISTRY, type ContentSyncMutation, type ContentSyncResponse, type ResourceGroupName } from '@quran-sync/protocol';

/**
 * A deliberately plain client that follows the "Client rules" of content-sync.md to the letter, used by
 * the convergence property test and the benchmark to check the server against the contract (not against
 * our SDK). State is in memory: `rows` per resource, the stored token and its canonical filter.
 */
export type ReferenceFetch = (pathAndQuery: string) => Promise<{ status: number; body: unknown }>;

export class SimulatedCrash extends Error {}

export interface SyncRunOptions {
  readonly perPage: number;
  /** Throw `SimulatedCrash` after this many pages were applied (token not stored). */
  readonly crashAfterPages?: number;
  /** Called after each applied page that has more pages after it (edits landing mid-run). */
  readonly betweenPages?: () => Promise<void>;
}

export interface SyncRunReport {
  readonly pages: number;
  readonly until: number;
  readonly mutations: readonly ContentSyncMutation[];
  readonly resynced: boolean;
}

export class ReferenceContentClient {
  /** `group:id` → (`record_type:record_key` → row). */
  readonly rows = new Map<string, Map<string, Record<string, unknown>>>();
  token: string | null = null;
  tokenFilter: string | null = null;

  constructor(
    private readonly fetchJson: ReferenceFetch,
    readonly filter: string,
    /** Canonical form of `filter` (the key a token is stored under). */
    readonly canonicalFilter: string,
  ) {}

  async sync(options: SyncRunOptions): Promise<SyncRunReport> {
    const bootstrap = this.token === null || this.tokenFilter !== this.canonicalFilter;
    try {
      return await this.run(bootstrap, options);
    } catch (error) {
      if (error instanceof ResyncRequired) {
        this.token = null;
        this.tokenFilter = null;
        const report = await this.run(true, options);
        return { ...report, resynced: true };
      }
      throw error;
    }
  }

  private async run(bootstrap: boolean, options: SyncRunOptions): Promise<SyncRunReport> {
    let url = `/api/v4/resources/sync?resources=${encodeURIComponent(this.filter)}&per_page=${options.perPage}&${
      bootstrap ? 'bootstrap=true' : `sync_token=${encodeURIComponent(this.token!)}`
    }`;
    const seen: ContentSyncMutation[] = [];
    const created = new Set<string>();
    let pages = 0;
    let until = -1;
    for (;;) {
      const response = await this.fetchJson(url);
      if (response.status === 410) throw new ResyncRequired();
      if (response.status !== 200) throw new Error(`sync answered ${response.status}: ${JSON.stringify(response.body)}`);
      const { sync } = response.body as ContentSyncResponse;
      if (until === -1) until = sync.sync_until_sequence;
      if (sync.sync_until_sequence !== until) throw new Error(`sync_until_sequence moved inside a run: ${until} → ${sync.sync_until_sequence}`);
      let previous = seen.at(-1)?.sequence ?? -1;
      for (const m of sync.mutations) {
        if (m.sequence > until) throw new Error(`mutation ${m.sequence} above sync_until_sequence ${until}`);
        if (!bootstrap && m.sequence <= previous) throw new Error(`mutations out of order: ${previous} then ${m.sequence}`);
        previous = m.sequence;
        await this.apply(m);
        if (m.type === 'RESOURCE_CREATE') created.add(`${m.resource_group}:${m.resource_id}`);
        seen.push(m);
      }
      pages++;
      if (!sync.has_more) {
        if (sync.next_page_url !== null || sync.next_sync_token === null) throw new Error('final page must carry a token and no next_page_url');
        if (bootstrap) {
          // A bootstrap lists every public resource: whatever else we kept from before is gone.
          for (const key of [...this.rows.keys()]) if (!created.has(key)) this.rows.delete(key);
        }
        this.token = sync.next_sync_token;
        this.tokenFilter = this.canonicalFilter;
        return { pages, until, mutations: seen, resynced: false };
      }
      if (sync.next_page_url === null || sync.next_sync_token !== null) throw new Error('a page with has_more must carry next_page_url and no token');
      if (options.crashAfterPages !== undefined && pages >= options.crashAfterPages) throw new SimulatedCrash(`crashed after ${pages} pages`);
      await options.betweenPages?.();
      url = sync.next_page_url;
    }
  }

  private async apply(m: ContentSyncMutation): Promise<void> {
    const key = `${m.resource_group}:${m.resource_id}`;
    switch (m.type) {
      case 'RESOURCE_CREATE':
      case 'RESOURCE_INVALIDATE': {
        if (m.snapshot_url === null) throw new Error(`${m.type} without snapshot_url`);
        const snap = await this.fetchJson(m.snapshot_url);
        if (snap.status === 404) {
          this.rows.delete(key);
          return;
        }
        if (snap.status !== 200) throw new Error(`snapshot answered ${snap.status}`);
        const body = snap.body as { records: Record<string, unknown>[] };
        const rows = new Map<string, Record<string, unknown>>();
        for (const r of body.records) rows.set(rowKey(m.resource_group, r), r);
        this.rows.set(key, rows);
        return;
      }
      case 'RESOURCE_DELETE':
        this.rows.delete(key);
        return;
      case 'RESOURCE_UPDATE':
        return;
      case 'ROW_CREATE':
      case 'ROW_UPDATE': {
        if (!m.data) throw new Error(`${m.type} without data`);
        let rows = this.rows.get(key);
        if (!rows) {
          rows = new Map();
          this.rows.set(key, rows);
        }
        rows.set(`${m.record_type}:${m.record_key}`, m.data);
        return;
      }
      case 'ROW_DELETE':
        this.rows.get(key)?.delete(`${m.record_type}:${m.record_key}`);
        return;
    }
  }
}

class ResyncRequired extends Error {}

/** Snapshot records of groups without `record_type` in their rows have a single record type (registry). */
function rowKey(group: string, record: Record<string, unknown>): string {
  const type = typeof record.record_type === 'string' ? record.record_type : RESOURCE_GROUP_REGISTRY[group as ResourceGroupName].recordTypes[0]!.name;
  return `${type}:${String(record.id)}`;
}
