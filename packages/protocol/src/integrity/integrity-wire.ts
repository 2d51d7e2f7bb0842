import { Type } from '@sinclair/typebox';
import { isDigestHex, type SetDigest } from './integrity-digest.js';

/**
 * Wire forms of the integrity digests (docs/integrity.md). Every one is an extension a client must ask for
 * or may ignore: a response header on snapshots, a new path for per-resource content digests, and a field
 * on `metadataOnly` pulls that only appears with `stateDigest=true`.
 */

/** Snapshot response header: `sha256-sum=<64 hex>; rows=<count>; sequence=<last_sequence>`. */
export const RESOURCE_DIGEST_HEADER = 'x-resource-digest';

/** The digest of a resource's rows at a resource sequence (its latest feed entry). */
export interface ResourceDigestHeader extends SetDigest {
  readonly sequence: number;
}

export function formatResourceDigestHeader(d: ResourceDigestHeader): string {
  return `sha256-sum=${d.digest}; rows=${d.count}; sequence=${d.sequence}`;
}

/** The header's value, or null when it is absent or not in this form (a client then skips verification). */
export function parseResourceDigestHeader(value: string | null | undefined): ResourceDigestHeader | null {
  if (!value) return null;
  const parts = new Map<string, string>();
  for (const part of value.split(';')) {
    const at = part.indexOf('=');
    if (at > 0) parts.set(part.slice(0, at).trim(), part.slice(at + 1).trim());
  }
  const digest = parts.get('sha256-sum');
  const count = Number(parts.get('rows'));
  const sequence = Number(parts.get('sequence'));
  if (!isDigestHex(digest) || !Number.isSafeInteger(count) || count < 0 || !Number.isSafeInteger(sequence) || sequence < 0) return null;
  return { digest, count, sequence };
}

/** `GET /api/v4/resources/digests?resources=…[&sync_token=…]`. */
export interface ContentDigestsResponse {
  readonly digests: {
    readonly algorithm: string;
    /**
     * The sequence the digests are comparable at: the token's checkpoint, or the head without a token. A
     * resource changed after it is listed with `digest: null` (the next run brings its changes).
     */
    readonly sequence: number;
    readonly resources: readonly ContentResourceDigest[];
  };
}

/** `ContentDigestsResponse` as a schema, for route documentation and clients that validate answers. */
const DigestHex = Type.String({ pattern: '^[0-9a-f]{64}$' });
export const ContentDigestsResponseSchema = Type.Object({
  digests: Type.Object({
    algorithm: Type.String(),
    sequence: Type.Integer(),
    resources: Type.Array(
      Type.Object({
        resource_group: Type.String(),
        resource_id: Type.Integer(),
        last_sequence: Type.Integer(),
        row_count: Type.Union([Type.Integer(), Type.Null()]),
        digest: Type.Union([DigestHex, Type.Null()]),
      }),
    ),
  }),
});

export interface ContentResourceDigest {
  readonly resource_group: string;
  readonly resource_id: number;
  /** Sequence of the resource's latest feed entry. */
  readonly last_sequence: number;
  /** Null: changed after `sequence` (not comparable yet), or not public any more. */
  readonly row_count: number | null;
  readonly digest: string | null;
}

/** Query parameter that opts a `metadataOnly` pull into the user's state digest. */
export const STATE_DIGEST_PARAM = 'stateDigest';

/** The extra `data.stateDigest` of an opted-in `metadataOnly` pull. */
export interface UserStateDigest {
  readonly algorithm: string;
  /** The user's head the digest was taken at (equals `lastMutationAt`). */
  readonly head: number;
  /** Per resource type (those readable with the token's scopes): live records and their digest. */
  readonly resources: Readonly<Partial<Record<string, SetDigest>>>;
}

/** `UserStateDigest` as a schema (the optional `data.stateDigest` of a `metadataOnly` pull). */
export const UserStateDigestSchema = Type.Object({
  algorithm: Type.String(),
  head: Type.Integer(),
  resources: Type.Record(Type.String(), Type.Object({ count: Type.Integer(), digest: DigestHex })),
});
