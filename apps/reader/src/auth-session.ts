import { buildAuthorizationUrl, createPkcePair, exchangeAuthorizationCode, IndexedDbSessionStorage, type UserSession } from '@quran-sync/client';
import { BASE_URL, CLIENT_ID, REDIRECT_URI, SCOPES } from './reader-config.js';

const PENDING_KEY = 'quran-reader:sign-in';
/** Where builds before the switch to IndexedDB kept the session (moved over once, so nobody is signed out). */
const LEGACY_SESSION_KEY = 'quran-reader:session';

let storage: Promise<IndexedDbSessionStorage> | null = null;

/**
 * The signed-in session, in IndexedDB (database `quran-reader-session`), shared by every tab of the reader.
 * The SDK's session provider refreshes under a Web Lock and first re-reads this storage, so a refresh token
 * another tab rotated is adopted rather than spent twice (which the server takes for theft and ends the
 * login). That re-read must see the other tab's save the moment it returned: a committed IndexedDB
 * transaction is visible to every tab at once, whereas Chromium copies localStorage between tab processes
 * asynchronously (the SDK's browser test caught a tab reading the old session and losing the login).
 */
export function sharedSessionStorage(): Promise<IndexedDbSessionStorage> {
  storage ??= IndexedDbSessionStorage.open({ name: 'quran-reader-session' });
  return storage;
}

/** The stored session, or null when nobody is signed in on this browser. */
export async function loadSession(): Promise<UserSession | null> {
  const store = await sharedSessionStorage();
  const legacy = localStorage.getItem(LEGACY_SESSION_KEY);
  if (legacy !== null) {
    localStorage.removeItem(LEGACY_SESSION_KEY);
    if ((await store.load()) === null) await store.save(parseSession(legacy));
  }
  return store.load();
}

function parseSession(raw: string): UserSession | null {
  try {
    return JSON.parse(raw) as UserSession;
  } catch {
    return null;
  }
}

/** Sends the browser to the server's login page (authorization code + PKCE S256; the verifier stays in this tab). */
export async function startSignIn(): Promise<void> {
  const pkce = await createPkcePair();
  const state = crypto.randomUUID();
  sessionStorage.setItem(PENDING_KEY, JSON.stringify({ state, verifier: pkce.verifier }));
  location.assign(
    buildAuthorizationUrl({ baseUrl: BASE_URL, clientId: CLIENT_ID, redirectUri: REDIRECT_URI, scope: SCOPES, state, codeChallenge: pkce.challenge }),
  );
}

/**
 * Finishes a sign-in when the page was opened by the login redirect: checks `state`, trades the code for a
 * session and stores it. Returns null when the URL is not a redirect, or an error message for the user.
 */
export async function completeSignIn(): Promise<{ readonly session: UserSession } | { readonly error: string } | null> {
  const params = new URLSearchParams(location.search);
  const code = params.get('code');
  const error = params.get('error');
  if (!code && !error) return null;
  history.replaceState(null, '', REDIRECT_URI + location.hash);
  const pending = JSON.parse(sessionStorage.getItem(PENDING_KEY) ?? 'null') as { state: string; verifier: string } | null;
  sessionStorage.removeItem(PENDING_KEY);
  if (error) return { error: error === 'access_denied' ? 'Sign-in was cancelled.' : `Sign-in failed: ${params.get('error_description') ?? error}` };
  if (!pending || pending.state !== params.get('state'))
    return { error: 'Sign-in could not be verified (it was started in another tab or expired). Please sign in again.' };
  try {
    const session = await exchangeAuthorizationCode({
      baseUrl: BASE_URL,
      clientId: CLIENT_ID,
      code: code!,
      redirectUri: REDIRECT_URI,
      codeVerifier: pending.verifier,
    });
    await (await sharedSessionStorage()).save(session);
    await rememberUserName(session);
    return { session };
  } catch (cause) {
    return { error: `Sign-in failed: ${cause instanceof Error ? cause.message : String(cause)}` };
  }
}

const USER_NAME_KEY = 'quran-reader:user-name';

/** The ID token names the user by id only; the display name comes from userinfo once, at sign-in. */
async function rememberUserName(session: UserSession): Promise<void> {
  try {
    const res = await fetch(`${BASE_URL}/oauth2/userinfo`, { headers: { authorization: `Bearer ${session.accessToken}` } });
    const body = (await res.json()) as { preferred_username?: unknown };
    if (res.ok && typeof body.preferred_username === 'string') localStorage.setItem(USER_NAME_KEY, body.preferred_username);
  } catch {
    // Only a greeting: the id is shown instead.
  }
}

/** Sign-out (or a login that ended): the session leaves storage, so no tab starts with it again. */
export async function forgetSession(): Promise<void> {
  await (await sharedSessionStorage()).save(null);
  localStorage.removeItem(USER_NAME_KEY);
}

/** The user's id (from the ID token; it names the user's local database) and display name. */
export function sessionUser(session: UserSession): { readonly id: string; readonly name: string } {
  const claims = decodeJwtPayload(session.idToken) ?? decodeJwtPayload(session.accessToken) ?? {};
  const id = typeof claims.sub === 'string' ? claims.sub : 'user';
  return { id, name: localStorage.getItem(USER_NAME_KEY) ?? id };
}

function decodeJwtPayload(token: string | null): Record<string, unknown> | null {
  const part = token?.split('.')[1];
  if (!part) return null;
  try {
    const json = atob(
      part
        .replace(/-/g, '+')
        .replace(/_/g, '/')
        .padEnd(Math.ceil(part.length / 4) * 4, '='),
    );
    return JSON.parse(new TextDecoder().decode(Uint8Array.from(json, (c) => c.charCodeAt(0)))) as Record<string, unknown>;
  } catch {
    return null;
  }
}
