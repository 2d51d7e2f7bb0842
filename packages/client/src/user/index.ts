export type { OutboxEntry, QuarantinedEntry, QuarantineError, RecordData, UserRecord, UserStore, UserStoreOp, UserSyncMeta } from './user-store.js';
export { UserStoreError } from './user-store-ops.js';
export { MemoryUserStore } from './memory-user-store.js';
export { IndexedDbUserStore, type IndexedDbUserStoreOptions } from './indexeddb-user-store.js';
export {
  lastWriterWins,
  resolveConflictPolicy,
  serverWins,
  type ConflictContext,
  type ConflictPolicy,
  type ConflictPolicyName,
  type ConflictResolution,
} from './conflict-policy.js';
export type { Bookmark, BookmarkLocationInput, Collection, Note, NoteInput, ReadingSession } from './user-data-types.js';
export { UserInputError, UserRecordNotFoundError } from './local-unit.js';
export type { ConflictReport, SyncReport, UserDataChange, UserSyncEventMap, UserSyncListener } from './user-sync-events.js';
export type { UserIntegrityOptions, UserIntegrityRepair, UserIntegrityReport } from './user-integrity.js';
export { DEFAULT_ENGINE_OPTIONS, UserSyncOutOfSyncError, type UserSyncEngineOptions } from './user-sync-engine.js';
export { DEFAULT_SCHEDULER_OPTIONS, type SyncSchedulerOptions } from './sync-scheduler.js';
export { UserStoreClosedError } from './user-sync-core.js';
export { PendingChangesError, QuarantineApi, UserSyncClient, type UserSyncClientOptions } from './user-sync-client.js';
export type { BookmarksApi } from './bookmarks-api.js';
export type { CollectionsApi } from './collections-api.js';
export type { NotesApi } from './notes-api.js';
export type { ReadingSessionsApi } from './reading-sessions-api.js';
export type { PreferencesApi } from './preferences-api.js';
