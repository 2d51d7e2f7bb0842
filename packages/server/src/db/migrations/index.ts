import type { Migration } from 'kysely';
import { authMigration } from './0001-auth.js';
import { contentMigration } from './0002-content.js';
import { userDataMigration } from './0003-user-data.js';
import { contentHeadNotifyMigration } from './0004-content-head-notify.js';
import { idempotencyBodyGzipMigration } from './0005-idempotency-body-gzip.js';
import { appStateMigration } from './0006-app-state.js';
import { contentDigestsMigration } from './0007-content-digests.js';

/**
 * Every migration, in order. Names sort lexically in the order they must run; a migration, once
 * released, is never edited: a change is a new entry.
 */
export const MIGRATIONS: Readonly<Record<string, Migration>> = {
  '0001-auth': authMigration,
  '0002-content': contentMigration,
  '0003-user-data': userDataMigration,
  '0004-content-head-notify': contentHeadNotifyMigration,
  '0005-idempotency-body-gzip': idempotencyBodyGzipMigration,
  '0006-app-state': appStateMigration,
  '0007-content-digests': contentDigestsMigration,
};
