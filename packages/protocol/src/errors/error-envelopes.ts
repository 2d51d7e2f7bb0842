import { Type, type Static } from '@sinclair/typebox';

/**
 * The four error envelopes of the contract (auth-and-errors.md). Every error response the server sends
 * has exactly one of these shapes; which one depends on the route, never on the error.
 */
export const ERROR_ENVELOPE_KINDS = ['standard', 'sync', 'content', 'oauth2'] as const;
export type ErrorEnvelopeKind = (typeof ERROR_ENVELOPE_KINDS)[number];

/** `{message, type, success: false}`: every API error not covered by another envelope. */
export const StandardErrorBody = Type.Object(
  {
    message: Type.String(),
    type: Type.String(),
    success: Type.Literal(false),
  },
  { $id: 'StandardErrorBody' },
);
export type StandardErrorBody = Static<typeof StandardErrorBody>;

/** `/v1/sync` 409 and 422, and 409 of direct writes. */
export const SyncErrorBody = Type.Object(
  {
    success: Type.Literal(false),
    error: Type.Object({
      code: Type.Union([Type.Literal('OutOfSyncError'), Type.Literal('ValidationError')]),
      message: Type.String(),
      // An extension: what exactly was wrong, where QF's message is the same for many causes (`Invalid mutations`).
      details: Type.Optional(Type.String()),
    }),
  },
  { $id: 'SyncErrorBody' },
);
export type SyncErrorBody = Static<typeof SyncErrorBody>;

/** Content sync (`/resources/sync` 410/422, snapshot 404/422). */
export const ContentSyncErrorBody = Type.Object(
  {
    error: Type.Object({ code: Type.String(), message: Type.String() }),
  },
  { $id: 'ContentSyncErrorBody' },
);
export type ContentSyncErrorBody = Static<typeof ContentSyncErrorBody>;

/** OAuth2 endpoints (RFC 6749 §5.2 plus QF's `status_code`). */
export const OAuth2ErrorBody = Type.Object(
  {
    error: Type.String(),
    error_description: Type.String(),
    status_code: Type.Integer(),
  },
  { $id: 'OAuth2ErrorBody' },
);
export type OAuth2ErrorBody = Static<typeof OAuth2ErrorBody>;
