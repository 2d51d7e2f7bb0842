import type { OAuth2TokenResponse } from '@quran-sync/protocol';

/** A signed-in user's tokens, as an app keeps them between runs. */
export interface UserSession {
  readonly accessToken: string;
  /** Single use: every refresh returns a new one, which must replace this one in storage. */
  readonly refreshToken: string | null;
  /** Access-token expiry, epoch milliseconds. */
  readonly expiresAt: number;
  readonly scope: string;
  readonly idToken: string | null;
}

/**
 * Where the session lives between runs (secure storage on mobile, IndexedDB, a file). `save` is awaited
 * before a refreshed token is used, so a crash can never leave storage holding a spent refresh token
 * while the new one is lost; `save(null)` means the login ended (revoked or expired): sign in again.
 */
export interface UserSessionStorage {
  save(session: UserSession | null): void | Promise<void>;
  /**
   * The session as stored now (optional). Storage that several contexts share (browser tabs) implements it so
   * a provider can see, before refreshing, that another context already rotated the refresh token (see
   * `UserSessionProviderOptions.lock`). It must see another context's completed `save` at once: IndexedDB
   * does (`IndexedDbSessionStorage`); localStorage does not (Chromium syncs it between tab processes
   * asynchronously, and a stale read spends the old refresh token, which ends the login).
   */
  load?(): UserSession | null | Promise<UserSession | null>;
}

/** The session a token response starts or continues (`previous` supplies what a refresh may omit). */
export function sessionFromTokenResponse(response: OAuth2TokenResponse, requestedAt: number, previous?: UserSession | null): UserSession {
  return {
    accessToken: response.access_token,
    refreshToken: response.refresh_token ?? previous?.refreshToken ?? null,
    expiresAt: requestedAt + response.expires_in * 1000,
    scope: response.scope ?? previous?.scope ?? '',
    idToken: response.id_token ?? previous?.idToken ?? null,
  };
}
