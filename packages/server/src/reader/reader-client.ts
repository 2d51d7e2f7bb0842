import type { AppContext } from '../app-context.js';
import { ClientValidationError, createClient, findClient } from '../auth/oauth2/client-repository.js';
import { READER_PATH } from './reader-routes.js';

/** The OAuth client the reader signs in as (apps/reader/src/reader-config.ts uses the same id). */
export const READER_CLIENT_ID = 'quran-reader';

/** What the reader asks for: content, every user-data scope, and a refresh token to stay signed in offline. */
export const READER_SCOPES = ['openid', 'offline_access', 'content', 'sync', 'bookmark', 'collection', 'note', 'reading_session', 'preference'] as const;

/**
 * The reader's redirect URIs: the server's public URL when configured, and the loopback addresses of the
 * listening port (loopback URIs match on any port, redirect-uri-match.ts, so test servers on port 0 work).
 */
export function readerRedirectUris(publicUrl: string | null, port: number): string[] {
  const uris = [`http://127.0.0.1:${port || 8080}${READER_PATH}`, `http://localhost:${port || 8080}${READER_PATH}`];
  if (publicUrl) uris.unshift(`${publicUrl}${READER_PATH}`);
  return [...new Set(uris)];
}

/**
 * Creates the reader's OAuth client when the server serves the reader with its built-in issuer: a public
 * client (a browser app cannot keep a secret; it proves itself with PKCE S256), limited to the code and
 * refresh grants and to redirect URIs on this server. Unlike the dev credentials it grants nothing by
 * itself: users still sign in with their own password. Idempotent, and safe when several processes start
 * together. A client that already exists is left as it is (an operator may have changed it).
 */
export async function ensureReaderClient(ctx: AppContext): Promise<void> {
  if (ctx.config.auth.mode !== 'builtin') return;
  if (await findClient(ctx.db, READER_CLIENT_ID)) return;
  try {
    await createClient(ctx.db, {
      id: READER_CLIENT_ID,
      name: 'Quran Sync reader',
      secret: null,
      scopes: [...READER_SCOPES],
      redirectUris: readerRedirectUris(ctx.config.publicUrl, ctx.config.port),
      grantTypes: ['authorization_code', 'refresh_token'],
    });
    ctx.log.info(`created the reader's public OAuth client ${READER_CLIENT_ID}`);
  } catch (error) {
    if (!(error instanceof ClientValidationError)) throw error; // created meanwhile by another process
  }
}
