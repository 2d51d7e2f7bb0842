import { TokenRequestError, type TokenProvider } from '@quran-sync/client';

/**
 * One setting kept as one App State document (docs/app-state.md), offline first: the local value is what the
 * reader uses; a change is stored locally as pending and sent when the server can be reached. Until it is
 * acknowledged the local value wins over the server's; after that, the server's value (another device's
 * change) is adopted on the next sync.
 *
 * Writes carry a precondition (`If-Match` with the last ETag seen, or `If-None-Match: *` for a document this
 * device never saw) and an `Idempotency-Key` kept with the pending change, so a retry after a lost answer is
 * replayed by the server instead of applied twice. A 412 means another device wrote meanwhile: the document
 * is read again and the pending value re-applied on top of it (a setting is replaced whole; the latest
 * change made by a person wins).
 */
export interface SettingRecord<T> {
  readonly value: T;
  /** The ETag of the server's document this value is based on; null when none is known. */
  readonly etag: string | null;
  /** A local change the server has not acknowledged yet. */
  readonly pending: boolean;
  /** Sent with the pending change; a new one for every change and every re-apply after a 412. */
  readonly idempotencyKey: string | null;
}

/** Where the record lives between page loads (the reader uses localStorage; tests use memory). */
export interface SettingStorage<T> {
  load(): SettingRecord<T> | null;
  save(record: SettingRecord<T>): void;
}

export interface AppStateSettingOptions<T> {
  readonly baseUrl: string;
  readonly tokens: TokenProvider;
  readonly collection: string;
  readonly key: string;
  readonly schemaVersion: number;
  readonly storage: SettingStorage<T>;
  /** The value from a server document, or null when it is not one this build understands (then it is ignored). */
  readonly parse: (value: unknown, schemaVersion: number) => T | null;
  readonly fetch?: typeof fetch;
  readonly newIdempotencyKey?: () => string;
}

/**
 * What a sync did: `pushed` the local change, `adopted` the server's value, found them `unchanged`, found no
 * document and no local value (`absent`), or could not reach the server (`offline`; a pending change stays).
 */
export type SyncOutcome = 'pushed' | 'adopted' | 'unchanged' | 'absent' | 'offline';

/** A refusal the setting cannot recover from by retrying as is (scope missing, value refused, …). */
export class AppStateSettingError extends Error {
  constructor(
    readonly status: number,
    readonly code: string | null,
    message: string,
  ) {
    super(message);
    this.name = 'AppStateSettingError';
  }
}

/** A 412 after a re-read means a device wrote again in between; a few rounds settle any real race. */
const MAX_REAPPLY = 4;

export class AppStateSetting<T> {
  private running: Promise<SyncOutcome> | null = null;
  private again = false;
  private readonly fetch: typeof fetch;
  private readonly newKey: () => string;

  constructor(private readonly options: AppStateSettingOptions<T>) {
    this.fetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
    this.newKey = options.newIdempotencyKey ?? (() => crypto.randomUUID());
  }

  /** The value to use now: the local change, or the last value synced; null when there is neither. */
  value(): T | null {
    return this.options.storage.load()?.value ?? null;
  }

  pending(): boolean {
    return this.options.storage.load()?.pending ?? false;
  }

  /** A change made on this device: kept locally at once, then sent (its outcome is that of the sync). */
  set(value: T): Promise<SyncOutcome> {
    const previous = this.options.storage.load();
    this.options.storage.save({ value, etag: previous?.etag ?? null, pending: true, idempotencyKey: this.newKey() });
    return this.sync();
  }

