import { isUserResource, PULL_DEFAULT_LIMIT, PULL_MAX_LIMIT, STATE_DIGEST_PARAM, USER_SYNC_ERROR_CODES, type UserResource } from '@quran-sync/protocol';
import { standardError, syncError } from '../http/api-error.js';

/**
 * Parsed `GET /v1/sync` query. A missing or malformed `mutationsSince` is 400 `invalid_request` in the standard
 * envelope, as QF's API reference documents for a request missing required parameters (no real client relies
 * on anything else: docs/user-sync.md); other bad values are 422 `ValidationError` in the sync envelope.
 */
export interface PullParams {
  readonly since: number;
  /** Requested resources (null: all in scope). */
  readonly resources: readonly UserResource[] | null;
  readonly metadataOnly: boolean;
  /** Opt-in extension (docs/integrity.md): a `metadataOnly` answer also carries the user's state digest. */
  readonly stateDigest: boolean;
  readonly limit: number;
  readonly page: number;
}

const invalid = (message: string): never => {
  throw syncError(422, USER_SYNC_ERROR_CODES.validation, message);
};

const badRequest = (message: string): never => {
  throw standardError(400, message);
};

const INTEGER = /^-?\d{1,16}$/;

function single(value: unknown): string | undefined {
  if (Array.isArray(value)) return value.length > 0 ? String(value[value.length - 1]) : undefined;
  return value === undefined || value === null ? undefined : String(value);
}

export function parsePullParams(query: Record<string, unknown>): PullParams {
  const rawSince = single(query.mutationsSince) ?? single(query.lastSyncedAt);
  if (rawSince === undefined || rawSince === '') badRequest('Missing mutationsSince');
  if (!INTEGER.test(rawSince!.trim()) || Number(rawSince) < -1) badRequest('Invalid mutationsSince: must be -1, 0 or a timestamp in ms');
  const since = Number(rawSince);

  let resources: UserResource[] | null = null;
  const rawResources = single(query.resources);
  if (rawResources !== undefined && rawResources.trim() !== '') {
    resources = [];
    for (const part of rawResources.split(',')) {
      const name = part.trim().toUpperCase();
      if (name === '') continue;
      if (!isUserResource(name)) invalid(`Invalid resources: ${JSON.stringify(part.trim())}`);
      if (!resources.includes(name as UserResource)) resources.push(name as UserResource);
    }
  }

  const rawMeta = single(query.metadataOnly)?.toLowerCase();
  if (rawMeta !== undefined && !['true', 'false', '1', '0', ''].includes(rawMeta)) invalid('Invalid metadataOnly');
  const metadataOnly = rawMeta === 'true' || rawMeta === '1';
  const rawDigest = single(query[STATE_DIGEST_PARAM])?.toLowerCase();
  if (rawDigest !== undefined && !['true', 'false', '1', '0', ''].includes(rawDigest)) invalid(`Invalid ${STATE_DIGEST_PARAM}`);
  const stateDigest = rawDigest === 'true' || rawDigest === '1';

  const limit = positiveInt(single(query.limit), PULL_DEFAULT_LIMIT, PULL_MAX_LIMIT, 'limit');
  const page = positiveInt(single(query.page), 1, 1_000_000, 'page');
  return { since, resources, metadataOnly, stateDigest, limit, page };
}

function positiveInt(raw: string | undefined, fallback: number, max: number, name: string): number {
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d{1,9}$/.test(raw.trim())) invalid(`Invalid ${name}`);
  const value = Number(raw);
  if (value < 1 || value > max) invalid(`Invalid ${name}: must be 1..${max}`);
  return value;
}

/** `lastMutationAt` of a write: the query parameter, else the `X-Mutation-At` request header. */
export function readLastMutationAt(
  query: Record<string, unknown>,
  header: string | string[] | undefined,
): { value: number } | { missing: true } | { invalid: true } {
  const raw = single(query.lastMutationAt) ?? single(Array.isArray(header) ? header[0] : header);
  if (raw === undefined || raw.trim() === '') return { missing: true };
  if (!INTEGER.test(raw.trim())) return { invalid: true };
  const value = Number(raw);
  return value < -1 ? { invalid: true } : { value };
}
