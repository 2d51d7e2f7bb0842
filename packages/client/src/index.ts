export { DEFAULT_BACKOFF, backoffDelay, isRetryableStatus, parseRetryAfter, retryDelay, sleep, type BackoffPolicy } from './http/backoff.js';
export type { AccessTokenGrant, TokenProvider } from './auth/token-provider.js';
export {
  TokenRequestError,
  requestToken,
  type ClientAuthentication,
  type NetworkRetryPolicy,
  type TokenEndpointOptions,
} from './auth/token-endpoint-client.js';
export { ClientCredentialsTokenProvider, type ClientCredentialsProviderOptions } from './auth/client-credentials-provider.js';
export { SessionEndedError, UserSessionTokenProvider, type UserSessionProviderOptions } from './auth/user-session-provider.js';
export { sessionFromTokenResponse, type UserSession, type UserSessionStorage } from './auth/user-session.js';
export { IndexedDbSessionStorage, type IndexedDbSessionStorageOptions } from './auth/indexeddb-session-storage.js';
export { authorizedFetch, type FetchLike } from './auth/authorized-fetch.js';
export {
  buildAuthorizationUrl,
  createPkcePair,
  exchangeAuthorizationCode,
  type AuthorizationUrlParams,
  type CodeExchange,
  type PkcePair,
} from './auth/authorization-code.js';
export { NamedLocks, webLocks, type ContextLock } from './coordination/context-lock.js';
export { broadcastChannel, type ContextChannel, type ContextChannelFactory } from './coordination/context-channel.js';
export type { CrossContextOptions } from './coordination/cross-context.js';
export { ApiError, NetworkError, ProtocolError, isContentSyncError, parseErrorEnvelope, type ParsedErrorBody } from './http/api-error.js';
export { DEFAULT_RETRY_POLICY, HttpTransport, type HttpTransportOptions, type RetryInfo, type RetryPolicy, type TransportRequest } from './http/transport.js';
export type {
  ContentCheckpoint,
  ContentStore,
  ContentStoreOp,
  ListRowsOptions,
  StoredResource,
  StoredResourceStatus,
  StoredRow,
  StoredRowInput,
} from './content/content-store.js';
export { ContentStoreError } from './content/content-store-ops.js';
export { MemoryContentStore } from './content/memory-content-store.js';
export { IndexedDbContentStore, type IndexedDbContentStoreOptions } from './content/indexeddb-content-store.js';
export { ContentSyncClient, MAX_CONTENT_AGE_MS, type ContentSyncClientOptions, type StartOptions } from './content/content-sync-client.js';
export type { ContentSyncEventMap, ContentSyncListener, ContentSyncProgress, ContentSyncSummary } from './content/content-sync-events.js';
export { computeStoredDigest, type ContentIntegrityOptions, type ContentIntegrityRepair, type ContentIntegrityReport } from './content/content-integrity.js';
export {
  CONTENT_SYNC_EVENTS,
  CONTENT_SYNC_STATES,
  CONTENT_SYNC_TRANSITIONS,
  ContentSyncStateMachine,
  InvalidTransitionError,
  nextContentSyncState,
  type ContentSyncEvent,
  type ContentSyncState,
  type ContentSyncStateChange,
} from './content/content-sync-state-machine.js';
export * from './user/index.js';
