import { CONTENT_SYNC_ERRORS, ContentDigestsResponseSchema, ContentSnapshot, ContentSyncResponse } from '@quran-sync/protocol';
import { emptyAnswer, errorAnswer, jsonAnswer } from '../http/response-docs.js';

/**
 * Answers of the content routes for the OpenAPI document. Content sync refuses bad parameters with its own
 * codes in `{error: {code, message}}` (content-sync.md); the auth guard and plumbing use the standard envelope.
 */
/** The content sync codes answered with `status`, as the contract assigns them. */
const codes = (status: number) =>
  Object.entries(CONTENT_SYNC_ERRORS)
    .filter(([, s]) => s === status)
    .map(([code]) => `\`${code}\``)
    .join(', ');

export const SYNC_PAGE_ANSWERS = {
  200: jsonAnswer(ContentSyncResponse, 'One page of changes (gzip when accepted and worth it)'),
  410: errorAnswer(410, 'content', `${codes(410)}: the token or cursor is older than the retained feed; bootstrap again`),
  422: errorAnswer(422, 'content', `Invalid parameters: ${codes(422)}`),
};

/** The digests route refuses what the sync route refuses (token age aside: a digest needs no feed history). */
export const DIGESTS_ANSWERS = {
  200: jsonAnswer(ContentDigestsResponseSchema, "Per-resource digests at the token's checkpoint, or at the head without a token"),
  410: errorAnswer(410, 'content', '`resync_required`: the token is unreadable or ahead of the head'),
  422: errorAnswer(422, 'content', `Invalid parameters: ${codes(422)}`),
};

export const SNAPSHOT_ANSWERS = {
  200: jsonAnswer(ContentSnapshot, 'The snapshot, streamed (gzip or br when accepted), with a weak ETag'),
  304: emptyAnswer('Not modified: If-None-Match names the current ETag'),
  404: errorAnswer(404, 'content', '`snapshot_not_found`: no public resource with that id'),
  422: errorAnswer(422, 'content', '`unknown_resource_group`'),
};
