import type { ContentSyncResponse } from '@quran-sync/protocol';
import type { TestServer } from '../../testing/index.js';

/**
 * Small HTTP helpers for content tests: editorial calls with a `content.write` token, sync and snapshot
 * calls with a `content` client-credentials token. Real HTTP against a real server, nothing stubbed.
 */
export interface HttpResult<T = unknown> {
  readonly status: number;
  readonly body: T;
  readonly headers: Headers;
}

export interface ContentTestClient {
  admin<T = unknown>(method: string, path: string, body?: unknown): Promise<HttpResult<T>>;
  /** GET relative to `/api/v4` (or an absolute path starting with `/`). */
  get<T = unknown>(path: string, headers?: Record<string, string>): Promise<HttpResult<T>>;
  sync(query: Record<string, string | number | boolean | undefined>): Promise<HttpResult<ContentSyncResponse & { error?: { code: string; message: string } }>>;
}

export async function contentTestClient(server: TestServer): Promise<ContentTestClient> {
  const adminHeaders = await server.authHeaders({ userId: null, clientId: 'editor', scopes: ['content.write'] });
  const readHeaders = await server.authHeaders({ userId: null, clientId: 'reader', scopes: ['content'] });
  const call = async <T>(method: string, path: string, headers: Record<string, string>, body?: unknown): Promise<HttpResult<T>> => {
    const response = await fetch(`${server.url}${path}`, {
      method,
      headers: { ...headers, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : null) as T, headers: response.headers };
  };
  return {
    admin: (method, path, body) => call(method, `/admin/v1${path}`, adminHeaders, body),
    get: (path, headers = {}) => call('GET', path.startsWith('/') ? path : `/api/v4/${path}`, { ...readHeaders, ...headers }),
    sync: (query) => {
      const qs = new URLSearchParams();
      for (const [k, v] of Object.entries(query)) if (v !== undefined) qs.set(k, String(v));
      return call('GET', `/api/v4/resources/sync?${qs.toString()}`, readHeaders);
    },
  };
}