  /**
   * Sends the pending change, or adopts the server's value. Calls made while one runs share it and run one
   * more round after it, so a change made meanwhile is not left behind.
   */
  sync(): Promise<SyncOutcome> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    const run = async (): Promise<SyncOutcome> => {
      let outcome: SyncOutcome;
      do {
        this.again = false;
        outcome = await this.syncOnce();
      } while (this.again && outcome !== 'offline');
      return outcome;
    };
    this.running = run().finally(() => (this.running = null));
    return this.running;
  }

  private async syncOnce(): Promise<SyncOutcome> {
    const record = this.options.storage.load();
    if (record?.pending) return this.push(record);
    const current = await this.read();
    if (current === 'offline') return 'offline';
    if (current === null) return record ? this.push({ ...record, etag: null, pending: true, idempotencyKey: this.newKey() }) : 'absent';
    if (record?.etag === current.etag) return 'unchanged';
    const value = this.options.parse(current.value, current.schemaVersion);
    if (value === null) return 'unchanged';
    // A change made while the document was read wins: it is sent by the next round.
    if (this.options.storage.load()?.pending) return 'unchanged';
    this.options.storage.save({ value, etag: current.etag, pending: false, idempotencyKey: null });
    return 'adopted';
  }

  private async push(start: SettingRecord<T>): Promise<SyncOutcome> {
    let record = start;
    for (let attempt = 0; ; attempt++) {
      const res = await this.request('PUT', {
        body: JSON.stringify({ value: record.value, schemaVersion: this.options.schemaVersion }),
        headers: {
          'content-type': 'application/json',
          'idempotency-key': record.idempotencyKey ?? this.newKey(),
          ...(record.etag ? { 'if-match': record.etag } : { 'if-none-match': '*' }),
        },
      });
      if (res === 'offline') return 'offline';
      if (res.ok) {
        const etag = res.headers.get('etag');
        const latest = this.options.storage.load();
        // Acknowledged unless the user changed the setting again while it travelled: then that change stays
        // pending, now based on the document just written.
        const superseded = latest?.pending && latest.idempotencyKey !== record.idempotencyKey;
        this.options.storage.save(superseded ? { ...latest, etag } : { value: record.value, etag, pending: false, idempotencyKey: null });
        if (superseded) this.again = true;
        return 'pushed';
      }
      if (res.status !== 412 || attempt >= MAX_REAPPLY) throw await refusal(res);
      // Another device wrote since this change was based: read the document again and re-apply on top of it.
      const current = await this.read();
      if (current === 'offline') return 'offline';
      const latest = this.options.storage.load() ?? record;
      record = { ...latest, etag: current?.etag ?? null, pending: true, idempotencyKey: this.newKey() };
      this.options.storage.save(record);
    }
  }

  /** The server's document, null when there is none, or `offline` when the server cannot be reached. */
  private async read(): Promise<{ readonly value: unknown; readonly schemaVersion: number; readonly etag: string } | null | 'offline'> {
    const res = await this.request('GET', {});
    if (res === 'offline') return 'offline';
    if (res.status === 404) return null;
    if (!res.ok) throw await refusal(res);
    const body = (await res.json()) as { data: { value: unknown; schemaVersion: number } };
    return { value: body.data.value, schemaVersion: body.data.schemaVersion, etag: res.headers.get('etag') ?? '' };
  }

  /** One call with the current access token; a 401 gets one retry with a renewed token. */
  private async request(method: 'GET' | 'PUT', init: { body?: string; headers?: Record<string, string> }): Promise<Response | 'offline'> {
    const { baseUrl, collection, key, tokens } = this.options;
    const url = `${baseUrl}/auth/v1/app-state/${encodeURIComponent(collection)}/${encodeURIComponent(key)}`;
    for (let attempt = 0; ; attempt++) {
      let res: Response;
      try {
        const grant = await tokens.getToken();
        res = await this.fetch(url, {
          method,
          body: init.body,
          headers: { ...init.headers, 'x-auth-token': grant.accessToken, 'x-client-id': grant.clientId },
        });
      } catch (error) {
        // No network for the call or for the token refresh before it; a refresh the server refused (the login
        // ended) is not being offline, and the caller must know.
        if (error instanceof TypeError || (error instanceof TokenRequestError && error.status === null)) return 'offline';
        throw error;
      }
      if (res.status !== 401 || attempt > 0) return res;
      tokens.invalidate();
    }
  }
}

async function refusal(res: Response): Promise<AppStateSettingError> {
  const body = (await res.json().catch(() => null)) as { message?: unknown; type?: unknown; details?: { error?: { code?: unknown } } } | null;
  const code = typeof body?.details?.error?.code === 'string' ? body.details.error.code : typeof body?.type === 'string' ? body.type : null;
  return new AppStateSettingError(
    res.status,
    code,
    `App State refused the setting (${res.status}${code ? ` ${code}` : ''}): ${typeof body?.message === 'string' ? body.message : res.statusText}`,
  );
}

/** A setting record in localStorage under `name`; anything unreadable there counts as no record. */
export function localStorageSettingStorage<T>(name: string, isValue: (value: unknown) => value is T): SettingStorage<T> {
  return {
    load() {
      try {
        const record = JSON.parse(localStorage.getItem(name) ?? 'null') as SettingRecord<unknown> | null;
        return record && typeof record === 'object' && isValue(record.value) ? (record as SettingRecord<T>) : null;
      } catch {
        return null;
      }
    },
    save(record) {
      localStorage.setItem(name, JSON.stringify(record));
    },
  };
}
