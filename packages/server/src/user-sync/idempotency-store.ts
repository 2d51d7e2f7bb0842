import { createHash } from 'node:crypto';
import { syncMessages, USER_SYNC_ERROR_CODES } from '@quran-sync/protocol';
import { gunzipSync } from 'node:zlib';
import { sql, type RawBuilder, type Transaction } from 'kysely';
import type { Database } from '../db/schema.js';
import { syncError } from '../http/api-error.js';
import { gzipJson } from '../http/compressed-json.js';

/**
 * `Idempotency-Key` (extension, user-sync.md): a retried write with the same key within the TTL gets the
 * original response back without being applied again, even though the head has moved since. Only successful
 * outcomes are stored: a refused write (409, 422) changed nothing, so evaluating its retry afresh is safe and
 * lets a client recover (pull, then retry) without minting a new key. The lookup runs under the user's write
 * lock, so two concurrent requests with one key cannot both apply.
 *
 * The request hash covers the route and the body but not `lastMutationAt`: a client that lost a response,
 * pulled (seeing its own write) and retries with the new head is still asking for the same write. The same
 * key with a different body is a client bug and is refused with 422.
 */
export interface IdempotencyRequest {
  readonly key: string;
  readonly hash: string;
  readonly ttlMs: number;
}

export interface StoredOutcome {
  readonly status: number;
  readonly body: unknown;
  readonly mutationAt: number;
}

const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;

/** Reads and checks the header; null when absent. Throws 422 for an unusable key. */
export function readIdempotencyKey(header: string | string[] | undefined): string | null {
  if (header === undefined) return null;
  const value = Array.isArray(header) ? header[0] : header;
  if (value === undefined || value === '') return null;
  if (!KEY_PATTERN.test(value)) throw syncError(422, USER_SYNC_ERROR_CODES.validation, syncMessages.invalidIdempotencyKey());
  return value;
}

/** SHA-256 over the route and a canonical JSON of the body (object keys sorted). */
export function hashRequest(route: string, body: unknown): string {
  return createHash('sha256').update(route).update('\n').update(canonicalJson(body)).digest('hex');
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.keys(value as Record<string, unknown>)
      .sort()
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

export async function findStoredOutcome(trx: Transaction<Database>, userId: string, request: IdempotencyRequest): Promise<StoredOutcome | null> {
  const row = await trx
    .selectFrom('user_idempotency_keys')
    .select(['request_hash', 'status', 'body', 'body_gzip', 'mutation_at', 'created_at'])
    .where('user_id', '=', userId)
    .where('key', '=', request.key)
    .executeTakeFirst();
  if (!row || row.created_at < Date.now() - request.ttlMs) return null;
  if (row.request_hash !== request.hash) throw syncError(422, USER_SYNC_ERROR_CODES.validation, syncMessages.idempotencyKeyReused());
  const body: unknown = row.body_gzip ? JSON.parse(gunzipSync(row.body_gzip).toString('utf8')) : row.body;
  return { status: row.status, body, mutationAt: row.mutation_at };
}

/**
 * The statement that stores a successful outcome (an expired record under the same key is replaced), for the
 * write's final statement. The body is stored gzip-compressed, as answers are sent (`gzipJson`): a push's outcome
 * is ~30 KB of JSON, ~2 KB compressed, and PostgreSQL no longer parses, TOASTs and WAL-logs the JSON.
 *
 * `onlyIf` is for a speculative write, which has not looked the key up: the statement then stores nothing
 * when the condition is false, and any record under the key, expired or not, makes it fail with a unique
 * violation (the write then runs again locked, where the lookup decides).
 */
export async function storeOutcomeStatement(
  userId: string,
  request: IdempotencyRequest,
  outcome: StoredOutcome,
  onlyIf?: RawBuilder<unknown>,
): Promise<RawBuilder<unknown>> {
  const bodyGzip = await gzipJson(JSON.stringify(outcome.body));
  // Typed, because in `INSERT … SELECT` untyped parameters would not take the columns' types.
  const values = sql`${userId}::text, ${request.key}::text, ${request.hash}::text, ${outcome.status}::int, null::jsonb, ${bodyGzip}::bytea, ${outcome.mutationAt}::bigint, ${Date.now()}::bigint`;
  const into = sql`insert into user_idempotency_keys (user_id, key, request_hash, status, body, body_gzip, mutation_at, created_at)`;
  if (onlyIf) return sql`${into} select ${values} where ${onlyIf}`;
  return sql`${into} values (${values})
    on conflict (user_id, key) do update set request_hash = excluded.request_hash, status = excluded.status, body = null,
      body_gzip = excluded.body_gzip, mutation_at = excluded.mutation_at, created_at = excluded.created_at`;
}
