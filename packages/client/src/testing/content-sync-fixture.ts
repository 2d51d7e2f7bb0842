import { contentFilterIncludes, parseContentFilter, RESOURCE_GROUP_REGISTRY, type ResourceGroupName } from '@quran-sync/protocol';
import { startTestServer, type TestServer, type TestServerOptions } from '@quran-sync/server/testing';
import type { TokenProvider } from '../auth/token-provider.js';
import type { ContentStore } from '../content/content-store.js';

/**
 * Everything the content-sync engine tests need around a REAL server: editorial calls through the real
 * admin API (scope content.write), a reader token provider (scope content), and the two states the tests
 * compare — the server's public state (read from its database) and the store's state — in one shape:
 * `{ "group:id": { "record_type:record_key": row } }`.
 */
export type ContentState = Record<string, Record<string, unknown>>;

export interface ContentFixture {
  readonly server: TestServer;
  readonly editor: Editor;
  /** A token provider for client `reader` with scope `content`. */
  readonly tokenProvider: TokenProvider;
  close(): Promise<void>;
}

export async function startContentFixture(options: TestServerOptions = {}): Promise<ContentFixture> {
  const server = await startTestServer(options);
  const editorHeaders = await server.authHeaders({ userId: null, clientId: 'editor', scopes: ['content.write'] });
  const token = await server.mintToken({ userId: null, clientId: 'reader', scopes: ['content'], ttlSeconds: 24 * 3600 });
  return {
    server,
    editor: new Editor(server.url, editorHeaders),
    tokenProvider: staticTokenProvider(token, 'reader'),
    close: () => server.close(),
  };
}

/** Empties the server's content (between tests sharing one server); the feed head keeps counting up. */
export async function resetContent(server: TestServer): Promise<void> {
  await server.ctx.db.deleteFrom('content_feed').execute();
  await server.ctx.db.deleteFrom('content_rows').execute();
  await server.ctx.db.deleteFrom('content_resources').execute();
  await server.ctx.db.updateTable('content_feed_head').set({ retention_floor: 0 }).execute();
}

export function staticTokenProvider(accessToken: string, clientId: string): TokenProvider {
  return { getToken: async () => ({ accessToken, clientId }), invalidate: () => undefined };
}

export interface EditResult {
  readonly status: number;
  readonly body: unknown;
}

/** The editorial API (`/admin/v1`) over real HTTP. Throws on unexpected statuses. */
export class Editor {
  constructor(
    private readonly baseUrl: string,
    private readonly headers: Record<string, string>,
  ) {}

  async call(method: string, path: string, body?: unknown, allowed: readonly number[] = [200]): Promise<EditResult> {
    const response = await fetch(`${this.baseUrl}/admin/v1${path}`, {
      method,
      headers: { ...this.headers, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await response.text();
    if (!allowed.includes(response.status)) throw new Error(`${method} ${path} → ${response.status} ${text}`);
    return { status: response.status, body: text ? JSON.parse(text) : null };
  }

  put(
    group: ResourceGroupName,
    id: number,
    body: { status?: string; metadata?: Record<string, unknown>; resource_content_id?: number | null },
    allowed?: readonly number[],
  ): Promise<EditResult> {
    return this.call('PUT', `/resources/${group}/${id}`, body, allowed);
  }

  rows(
    group: ResourceGroupName,
    id: number,
    changes: { upsert?: Record<string, unknown>[]; delete?: { record_type: string; id: number }[] },
    allowed?: readonly number[],
  ): Promise<EditResult> {
    return this.call('POST', `/resources/${group}/${id}/rows`, changes, allowed);
  }

  invalidate(group: ResourceGroupName, id: number, allowed?: readonly number[]): Promise<EditResult> {
    return this.call('POST', `/resources/${group}/${id}/invalidate`, undefined, allowed);
  }

  compact(): Promise<EditResult> {
    return this.call('POST', '/compact');
  }
}

/** Row builders for the groups the tests edit. */
export const rows = {
  translation: (id: number, verse: number, text: string) => ({ id, verse_key: `1:${verse}`, text }),
  tafsir: (id: number, verse: number, text: string) => ({ id, verse_key: `2:${verse}`, text }),
  audioFile: (id: number, recitationId: number, verse: number, tag: string) => ({
    record_type: 'audio_file',
    id,
    recitation_id: recitationId,
    verse_key: `1:${verse}`,
    url: `https://placeholder.invalid/${tag}.mp3`,
  }),
  chapterAudioFile: (id: number, recitationId: number, chapter: number, tag: string) => ({
    record_type: 'chapter_audio_file',
    id,
    audio_recitation_id: recitationId,
    chapter_id: chapter,
    audio_url: `https://placeholder.invalid/${tag}.mp3`,
  }),
};

/** The server's public rows for a filter, read from its database. */
export async function serverPublicState(server: TestServer, filter: string): Promise<ContentState> {
  const parsed = parseContentFilter(filter);
  if (!parsed.ok) throw new Error(`bad filter ${filter}`);
  const resources = await server.ctx.db.selectFrom('content_resources').select(['resource_group', 'resource_id']).where('status', '=', 'public').execute();
  const state: ContentState = {};
  for (const r of resources) {
    if (!contentFilterIncludes(parsed.filter, r.resource_group, r.resource_id)) continue;
    const stored = await server.ctx.db
      .selectFrom('content_rows')
      .select(['record_type', 'record_key', 'data'])
      .where('resource_group', '=', r.resource_group)
      .where('resource_id', '=', r.resource_id)
      .execute();
    state[`${r.resource_group}:${r.resource_id}`] = Object.fromEntries(stored.map((row) => [`${row.record_type}:${row.record_key}`, row.data]));
  }
  return sortState(state);
}

/** The store's rows of available resources (unavailable ones hold no rows and are not public). */
export async function storeState(store: ContentStore): Promise<ContentState> {
  const state: ContentState = {};
  for (const r of await store.listResources()) {
    if (r.status !== 'available') continue;
    const list = await store.listRows(r.group, r.id);
    state[`${r.group}:${r.id}`] = Object.fromEntries(list.map((row) => [`${row.recordType}:${row.recordKey}`, row.data]));
  }
  return sortState(state);
}

function sortState(state: ContentState): ContentState {
  const out: ContentState = {};
  for (const key of Object.keys(state).sort()) {
    const resourceRows = state[key]!;
    out[key] = Object.fromEntries(
      Object.keys(resourceRows)
        .sort()
        .map((k) => [k, resourceRows[k]]),
    );
  }
  return out;
}

/** Single record type of a group (for rows that do not carry `record_type`). */
export const singleRecordType = (group: ResourceGroupName): string => RESOURCE_GROUP_REGISTRY[group].recordTypes[0]!.name;
