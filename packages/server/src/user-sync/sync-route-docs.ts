import { MetadataOnlyResponse, PullResponse, PushResponse } from '@quran-sync/protocol';
import { Type } from '@sinclair/typebox';
import { errorAnswer, jsonAnswer } from '../http/response-docs.js';

/**
 * Answers of `GET /sync` and `POST /sync` for the OpenAPI document (user-sync.md). Their 409 and 422 use the
 * sync envelope `{success: false, error: {code, message}}`; everything else the standard one.
 */
export const PULL_ANSWERS = {
  200: jsonAnswer(
    Type.Union([PullResponse, MetadataOnlyResponse]),
    'A page of mutations, or only the head with metadataOnly=true; X-Mutation-At carries the head',
  ),
  400: errorAnswer(400, 'standard', 'Missing or invalid mutationsSince'),
  422: errorAnswer(422, 'sync', '`ValidationError`: an invalid resources, metadataOnly, limit or page'),
};

export const PUSH_ANSWERS = {
  200: jsonAnswer(PushResponse, 'Every mutation applied, acknowledged in order; X-Mutation-At carries the new head'),
  409: errorAnswer(409, 'sync', '`OutOfSyncError`: lastMutationAt is older than the head; pull, then push again'),
  422: errorAnswer(422, 'sync', '`ValidationError`: a missing or invalid lastMutationAt, a body that is not JSON, or an invalid mutation (nothing applied)'),
};
