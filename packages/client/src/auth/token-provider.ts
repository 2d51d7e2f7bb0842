/** What API calls need from authentication: a current access token and the client it was issued to. */
export interface AccessTokenGrant {
  readonly accessToken: string;
  /** Sent as `x-client-id`; the server checks it against the token. */
  readonly clientId: string;
}

/**
 * Source of access tokens for the SDK's HTTP calls. Implementations cache the token, renew it shortly
 * before it expires and make concurrent callers share one renewal.
 */
export interface TokenProvider {
  getToken(): Promise<AccessTokenGrant>;
  /** Forget the current access token (the server refused it): the next `getToken` obtains a new one. */
  invalidate(): void;
}
