import { Value } from '@sinclair/typebox/value';
import type { TSchema } from '@sinclair/typebox';
import {
  HEADERS,
  isDigestHex,
  MetadataOnlyResponse,
  PULL_MAX_LIMIT,
  PullResponse,
  PushResponse,
  STATE_DIGEST_PARAM,
  type MutationType,
  type PullData,
  type PushMutation,
  type UserResource,
  type UserStateDigest,
} from '@quran-sync/protocol';
import { ProtocolError } from '../http/api-error.js';
import type { HttpTransport } from '../http/transport.js';

/**
 * The three `/v1/sync` calls of the user-sync engine, on top of the shared transport (auth headers, bounded
 * retries with backoff and jitter, Retry-After, timeouts). Bodies are checked against the protocol's wire
 * schemas before the engine sees them, so a misbehaving server fails the run (`ProtocolError`) instead of
 * corrupting the store. Error statuses arrive as the transport's typed `ApiError` (409 `OutOfSyncError`,
 * 422 `ValidationError`, …).
 */
/** A pulled entry or an ack, typed (the wire schemas admit only the contract's names). */
export interface SyncEntry {
  readonly type: MutationType;
  readonly resource: UserResource;
  readonly resourceId: string | null;
  readonly data: Record<string, unknown> | null;
  readonly timestamp: number;
}

export type PullPage = Omit<PullData, 'mutations'> & { readonly mutations: readonly SyncEntry[] };

export interface PushResult {
  readonly acks: readonly SyncEntry[];
  readonly lastMutationAt: number;
  /**
   * `X-Mutations-Recorded` (an extension): how many mutations the push recorded, side effects included; null
   * when the server does not say (another server, or a replayed answer).
   */
  readonly recorded: number | null;
}

export class UserSyncApi {
  /** `prefix`: `/v1` (direct) or `/auth/v1` (QF gateway layout). */
  constructor(
    private readonly transport: HttpTransport,
    private readonly prefix: string = '/v1',
  ) {}

  /** `GET ?metadataOnly=true`: the user's head (`-1` for a user with no history). One cheap lookup. */
  async head(since: number, signal?: AbortSignal): Promise<number> {
    const url = `${this.prefix}/sync?${new URLSearchParams({ mutationsSince: String(since), metadataOnly: 'true' })}`;
    const body = await this.getJson(url, MetadataOnlyResponse, signal);
    return body.data.lastMutationAt;
  }

  /**
   * `GET ?metadataOnly=true&stateDigest=true` (docs/integrity.md): the head and the digest of the user's state at
   * it; `stateDigest` null from a server without the extension (it answers the plain `metadataOnly` form).
   */
  async stateDigest(since: number, signal?: AbortSignal): Promise<{ readonly head: number; readonly stateDigest: UserStateDigest | null }> {
    const url = `${this.prefix}/sync?${new URLSearchParams({ mutationsSince: String(since), metadataOnly: 'true', [STATE_DIGEST_PARAM]: 'true' })}`;
    const body = await this.getJson(url, MetadataOnlyResponse, signal);
    const digest = (body.data as { stateDigest?: unknown }).stateDigest as Partial<UserStateDigest> | undefined;
    if (digest === undefined) return { head: body.data.lastMutationAt, stateDigest: null };
    const valid =
      digest !== null &&
      typeof digest === 'object' &&
      digest.head === body.data.lastMutationAt &&
      typeof digest.resources === 'object' &&
      digest.resources !== null &&
      Object.values(digest.resources).every((d) => d !== undefined && Number.isInteger(d.count) && isDigestHex(d.digest));
    if (!valid) throw new ProtocolError('stateDigest does not match docs/integrity.md', url);
    return { head: body.data.lastMutationAt, stateDigest: digest as UserStateDigest };
  }

  /** One page of mutations after `since`, ascending by timestamp; `resources`: only these (a repair's full pull). */
  async pull(since: number, limit: number, signal?: AbortSignal, resources?: readonly UserResource[]): Promise<PullPage> {
    const query: Record<string, string> = { mutationsSince: String(since), limit: String(Math.min(limit, PULL_MAX_LIMIT)) };
    if (resources) query.resources = resources.join(',');
    const url = `${this.prefix}/sync?${new URLSearchParams(query)}`;
    const body = await this.getJson(url, PullResponse, signal);
    const page = body.data;
    let previous = since;
    for (const m of page.mutations) {
      // Compacted entries have unique timestamps, all after the cursor, ascending.
      if (m.timestamp <= previous) throw new ProtocolError(`pulled mutation at ${m.timestamp} does not come after ${previous}`, url);
      previous = m.timestamp;
    }
    if (page.hasMore && page.lastMutationAt <= since) throw new ProtocolError('a page with more to come does not move the cursor', url);
    return page as PullPage;
  }

  /** `POST ?lastMutationAt=head` with one batch; the same `idempotencyKey` for every retry of the same batch. */
  async push(head: number, mutations: readonly PushMutation[], idempotencyKey: string, signal?: AbortSignal): Promise<PushResult> {
    const url = `${this.prefix}/sync?${new URLSearchParams({ lastMutationAt: String(head) })}`;
    let recorded: number | null = null;
    const body = await this.transport.send(
      url,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json', [HEADERS.idempotencyKey]: idempotencyKey },
        body: JSON.stringify({ mutations }),
        ...(signal ? { signal } : {}),
      },
      (response) => {
        const header = response.headers.get(HEADERS.mutationsRecorded);
        recorded = header !== null && /^\d{1,9}$/.test(header) ? Number(header) : null;
        return readJson(response, url);
      },
    );
    check(PushResponse, body, url);
    const acks = body.data.mutations;
    if (acks.length !== mutations.length) throw new ProtocolError(`push of ${mutations.length} mutations answered with ${acks.length} acks`, url);
    acks.forEach((ack, i) => {
      if (ack.type !== mutations[i]!.type || ack.resource !== mutations[i]!.resource)
        throw new ProtocolError(`ack ${i} is ${ack.type} ${ack.resource}, not the ${mutations[i]!.type} ${mutations[i]!.resource} sent`, url);
    });
    return { acks: acks as SyncEntry[], lastMutationAt: body.data.lastMutationAt, recorded };
  }

  private async getJson<S extends TSchema>(url: string, schema: S, signal?: AbortSignal) {
    const body = await this.transport.send(url, signal ? { signal } : {}, (response) => readJson(response, url));
    check(schema, body, url);
    return body;
  }
}

function check<S extends TSchema>(schema: S, body: unknown, url: string): asserts body is import('@sinclair/typebox').Static<S> {
  if (Value.Check(schema, body)) return;
  const first = Value.Errors(schema, body).First();
  throw new ProtocolError(`answer does not match the contract: ${first ? `${first.path || '/'}: ${first.message}` : 'unknown'}`, url);
}

async function readJson(response: Response, url: string): Promise<unknown> {
  const text = await response.text();
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new ProtocolError(`answer is not JSON (${text.length} characters, content-type ${response.headers.get('content-type') ?? 'none'})`, url);
  }
}
