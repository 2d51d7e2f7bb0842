import { Value } from '@sinclair/typebox/value';
import {
  CONTENT_LINK_PREFIX,
  ContentSyncResponse,
  HEADERS,
  isDigestHex,
  parseResourceDigestHeader,
  RESOURCE_DIGEST_HEADER,
  RESOURCE_GROUP_REGISTRY,
  recordKeyOf,
  type ContentDigestsResponse,
  type ContentSnapshot,
  type ResourceDigestHeader,
  type ResourceGroupName,
} from '@quran-sync/protocol';
import { ApiError, ProtocolError } from '../http/api-error.js';
import type { HttpTransport } from '../http/transport.js';
import type { StoredRowInput } from './content-store.js';

/**
 * The two content-sync calls, on top of the generic transport: one sync page, one snapshot. Bodies are
 * checked against the protocol's wire schemas and the contract's page rules before the engine sees them,
 * so a misbehaving server fails the run (`ProtocolError`) instead of corrupting the store.
 */
export type SyncPage = ContentSyncResponse['sync'];

export type SnapshotResult =
  | {
      readonly kind: 'snapshot';
      readonly resourceContentId: number | null;
      readonly rows: readonly StoredRowInput[];
      readonly etag: string | null;
      readonly bytes: number;
      /** `X-Resource-Digest` (docs/integrity.md), when the server sends it. */
      readonly digest?: ResourceDigestHeader | null;
    }
  | { readonly kind: 'not_modified' }
  | { readonly kind: 'not_found'; readonly message: string };

export interface SyncStart {
  readonly filter: string;
  readonly perPage: number;
  /** null: bootstrap. */
  readonly token: string | null;
}

export class ContentSyncApi {
  constructor(private readonly transport: HttpTransport) {}

  /** `GET /resources/digests` for a run's token (docs/integrity.md); null from a server without the extension. */
  digests(filter: string, token: string, signal?: AbortSignal): Promise<ContentDigestsResponse['digests'] | null> {
    return fetchContentDigests(this.transport, filter, token, signal);
  }

  /** The first page's URL of a run (later pages: `next_page_url`, verbatim). */
  firstPageUrl(start: SyncStart): string {
    const query = new URLSearchParams({ resources: start.filter, per_page: String(start.perPage) });
    if (start.token === null) query.set('bootstrap', 'true');
    else query.set('sync_token', start.token);
    return `${CONTENT_LINK_PREFIX}/resources/sync?${query.toString()}`;
  }

  async page(url: string, signal?: AbortSignal): Promise<{ page: SyncPage; bytes: number }> {
    const { body, bytes } = await this.transport.send(url, signal ? { signal } : {}, (response) => readJson(response, url));
    if (!Value.Check(ContentSyncResponse, body)) throw new ProtocolError(`sync page does not match the contract: ${firstSchemaError(body)}`, url);
    const page = body.sync;
    if (page.has_more !== (page.next_page_url !== null)) throw new ProtocolError('next_page_url must be set exactly when has_more is true', url);
    if (!page.has_more && page.next_sync_token === null) throw new ProtocolError('the final page carries no next_sync_token', url);
    if (page.has_more && page.next_sync_token !== null) throw new ProtocolError('a page with has_more carries a next_sync_token', url);
    for (const m of page.mutations) {
      if (m.sequence > page.sync_until_sequence)
        throw new ProtocolError(`mutation ${m.sequence} lies above sync_until_sequence ${page.sync_until_sequence}`, url);
      if ((m.type === 'RESOURCE_CREATE' || m.type === 'RESOURCE_INVALIDATE') && m.snapshot_url === null)
        throw new ProtocolError(`${m.type} without snapshot_url`, url);
      if ((m.type === 'ROW_CREATE' || m.type === 'ROW_UPDATE') && m.data === null) throw new ProtocolError(`${m.type} without data`, url);
      if (m.type.startsWith('ROW_') && (m.record_type === null || m.record_key === null))
        throw new ProtocolError(`${m.type} without record_type/record_key`, url);
    }
    return { page, bytes };
  }

