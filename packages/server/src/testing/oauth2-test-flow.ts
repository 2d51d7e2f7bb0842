import { createHash, randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import { createClient, type NewClient, type OAuthClientRecord } from '../auth/oauth2/client-repository.js';
import { createUser, type UserRecord } from '../auth/oauth2/user-repository.js';
import type { Database } from '../db/schema.js';

/**
 * Drives the built-in issuer the way a browser and an app do, over real HTTP: register a client and a user,
 * walk the login page (cookie + form token) to an authorization code, exchange it. For tests of the issuer
 * and of everything that needs real user tokens (SDK token providers, sync engines).
 */
export const TEST_REDIRECT_URI = 'http://127.0.0.1:9/callback';

export async function createTestClient(db: Kysely<Database>, client: Partial<NewClient> & { id: string }): Promise<OAuthClientRecord> {
  return createClient(db, { scopes: 'content', redirectUris: [TEST_REDIRECT_URI], ...client });
}

export async function createTestUser(db: Kysely<Database>, username: string, password = 'correct horse battery'): Promise<UserRecord> {
  return createUser(db, { username, password });
}

export interface PkcePair {
  readonly verifier: string;
  readonly challenge: string;
}

export function newPkcePair(): PkcePair {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

export interface AuthorizeOptions {
  readonly clientId: string;
  readonly redirectUri?: string;
  readonly scope: string;
  readonly username: string;
  readonly password: string;
  readonly state?: string;
  readonly nonce?: string;
  readonly pkce?: PkcePair;
}

export interface LoginPage {
  readonly status: number;
  readonly html: string;
  /** `name=value` of the login cookie, to send back with the POST. */
  readonly cookie: string | null;
  readonly formToken: string | null;
  /** Hidden fields of the form, as the browser would submit them. */
  readonly fields: Record<string, string>;
}

/** GET /oauth2/auth and read the form the way a browser would. */
export async function openLoginPage(baseUrl: string, params: Record<string, string>, cookie?: string): Promise<LoginPage> {
  const res = await fetch(`${baseUrl}/oauth2/auth?${new URLSearchParams(params)}`, { redirect: 'manual', headers: cookie ? { cookie } : {} });
  const html = await res.text();
  const setCookie = res.headers.get('set-cookie');
  const fields: Record<string, string> = {};
  for (const match of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) fields[unescapeHtml(match[1]!)] = unescapeHtml(match[2]!);
  return { status: res.status, html, cookie: setCookie ? setCookie.split(';')[0]! : (cookie ?? null), formToken: fields.form_token ?? null, fields };
}

export function authorizationParams(options: Omit<AuthorizeOptions, 'username' | 'password'> & { pkce: PkcePair }): Record<string, string> {
  return {
    response_type: 'code',
    client_id: options.clientId,
    redirect_uri: options.redirectUri ?? TEST_REDIRECT_URI,
    scope: options.scope,
    state: options.state ?? 'state-123',
    code_challenge: options.pkce.challenge,
    code_challenge_method: 'S256',
    ...(options.nonce ? { nonce: options.nonce } : {}),
  };
}

/** POST the login form; returns the raw response (a redirect on success). */
export async function submitLogin(
  baseUrl: string,
  page: LoginPage,
  credentials: { username: string; password: string; decision?: 'allow' | 'deny' },
): Promise<Response> {
  return fetch(`${baseUrl}/oauth2/auth`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...(page.cookie ? { cookie: page.cookie } : {}) },
    body: new URLSearchParams({ ...page.fields, username: credentials.username, password: credentials.password, decision: credentials.decision ?? 'allow' }),
  });
}

export interface AuthorizationResult {
  readonly code: string;
  readonly state: string | null;
  readonly location: URL;
  readonly pkce: PkcePair;
  readonly redirectUri: string;
}

/** The whole browser leg: login page, sign in, allow; returns the code from the redirect. */
export async function authorizeWithLogin(baseUrl: string, options: AuthorizeOptions): Promise<AuthorizationResult> {
  const pkce = options.pkce ?? newPkcePair();
  const page = await openLoginPage(baseUrl, authorizationParams({ ...options, pkce }));
  if (page.status !== 200) throw new Error(`login page answered ${page.status}: ${page.html.slice(0, 300)}`);
  const res = await submitLogin(baseUrl, page, options);
  const location = res.headers.get('location');
  if (res.status !== 302 || !location) throw new Error(`login answered ${res.status}: ${(await res.text()).slice(0, 300)}`);
  const url = new URL(location);
  const code = url.searchParams.get('code');
  if (!code) throw new Error(`login redirected without a code: ${location}`);
  return { code, state: url.searchParams.get('state'), location: url, pkce, redirectUri: options.redirectUri ?? TEST_REDIRECT_URI };
}

/** POST /oauth2/token with a form body (and HTTP Basic when a secret is given). */
export async function tokenRequest(baseUrl: string, form: Record<string, string>, basic?: { clientId: string; clientSecret: string }): Promise<Response> {
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' };
  if (basic) headers.authorization = `Basic ${Buffer.from(`${basic.clientId}:${basic.clientSecret}`).toString('base64')}`;
  return fetch(`${baseUrl}/oauth2/token`, { method: 'POST', headers, body: new URLSearchParams(form) });
}

/** Signs in and exchanges the code: the token response of a full authorization-code + PKCE flow. */
export async function loginForTokens(
  baseUrl: string,
  options: AuthorizeOptions & { clientSecret?: string },
): Promise<{ access_token: string; refresh_token?: string; id_token?: string; scope: string; expires_in: number; expires_at: number; token_type: string }> {
  const authorization = await authorizeWithLogin(baseUrl, options);
  const form = {
    grant_type: 'authorization_code',
    code: authorization.code,
    redirect_uri: authorization.redirectUri,
    code_verifier: authorization.pkce.verifier,
  };
  const res = options.clientSecret
    ? await tokenRequest(baseUrl, form, { clientId: options.clientId, clientSecret: options.clientSecret })
    : await tokenRequest(baseUrl, { ...form, client_id: options.clientId });
  const body = (await res.json()) as Awaited<ReturnType<typeof loginForTokens>>;
  if (res.status !== 200) throw new Error(`code exchange answered ${res.status}: ${JSON.stringify(body)}`);
  return body;
}

function unescapeHtml(value: string): string {
  return value.replace(/&(amp|lt|gt|quot|#39);/g, (_m, e: string) => ({ amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'" })[e]!);
}
