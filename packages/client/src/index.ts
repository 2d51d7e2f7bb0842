export { DEFAULT_BACKOFF, backoffDelay, isRetryableStatus, parseRetryAfter, retryDelay, sleep, type BackoffPolicy } from './http/backoff.js';
export type { AccessTokenGrant, TokenProvider } from './auth/token-provider.js';
export { TokenRequestError, requestToken, type ClientAuthentication, type NetworkRetryPolicy, type TokenEndpointOptions } from './auth/token-endpoint-client.js';
export { ClientCredentialsTokenProvider, type ClientCredentialsProviderOptions } from './auth/client-credentials-provider.js';
export { SessionEndedError, UserSessionTokenProvider, type UserSessionProviderOptions } from './auth/user-session-provider.js';
export { sessionFromTokenResponse, type UserSession, type UserSessionStorage } from './auth/user-session.js';
export { authorizedFetch, type FetchLike } from './auth/authorized-fetch.js';
export { buildAuthorizationUrl, createPkcePair, exchangeAuthorizationCode, type AuthorizationUrlParams, type CodeExchange, type PkcePair } from './auth/authorization-code.js';
