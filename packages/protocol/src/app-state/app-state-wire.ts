import { Type, type Static, type TSchema } from '@sinclair/typebox';

/**
 * Wire shapes of the App State API (`/v1/app-state…`), as `@quranjs/api` 3.10 sends and parses them and QF's
 * OpenAPI describes them. Keys are camelCase; every success is `{ success: true, data }`.
 */

const success = <T extends TSchema>(data: T) => Type.Object({ success: Type.Literal(true), data });

export const AppStateJsonValue = Type.Unknown({ description: 'Any JSON value, owned by the application; stored as a complete replacement' });

export const AppStateCollection = Type.Object({
  name: Type.String({ description: 'Collection (data group) name' }),
  maxDocumentsPerUser: Type.Integer({ description: 'Live documents one user may keep in this collection' }),
  requiresPrecondition: Type.Boolean({ description: 'Writes must carry exactly one of If-Match or If-None-Match' }),
});
export type AppStateCollection = Static<typeof AppStateCollection>;

export const AppStateLimits = Type.Object({
  changeRetentionDays: Type.Integer({ description: 'Deletions stay in the change feed this long; older sync tokens may answer 410' }),
  maxDocumentBytes: Type.Integer({ description: 'Largest document value, in bytes of its UTF-8 JSON' }),
  maxDocumentsPerUser: Type.Integer({ description: 'Live documents one user may keep over all collections' }),
  quotaBytesPerUser: Type.Integer({ description: 'Bytes of live document values one user may keep' }),
});
export type AppStateLimits = Static<typeof AppStateLimits>;

export const AppStateConfiguration = Type.Object({
  collections: Type.Array(AppStateCollection),
  configVersion: Type.Integer({ description: 'Changes whenever the operator changes the configuration' }),
  limits: AppStateLimits,
});
export type AppStateConfiguration = Static<typeof AppStateConfiguration>;

const documentFields = {
  collection: Type.String(),
  key: Type.String(),
  schemaVersion: Type.Integer({ minimum: 1 }),
  updatedAt: Type.String({ format: 'date-time' }),
  version: Type.Integer({ minimum: 1, description: 'Increases with every write of the key, deletes and re-creations included' }),
};

/** `GET …/{collection}/{key}` (the validator travels in the `ETag` header). */
export const AppStateDocument = Type.Object({ ...documentFields, value: AppStateJsonValue });
export type AppStateDocument = Static<typeof AppStateDocument>;

/** An item of a listing or a bootstrap page. */
export const AppStateDocumentWithEtag = Type.Object({
  ...documentFields,
  value: AppStateJsonValue,
  etag: Type.String({ description: 'Opaque quoted validator' }),
});
export type AppStateDocumentWithEtag = Static<typeof AppStateDocumentWithEtag>;

/** A change: the document's latest state; a delete carries `value: null` and the deleted document's schemaVersion. */
export const AppStateChange = Type.Object({
  ...documentFields,
  value: AppStateJsonValue,
  etag: Type.String(),
  operation: Type.Union([Type.Literal('upsert'), Type.Literal('delete')]),
});
export type AppStateChange = Static<typeof AppStateChange>;

/** `PUT` answer (the validator travels in the `ETag` header). */
export const AppStateMutationResult = Type.Object(documentFields);
export type AppStateMutationResult = Static<typeof AppStateMutationResult>;

export const AppStatePage = Type.Object({
  hasMore: Type.Boolean(),
  items: Type.Array(AppStateDocumentWithEtag),
  nextCursor: Type.Union([Type.String(), Type.Null()]),
});
export type AppStatePage = Static<typeof AppStatePage>;

export const AppStateBootstrapPage = Type.Object({
  hasMore: Type.Boolean(),
  items: Type.Array(AppStateDocumentWithEtag),
  nextCursor: Type.Union([Type.String(), Type.Null()]),
  nextSyncToken: Type.Union([Type.String(), Type.Null()], { description: 'Set on the last page only: pull changes from it' }),
});
export type AppStateBootstrapPage = Static<typeof AppStateBootstrapPage>;

export const AppStateChangesPage = Type.Object({
  changes: Type.Array(AppStateChange),
  hasMore: Type.Boolean(),
  nextSyncToken: Type.String(),
});
export type AppStateChangesPage = Static<typeof AppStateChangesPage>;

export const AppStateConfigurationResponse = success(AppStateConfiguration);
export const AppStateDocumentResponse = success(AppStateDocument);
export const AppStateMutationResponse = success(AppStateMutationResult);
export const AppStatePageResponse = success(AppStatePage);
export const AppStateBootstrapResponse = success(AppStateBootstrapPage);
export const AppStateChangesResponse = success(AppStateChangesPage);

/** `PUT` body. */
export const AppStatePutBody = Type.Object(
  {
    value: AppStateJsonValue,
    schemaVersion: Type.Integer({ minimum: 1, maximum: 2_147_483_647, description: 'Application-owned version of the value’s shape' }),
  },
  { additionalProperties: true },
);
export type AppStatePutBody = Static<typeof AppStatePutBody>;

/**
 * Every App State error: the standard envelope plus `details`, the service error as QF's gateway forwards it
 * (`details.error.code` is what clients branch on). Refusals made before the App State service is reached
 * (authentication, rate limits, unknown routes) have no `details`, as at QF's gateway. A 412 also carries the current ETag, in
 * `details.error.details.currentETag` (QF) and `details.currentETag` (the SDK's type); null when the document
 * is absent.
 */
export const AppStateErrorBody = Type.Object({
  message: Type.String(),
  type: Type.String(),
  success: Type.Literal(false),
  details: Type.Optional(
    Type.Object({
      success: Type.Literal(false),
      error: Type.Object({
        code: Type.String(),
        message: Type.String(),
        details: Type.Optional(Type.Object({}, { additionalProperties: true })),
      }),
      currentETag: Type.Optional(Type.Union([Type.String(), Type.Null()])),
    }),
  ),
});
export type AppStateErrorBody = Static<typeof AppStateErrorBody>;
