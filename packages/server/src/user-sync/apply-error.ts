import { syncMessages, USER_SYNC_ERROR_CODES } from '@quran-sync/protocol';
import { standardError, syncError, type ApiError } from '../http/api-error.js';

/**
 * A mutation that cannot be applied to the stored state: it names a resource this user does not have, or
 * breaks a rule that needs stored state to check. Raised inside the write transaction (so nothing of the
 * batch is kept) and turned into the caller's error: a 422 naming the mutation index on `/v1/sync`, a
 * 404/422 in the standard envelope on direct endpoints.
 */
export type ApplyErrorReason = 'unknown' | 'missing-field' | 'invalid-field' | 'default-rename' | 'default-delete' | 'duplicate-bookmark';

export class ApplyError extends Error {
  constructor(
    readonly reason: ApplyErrorReason,
    /** The field at fault: `resourceId`, `collectionId`, `bookmarkId`, `name`, … */
    readonly field: string = 'resourceId',
  ) {
    super(`${reason} ${field}`);
    this.name = 'ApplyError';
  }
}

export const unknownResource = (field = 'resourceId'): ApplyError => new ApplyError('unknown', field);

/** The 422 of a push, naming the mutation. */
export function applyErrorToSync(error: ApplyError, index: number): ApiError {
  const message = (() => {
    switch (error.reason) {
      case 'unknown':
        return error.field === 'resourceId' ? syncMessages.invalidResourceId(index) : syncMessages.invalidField(error.field, index);
      case 'missing-field':
        return syncMessages.missingField(error.field, index);
      case 'invalid-field':
        return syncMessages.invalidField(error.field, index);
      case 'default-rename':
        return syncMessages.defaultCollectionRename(index);
      case 'default-delete':
        return syncMessages.defaultCollectionDelete(index);
      case 'duplicate-bookmark':
        return syncMessages.duplicateBookmark(index);
    }
  })();
  return syncError(422, USER_SYNC_ERROR_CODES.validation, message);
}

/** The error of a direct endpoint: unknown resources are 404 (never a hint that another user has them). */
export function applyErrorToDirect(error: ApplyError): ApiError {
  switch (error.reason) {
    case 'unknown':
      return standardError(404, error.field === 'resourceId' ? 'The requested resource could not be found' : `No such ${error.field.replace(/Id$/, '')}`);
    case 'missing-field':
      return standardError(422, `Missing ${error.field}`);
    case 'invalid-field':
      return standardError(422, `Invalid ${error.field}`);
    case 'default-rename':
      return standardError(422, 'The default collection cannot be renamed');
    case 'default-delete':
      return standardError(422, 'The default collection cannot be deleted');
    case 'duplicate-bookmark':
      return standardError(422, 'A bookmark already exists at this location');
  }
}