  /**
   * `GET` a snapshot; with `etag`, conditionally (`If-None-Match` → 304 `not_modified`). 404
   * `snapshot_not_found` is an answer (`not_found`), not an error: the engine marks the resource unavailable.
   */
  async snapshot(url: string, group: ResourceGroupName, id: number, etag: string | null, signal?: AbortSignal): Promise<SnapshotResult> {
    try {
      return await this.transport.send(
        url,
        { accept: [304], headers: etag ? { [HEADERS.ifNoneMatch]: etag } : {}, ...(signal ? { signal } : {}) },
        async (response) => {
          if (response.status === 304) {
            await response.body?.cancel();
            return { kind: 'not_modified' } as const;
          }
          const { body, bytes } = await readJson(response, url);
          const digest = parseResourceDigestHeader(response.headers.get(RESOURCE_DIGEST_HEADER));
          return { kind: 'snapshot', ...snapshotRows(body, group, id, url), etag: response.headers.get(HEADERS.etag), bytes, digest } as const;
        },
      );
    } catch (error) {
      if (error instanceof ApiError && error.contentSyncCode === 'snapshot_not_found') return { kind: 'not_found', message: error.message };
      throw error;
    }
  }
}

async function fetchContentDigests(
  transport: HttpTransport,
  filter: string,
  token: string,
  signal?: AbortSignal,
): Promise<ContentDigestsResponse['digests'] | null> {
  const url = `${CONTENT_LINK_PREFIX}/resources/digests?${new URLSearchParams({ resources: filter, sync_token: token }).toString()}`;
  try {
    const { body } = await transport.send(url, signal ? { signal } : {}, (response) => readJson(response, url));
    const d = (body as Partial<ContentDigestsResponse> | null)?.digests;
    const valid =
      d &&
      typeof d.sequence === 'number' &&
      Array.isArray(d.resources) &&
      d.resources.every(
        (r) =>
          typeof r.resource_group === 'string' &&
          Number.isInteger(r.resource_id) &&
          (r.digest === null || (isDigestHex(r.digest) && Number.isInteger(r.row_count))),
      );
    if (!valid) throw new ProtocolError('digests answer does not match docs/integrity.md', url);
    return d;
  } catch (error) {
    // A server without the extension (QF itself): nothing to compare against.
    if (error instanceof ApiError && (error.status === 404 || error.status === 405)) return null;
    throw error;
  }
}

async function readJson(response: Response, url: string): Promise<{ body: unknown; bytes: number }> {
  const buffer = await response.arrayBuffer();
  try {
    return { body: JSON.parse(new TextDecoder().decode(buffer)) as unknown, bytes: buffer.byteLength };
  } catch {
    throw new ProtocolError(`answer is not JSON (${buffer.byteLength} bytes, content-type ${response.headers.get('content-type') ?? 'none'})`, url);
  }
}

/** Snapshot records as store rows: `record_type` from the row for multi-type groups, else the group's only type. */
function snapshotRows(body: unknown, group: ResourceGroupName, id: number, url: string): { resourceContentId: number | null; rows: StoredRowInput[] } {
  const s = body as Partial<ContentSnapshot> | null;
  if (!s || s.resource_group !== group || s.resource_id !== id || !Array.isArray(s.records)) {
    throw new ProtocolError(`snapshot is not the one of ${group}:${id}`, url);
  }
  const definition = RESOURCE_GROUP_REGISTRY[group];
  const types = new Set(definition.recordTypes.map((t) => t.name));
  const single = definition.recordTypes.length === 1 ? definition.recordTypes[0]!.name : null;
  const rows: StoredRowInput[] = [];
  for (const record of s.records as unknown[]) {
    const r = record as Record<string, unknown> | null;
    if (!r || typeof r !== 'object' || !Number.isInteger(r.id)) throw new ProtocolError(`snapshot of ${group}:${id} has a record without an integer id`, url);
    const recordType = typeof r.record_type === 'string' ? r.record_type : single;
    if (recordType === null || !types.has(recordType))
      throw new ProtocolError(`snapshot of ${group}:${id} has a record of unknown type ${JSON.stringify(r.record_type)}`, url);
    rows.push({ recordType, recordKey: recordKeyOf(r.id as number), data: r });
  }
  const rcid = s.resource_content_id;
  return { resourceContentId: typeof rcid === 'number' ? rcid : null, rows };
}

function firstSchemaError(body: unknown): string {
  const first = Value.Errors(ContentSyncResponse, body).First();
  return first ? `${first.path || '/'}: ${first.message}` : 'unknown';
}
