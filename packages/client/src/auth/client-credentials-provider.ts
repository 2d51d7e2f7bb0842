import { requestToken, type TokenEndpointOptions } from './token-endpoint-client.js';
import type { AccessTokenGrant, TokenProvider } from './token-provider.js';

export interface ClientCredentialsProviderOptions extends TokenEndpointOptions {
  readonly clientId: string;
  readonly clientSecret: string;
  /** Scopes to request, e.g. `content` (space-separated string or list). */
  readonly scope: string | readonly string[];
  /** Renew this long before the token expires (default 30 s), so no request goes out with a dying token. */
  readonly refreshMarginMs?: number;
}

/**
 * App tokens from the client_credentials grant (HTTP Basic), as the content sync engine needs them.
 * Caches the token until `refreshMarginMs` before its expiry; concurrent callers share one request;
 * network failures, 429 and 5xx-unavailable answers are retried with bounded, jittered backoff.
 */
export class ClientCredentialsTokenProvider implements TokenProvider {
  private cached: { grant: AccessTokenGrant; renewAt: number } | null = null;
  private inFlight: Promise<AccessTokenGrant> | null = null;
  private readonly scope: string;

  constructor(private readonly options: ClientCredentialsProviderOptions) {
    this.scope = typeof options.scope === 'string' ? options.scope : options.scope.join(' ');
  }

  async getToken(): Promise<AccessTokenGrant> {
    const now = this.now();
    if (this.cached && now < this.cached.renewAt) return this.cached.grant;
    this.inFlight ??= this.fetchToken().finally(() => {
      this.inFlight = null;
    });
    return this.inFlight;
  }

  invalidate(): void {
    this.cached = null;
  }

  private async fetchToken(): Promise<AccessTokenGrant> {
    // Expiry is measured from before the request: the token may have been minted a little earlier than the
    // answer arrives, never later.
    const requestedAt = this.now();
    const response = await requestToken(
      this.options,
      { clientId: this.options.clientId, clientSecret: this.options.clientSecret },
      { grant_type: 'client_credentials', scope: this.scope },
      'any',
    );
    const grant: AccessTokenGrant = { accessToken: response.access_token, clientId: this.options.clientId };
    this.cached = { grant, renewAt: requestedAt + response.expires_in * 1000 - (this.options.refreshMarginMs ?? 30_000) };
    return grant;
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
  }
}
