/** Codes of the sync envelope (user-sync.md). */
export const USER_SYNC_ERROR_CODES = {
  outOfSync: 'OutOfSyncError',
  validation: 'ValidationError',
} as const;

export type UserSyncErrorCode = (typeof USER_SYNC_ERROR_CODES)[keyof typeof USER_SYNC_ERROR_CODES];

/** The exact 409 message of the contract; clients match on the code, some log the message. */
export const OUT_OF_SYNC_MESSAGE = 'Invalid lastMutationAt, please re-sync your data and try again.';
