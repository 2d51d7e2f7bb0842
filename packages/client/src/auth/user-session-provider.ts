import { webLocks, type ContextLock } from '../coordination/context-lock.js';
import { requestToken, TokenRequestError, type TokenEndpointOptions } from './token-endpoint-client.js';
import type { AccessTokenGrant, TokenProvider } from './token-provider.js';
import { sessionFromTokenResponse, type UserSession, type UserSessionStorage } from './user-session.js';

export interface UserSessionProviderOptions extends TokenEndpointOptions {
  readonly clientId: string;
  /** Only for confidential clients (server-side apps); public apps refresh with their client_id alone. */
  readonly clientSecret?: string | null;
  readonly session: UserSession;
  readonly storage?: UserSessionStorage;
  /** Refresh this long before the access token expires (default 30 s). */
  readonly refreshMarginMs?: number;
  /**
   * Serialises refreshes with other contexts (browser tabs) that share `storage`. Default: `navigator.locks`
   * when available and `storage.load` exists; `null`: off. See the class comment.
   */
  readonly lock?: ContextLock | null;
  /** Name of that lock (default `quran-sync:session:<clientId>`). */
  readonly lockName?: string;
}

/** The login is over (refresh token revoked, reused or expired): the user must sign in again. */
export class SessionEndedError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SessionEndedError';
  }
}

/**
 * A user's tokens for the user-sync engine: hands out the access token, refreshes it (with rotation)
 * shortly before expiry or after the server refused it, and persists each new refresh token through
 * `storage` before using it.
 *
 * Exactly one refresh runs at a time and every concurrent caller waits for it: with rotation, two
 * parallel refreshes would present the same refresh token twice, and the server would take the second
 * for a stolen token and end the login. For the same reason a refresh is resent after a network failure
 * only when the request certainly never left (see `NetworkRetryPolicy`).
 *
 * Several contexts (browser tabs) sharing one stored session would each hold a provider, and two of them
 * refreshing at the same moment would end the login just the same. With a `lock` and a `storage.load`, a
 * refresh runs under the lock and first reads the stored session: if another context rotated it meanwhile,
 * this one adopts that session (and refreshes only if it is about to expire too); if another context ended
 * it, so does this one.
 */
export class UserSessionTokenProvider implements TokenProvider {
  private session: UserSession | null;
  private stale = false;
  private inFlight: Promise<AccessTokenGrant> | null = null;
  private readonly lock: ContextLock | null;

  constructor(private readonly options: UserSessionProviderOptions) {
    this.session = options.session;
    this.lock = options.lock !== undefined ? options.lock : options.storage?.load ? webLocks() : null;
  }

  /** The current session (null once it ended). */
  get currentSession(): UserSession | null {
    return this.session;
  }

  async getToken(): Promise<AccessTokenGrant> {
    if (this.inFlight) return this.inFlight;
    const session = this.session;
    if (!session) throw new SessionEndedError('the session has ended: sign in again');
    if (!this.stale && this.now() < session.expiresAt - (this.options.refreshMarginMs ?? 30_000)) {
      return { accessToken: session.accessToken, clientId: this.options.clientId };
    }
    this.inFlight = this.refreshShared(session).finally(() => {
      this.inFlight = null;
    });
    return this.inFlight;
  }

  /** `refresh`, under the cross-context lock when there is one, after adopting what another context stored. */
  private async refreshShared(session: UserSession): Promise<AccessTokenGrant> {
    const load = this.options.storage?.load?.bind(this.options.storage);
    if (!this.lock || !load) return this.refresh(session);
    return this.lock.run(this.options.lockName ?? `quran-sync:session:${this.options.clientId}`, async () => {
      const stored = await load();
      if (stored === undefined) return this.refresh(session);
      if (stored === null) {
        this.session = null;
        throw new SessionEndedError('the session was ended in another context: sign in again');
      }
      if (stored.refreshToken !== session.refreshToken || stored.accessToken !== session.accessToken) {
        // Another context refreshed: its tokens are the live ones (ours may be spent already).
        this.session = stored;
        this.stale = false;
        if (this.now() < stored.expiresAt - (this.options.refreshMarginMs ?? 30_000))
          return { accessToken: stored.accessToken, clientId: this.options.clientId };
        return this.refresh(stored);
      }
      return this.refresh(session);
    });
  }

  invalidate(): void {
    this.stale = true;
  }

  private async refresh(session: UserSession): Promise<AccessTokenGrant> {
    if (!session.refreshToken) {
      await this.end();
      throw new SessionEndedError('the access token expired and the session has no refresh token (offline_access was not granted): sign in again');
    }
    const requestedAt = this.now();
    let response: Awaited<ReturnType<typeof requestToken>>;
    try {
      response = await requestToken(
        this.options,
        { clientId: this.options.clientId, clientSecret: this.options.clientSecret ?? null },
        { grant_type: 'refresh_token', refresh_token: session.refreshToken },
        'before-send',
      );
    } catch (error) {
      if (error instanceof TokenRequestError && error.error === 'invalid_grant') {
        await this.end();
        throw new SessionEndedError('the login was revoked or has expired: sign in again', { cause: error });
      }
      throw error;
    }
    const next = sessionFromTokenResponse(response, requestedAt, session);
    // The old refresh token is spent from here on: keep the new one in memory even if storing it fails.
    this.session = next;
    this.stale = false;
    await this.options.storage?.save(next);
    return { accessToken: next.accessToken, clientId: this.options.clientId };
  }

  private async end(): Promise<void> {
    this.session = null;
    await this.options.storage?.save(null);
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
  }
}
