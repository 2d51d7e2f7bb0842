import { sql } from 'kysely';
import type { AppContext } from '../app-context.js';
import { ClientValidationError, createClient, findClient } from '../auth/oauth2/client-repository.js';
import { READER_PATH } from './reader-routes.js';

/** The OAuth client the reader signs in as (apps/reader/src/reader-config.ts uses the same id). */
export const READER_CLIENT_ID = 'quran-reader';

/**
 * What the reader asks for: content, every user-data scope, App State (its settings follow the user), and a
 * refresh token to stay signed in offline.
 */
export const READER_SCOPES = [
  'openid',
  'offline_access',
  'content',
  'sync',
  'bookmark',
  'collection',
  'note',
  'reading_session',
  'preference',
  'app_state',
] as const;

/**
 * Scopes the reader started asking for after its client could already exist in a database. The client is
 * created once, so these are added to an existing client that lacks them; otherwise its sign-in would be
 * refused (a public client may only ask for what it is allowed).
 */
export const READER_SCOPES_ADDED_LATER = ['app_state'] as const;

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
 * together. A client that already exists keeps what an operator may have changed (name, redirect URIs,
 * scopes), and only gains the scopes the reader asks for since (READER_SCOPES_ADDED_LATER).
 */
export async function ensureReaderClient(ctx: AppContext): Promise<void> {
  if (ctx.config.auth.mode !== 'builtin') return;
  if (await findClient(ctx.db, READER_CLIENT_ID)) {
    await addLaterScopes(ctx);
    return;
  }
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

/** One statement per scope, conditional on its absence: safe when several processes start together. */
async function addLaterScopes(ctx: AppContext): Promise<void> {
  for (const scope of READER_SCOPES_ADDED_LATER) {
    const result = await ctx.db
      .updateTable('oauth_clients')
      .set({ allowed_scopes: sql<string[]>`array_append(allowed_scopes, ${scope}::text)` })
      .where('id', '=', READER_CLIENT_ID)
      .where(sql<boolean>`not (${scope}::text = any(allowed_scopes))`)
      .executeTakeFirst();
    if (result.numUpdatedRows > 0n) ctx.log.info(`granted the reader's OAuth client ${READER_CLIENT_ID} the scope ${scope}`);
  }
}
