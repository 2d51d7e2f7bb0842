import { base64Url } from './base64.js';
import { requestToken, type TokenEndpointOptions } from './token-endpoint-client.js';
import { sessionFromTokenResponse, type UserSession } from './user-session.js';

/** PKCE verifier and its S256 challenge (RFC 7636), from WebCrypto (browsers, Node 20+, workers). */
export interface PkcePair {
  readonly verifier: string;
  readonly challenge: string;
}

export async function createPkcePair(): Promise<PkcePair> {
  const verifier = base64Url(globalThis.crypto.getRandomValues(new Uint8Array(32)));
  const digest = await globalThis.crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier));
  return { verifier, challenge: base64Url(new Uint8Array(digest)) };
}

export interface AuthorizationUrlParams {
  readonly baseUrl: string;
  readonly clientId: string;
  readonly redirectUri: string;
  readonly scope: string;
  readonly state: string;
  readonly codeChallenge: string;
  readonly nonce?: string;
}

/** Where to send the browser to sign in (`/oauth2/auth`, PKCE S256). */
export function buildAuthorizationUrl(params: AuthorizationUrlParams): string {
  const url = new URL(`${params.baseUrl.replace(/\/+$/, '')}/oauth2/auth`);
  url.search = new URLSearchParams({
    response_type: 'code',
    client_id: params.clientId,
    redirect_uri: params.redirectUri,
    scope: params.scope,
    state: params.state,
    code_challenge: params.codeChallenge,
    code_challenge_method: 'S256',
    ...(params.nonce ? { nonce: params.nonce } : {}),
  }).toString();
  return url.toString();
}

export interface CodeExchange extends TokenEndpointOptions {
  readonly clientId: string;
  readonly clientSecret?: string | null;
  readonly code: string;
  readonly redirectUri: string;
  readonly codeVerifier: string;
}

/**
 * Trades the code from the redirect for a session. Never resent after a network failure that may have
 * reached the server: a code works once, and presenting it twice revokes what the first use issued.
 */
export async function exchangeAuthorizationCode(exchange: CodeExchange): Promise<UserSession> {
  const requestedAt = (exchange.now ?? Date.now)();
  const response = await requestToken(
    exchange,
    { clientId: exchange.clientId, clientSecret: exchange.clientSecret ?? null },
    { grant_type: 'authorization_code', code: exchange.code, redirect_uri: exchange.redirectUri, code_verifier: exchange.codeVerifier },
    'before-send',
  );
  return sessionFromTokenResponse(response, requestedAt);
}
