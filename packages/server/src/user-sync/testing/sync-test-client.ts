/**
 * A small HTTP client for the user API, used by this capability's tests against a real server. It talks plain
 * `fetch` and returns status, headers and parsed body, so tests assert on exactly what a client receives.
 */
export interface AuthHeaderSource {
  readonly url: string;
  authHeaders(options: { userId?: string | null; clientId?: string; scopes: readonly string[] }): Promise<Record<string, string>>;
}

export interface ApiResponse<T = any> {
  readonly status: number;
  readonly headers: Headers;
  readonly body: T;
}

export const ALL_USER_SCOPES = ['sync', 'bookmark', 'collection', 'note', 'reading_session', 'preference'] as const;

export interface SyncTestClientOptions {
  readonly userId: string;
  readonly scopes?: readonly string[];
  readonly prefix?: string;
  readonly clientId?: string;
}

export class SyncTestClient {
  readonly userId: string;
  readonly prefix: string;
  private headersPromise: Promise<Record<string, string>> | null = null;

  constructor(
    private readonly server: AuthHeaderSource,
    private readonly options: SyncTestClientOptions,
  ) {
    this.userId = options.userId;
    this.prefix = options.prefix ?? '/v1';
  }

  private authHeaders(): Promise<Record<string, string>> {
    this.headersPromise ??= this.server.authHeaders({
      userId: this.options.userId,
      scopes: this.options.scopes ?? ALL_USER_SCOPES,
      ...(this.options.clientId ? { clientId: this.options.clientId } : {}),
    });
    return this.headersPromise;
  }

  async request<T = any>(
    method: string,
    path: string,
    init: { query?: Record<string, unknown>; body?: unknown; rawBody?: string; headers?: Record<string, string> } = {},
  ): Promise<ApiResponse<T>> {
    const url = new URL(`${this.server.url}${this.prefix}${path}`);
    for (const [name, value] of Object.entries(init.query ?? {})) if (value !== undefined) url.searchParams.set(name, String(value));
    const hasBody = init.body !== undefined || init.rawBody !== undefined;
    const res = await fetch(url, {
      method,
      headers: { ...(await this.authHeaders()), ...(hasBody ? { 'content-type': 'application/json' } : {}), ...init.headers },
      ...(hasBody ? { body: init.rawBody ?? JSON.stringify(init.body) } : {}),
    });
    const text = await res.text();
    return { status: res.status, headers: res.headers, body: (text ? JSON.parse(text) : undefined) as T };
  }

  pull<T = any>(query: Record<string, unknown>, headers?: Record<string, string>): Promise<ApiResponse<T>> {
    return this.request<T>('GET', '/sync', { query, ...(headers ? { headers } : {}) });
  }

  push<T = any>(lastMutationAt: number | undefined, mutations: unknown[], headers?: Record<string, string>): Promise<ApiResponse<T>> {
    return this.request<T>('POST', '/sync', { query: { lastMutationAt }, body: { mutations }, ...(headers ? { headers } : {}) });
  }

  /** Every mutation since `since`, following `page` until `hasMore` is false; returns entries and the final head. */
  async pullAll(since: number, limit = 1000): Promise<{ mutations: any[]; lastMutationAt: number }> {
    const mutations: any[] = [];
    for (let page = 1; ; page++) {
      const res = await this.pull({ mutationsSince: since, limit, page });
      if (res.status !== 200) throw new Error(`pull failed: ${res.status} ${JSON.stringify(res.body)}`);
      mutations.push(...res.body.data.mutations);
      if (!res.body.data.hasMore) return { mutations, lastMutationAt: res.body.data.lastMutationAt };
    }
  }

  async head(): Promise<number> {
    const res = await this.pull({ mutationsSince: 0, metadataOnly: true });
    return res.body.data.lastMutationAt;
  }
}
