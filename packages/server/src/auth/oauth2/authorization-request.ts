import { isKnownScope, parseScopeString, scopeGrants, type OAuth2ErrorCode } from '@quran-sync/protocol';
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import { findClient, type OAuthClientRecord } from './client-repository.js';
import { isS256CodeChallenge, PKCE_METHOD } from './pkce.js';
import { redirectUriMatches } from './redirect-uri-match.js';

/** A validated authorization request (RFC 6749 §4.1.1 + PKCE + OIDC nonce). */
export interface AuthorizationRequest {
  readonly client: OAuthClientRecord;
  readonly redirectUri: string;
  readonly scopes: readonly string[];
  readonly state: string | null;
  readonly codeChallenge: string;
  readonly codeChallengeMethod: typeof PKCE_METHOD;
  readonly nonce: string | null;
}

/**
 * The three outcomes RFC 6749 §4.1.2.1 distinguishes: the client or redirect URI cannot be trusted (show
 * an error page; never redirect to an unverified URI), the request is otherwise wrong (redirect back with
 * `error=`), or it is valid.
 */
export type AuthorizationRequestCheck =
  | { readonly kind: 'untrusted'; readonly message: string }
  | { readonly kind: 'error'; readonly redirectUri: string; readonly state: string | null; readonly error: OAuth2ErrorCode; readonly description: string }
  | { readonly kind: 'valid'; readonly request: AuthorizationRequest };

/** Parameters echoed in hidden form fields and bound into the form token, in a fixed order. */
export const AUTHORIZATION_PARAMETERS = [
  'response_type',
  'client_id',
  'redirect_uri',
  'scope',
  'state',
  'code_challenge',
  'code_challenge_method',
  'nonce',
] as const;

const MAX_STATE_LENGTH = 2048;
const MAX_NONCE_LENGTH = 512;

export async function checkAuthorizationRequest(db: Kysely<Database>, params: Record<string, unknown>): Promise<AuthorizationRequestCheck> {
  const single = (name: string): string | null | 'repeated' => {
    const value = params[name];
    if (Array.isArray(value)) return 'repeated';
    return typeof value === 'string' && value.length > 0 ? value : null;
  };

  const clientId = single('client_id');
  if (clientId === 'repeated') return { kind: 'untrusted', message: 'The client_id parameter is repeated.' };
  if (clientId === null) return { kind: 'untrusted', message: 'The request names no client (client_id is missing).' };
  const client = await findClient(db, clientId);
  if (!client) return { kind: 'untrusted', message: `Unknown client ${JSON.stringify(clientId.slice(0, 100))}.` };

  const requestedRedirect = single('redirect_uri');
  if (requestedRedirect === 'repeated') return { kind: 'untrusted', message: 'The redirect_uri parameter is repeated.' };
  let redirectUri: string;
  if (requestedRedirect === null) {
    if (client.redirectUris.length !== 1) return { kind: 'untrusted', message: 'redirect_uri is required: this client registers several.' };
    redirectUri = client.redirectUris[0]!;
  } else if (redirectUriMatches(requestedRedirect, client.redirectUris)) {
    redirectUri = requestedRedirect;
  } else {
    return { kind: 'untrusted', message: 'The redirect_uri is not registered for this client.' };
  }

  // From here on the redirect URI is trusted: errors go back to the client.
  const rawState = single('state');
  const state = rawState === 'repeated' || (rawState !== null && rawState.length > MAX_STATE_LENGTH) ? null : rawState;
  const fail = (error: OAuth2ErrorCode, description: string): AuthorizationRequestCheck => ({ kind: 'error', redirectUri, state, error, description });
  if (rawState === 'repeated') return fail('invalid_request', 'The state parameter is repeated');
  if (rawState !== null && rawState.length > MAX_STATE_LENGTH) return fail('invalid_request', `state is longer than ${MAX_STATE_LENGTH} characters`);
  for (const name of AUTHORIZATION_PARAMETERS) {
    if (single(name) === 'repeated') return fail('invalid_request', `The ${name} parameter is repeated`);
  }

  const responseType = single('response_type');
  if (responseType === null) return fail('invalid_request', 'Missing parameter: response_type');
  if (responseType !== 'code') return fail('unsupported_response_type', 'Only response_type=code is supported');
  if (!client.grantTypes.includes('authorization_code')) return fail('unauthorized_client', 'This client may not use the authorization_code grant');

  const scopes = parseScopeString(single('scope') as string | null);
  if (scopes.length === 0) return fail('invalid_scope', 'Missing parameter: scope');
  const unknown = scopes.filter((s) => !isKnownScope(s));
  if (unknown.length > 0) return fail('invalid_scope', `Unknown scope: ${unknown.join(' ')}`);
  const refused = scopes.filter((s) => !scopeGrants(client.allowedScopes, s));
  if (refused.length > 0) return fail('invalid_scope', `Scope not allowed for this client: ${refused.join(' ')}`);

  const codeChallenge = single('code_challenge') as string | null;
  const method = single('code_challenge_method') as string | null;
  if (codeChallenge === null) return fail('invalid_request', 'PKCE is required: send code_challenge and code_challenge_method=S256');
  if (method !== PKCE_METHOD) return fail('invalid_request', 'code_challenge_method must be S256');
  if (!isS256CodeChallenge(codeChallenge)) return fail('invalid_request', 'code_challenge must be the 43-character base64url SHA-256 of the verifier');

  const nonce = single('nonce') as string | null;
  if (nonce !== null && nonce.length > MAX_NONCE_LENGTH) return fail('invalid_request', `nonce is longer than ${MAX_NONCE_LENGTH} characters`);

  return { kind: 'valid', request: { client, redirectUri, scopes, state, codeChallenge, codeChallengeMethod: PKCE_METHOD, nonce } };
}

/** The redirect back to the client: its URI with our parameters added (RFC 6749 §4.1.2, RFC 9207 `iss`). */
export function clientRedirect(redirectUri: string, params: Record<string, string | null>): string {
  const url = new URL(redirectUri);
  for (const [name, value] of Object.entries(params)) if (value !== null) url.searchParams.set(name, value);
  return url.toString();
}
