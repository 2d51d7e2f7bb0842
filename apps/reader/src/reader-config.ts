/**
 * Where the reader finds its server and who it signs in as. The reader is served by the sync server itself
 * (`/reader/`), so the APIs are on the same origin: no CORS, and the login page is one redirect away.
 */
export const CLIENT_ID = 'quran-reader';

/** Content, every user-data scope, App State (the settings that follow the user), and `offline_access` so the session outlives the one-hour access token. */
export const SCOPES = 'openid offline_access content sync bookmark collection note reading_session preference app_state';

export const BASE_URL = location.origin;

/** The page itself, with no query: the server redirects here with `?code=…&state=…` after sign-in. */
export const REDIRECT_URI = new URL(import.meta.env.BASE_URL, location.origin).href;

/** The Quran text and structure (chapters, verses); translations are added by the user's choice. */
export const QURAN_CORE = { group: 'quran_core', id: 1 } as const;

/** Background content sync period; user data follows the SDK's scheduler (after writes, every minute, on reconnect). */
export const CONTENT_SYNC_INTERVAL_MS = 10 * 60_000;
