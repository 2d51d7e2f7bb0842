import { Type, type Static } from '@sinclair/typebox';
import { STATE_DIGEST_PARAM, UserStateDigestSchema } from '../integrity/integrity-wire.js';
import { MUTATION_TYPES, USER_RESOURCES } from './user-resources.js';

/**
 * Wire shapes of `GET/POST /v1/sync` (user-sync.md) as TypeBox schemas, for route documentation and for
 * clients that validate what they receive. Payload (`data`) shapes differ per resource and stay open.
 */
const literalUnion = <T extends readonly string[]>(values: T) => Type.Union(values.map((v) => Type.Literal(v)));

export const MutationTypeSchema = literalUnion(MUTATION_TYPES);
export const UserResourceSchema = literalUnion(USER_RESOURCES);

/** One mutation as a client pushes it (validated further by `validatePushBody`). */
export const PushMutation = Type.Object(
  {
    type: MutationTypeSchema,
    resource: UserResourceSchema,
    resourceId: Type.Optional(Type.Union([Type.String(), Type.Null()])),
    data: Type.Optional(Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()])),
  },
  { additionalProperties: true },
);
export type PushMutation = Static<typeof PushMutation>;

export const PushBody = Type.Object({ mutations: Type.Array(PushMutation) }, { additionalProperties: true });
export type PushBody = Static<typeof PushBody>;

/** A pulled entry, or a push acknowledgement: the same five keys. */
export const SyncMutationEntry = Type.Object({
  type: MutationTypeSchema,
  resource: UserResourceSchema,
  /** Null on pulls of COLLECTION_BOOKMARK and PREFERENCE; acks of links carry the composite id. */
  resourceId: Type.Union([Type.String(), Type.Null()]),
  data: Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()]),
  timestamp: Type.Integer(),
});
export type SyncMutationEntry = Static<typeof SyncMutationEntry>;

export const PullData = Type.Object({
  lastMutationAt: Type.Integer(),
  newLastSyncedAt: Type.Integer(),
  mutations: Type.Array(SyncMutationEntry),
  page: Type.Integer(),
  limit: Type.Integer(),
  total: Type.Integer(),
  hasMore: Type.Boolean(),
});
export type PullData = Static<typeof PullData>;

export const PullResponse = Type.Object({ success: Type.Literal(true), data: PullData });
export type PullResponse = Static<typeof PullResponse>;

export const MetadataOnlyResponse = Type.Object({
  success: Type.Literal(true),
  // stateDigest only when asked for with stateDigest=true (docs/integrity.md).
  data: Type.Object({ lastMutationAt: Type.Integer(), stateDigest: Type.Optional(UserStateDigestSchema) }),
});
export type MetadataOnlyResponse = Static<typeof MetadataOnlyResponse>;

export const PushResponse = Type.Object({
  success: Type.Literal(true),
  data: Type.Object({ mutations: Type.Array(SyncMutationEntry), lastMutationAt: Type.Integer() }),
});
export type PushResponse = Static<typeof PushResponse>;

/** `GET /v1/sync` query parameters. */
export const PULL_DEFAULT_LIMIT = 100;
export const PULL_MAX_LIMIT = 1000;

export const PullQuery = Type.Object(
  {
    mutationsSince: Type.Optional(Type.String({ description: 'ms; -1 and 0 both mean everything' })),
    lastSyncedAt: Type.Optional(Type.String({ description: 'alias of mutationsSince' })),
    resources: Type.Optional(Type.String({ description: 'comma-separated resource names' })),
    metadataOnly: Type.Optional(Type.String({ description: 'true: data is only {lastMutationAt}' })),
    [STATE_DIGEST_PARAM]: Type.Optional(
      Type.String({ description: "with metadataOnly=true: also data.stateDigest, the per-resource digests of the user's state (extension)" }),
    ),
    limit: Type.Optional(Type.String({ description: `1..${PULL_MAX_LIMIT}, default ${PULL_DEFAULT_LIMIT}` })),
    page: Type.Optional(Type.String({ description: '≥ 1, default 1' })),
  },
  { additionalProperties: true },
);
