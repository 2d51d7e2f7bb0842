import { ALL_SCOPES } from '@quran-sync/protocol';
import type { AppContext } from '../app-context.js';
import { ClientValidationError, createClient, findClient } from './oauth2/client-repository.js';
import { UserValidationError, createUser } from './oauth2/user-repository.js';

/** Well-known development credentials (README, docs/auth.md). Never enable them on a public server. */
export const DEV_CLIENT_ID = 'dev-client';
export const DEV_CLIENT_SECRET = 'dev-secret';
export const DEV_USERNAME = 'dev';
export const DEV_PASSWORD = 'dev-password';
/** The dev user's id (`sub`) is its name, so `quran-sync token --user dev` needs no lookup. */
export const DEV_USER_ID = 'dev';

/**
 * Local callback URIs of the development client. Loopback URIs match on any port (RFC 8252 §7.3, see
 * redirect-uri-match.ts), so `http://127.0.0.1:5173/reader/callback` works too.
 */
export const DEV_REDIRECT_URIS = [
  'http://127.0.0.1:8080/reader/callback',
  'http://localhost:8080/reader/callback',
  'http://127.0.0.1:8080/callback',
  'http://localhost:8080/callback',
];

/**
 * On an embedded first start: the `dev-client` OAuth client (every scope, every grant) and the `dev` user,
 * announced in the log only when this call created them. Idempotent and safe when several processes
 * start together (inserts that lose the race are ignored). Only meaningful with the built-in issuer.
 */
export async function ensureDevCredentials(ctx: AppContext): Promise<void> {
  if (ctx.config.auth.mode !== 'builtin') return;
  const created: string[] = [];
  if (!(await findClient(ctx.db, DEV_CLIENT_ID))) {
    try {
      await createClient(ctx.db, {
        id: DEV_CLIENT_ID,
        name: 'Development client',
        secret: DEV_CLIENT_SECRET,
        scopes: ALL_SCOPES,
        redirectUris: DEV_REDIRECT_URIS,
        grantTypes: ['client_credentials', 'authorization_code', 'refresh_token'],
      });
      created.push(`OAuth client ${DEV_CLIENT_ID} / ${DEV_CLIENT_SECRET} (every scope)`);
    } catch (error) {
      if (!(error instanceof ClientValidationError)) throw error; // already created by another process
    }
  }
  const user = await ctx.db.selectFrom('users').select('id').where('username', '=', DEV_USERNAME).executeTakeFirst();
  if (!user) {
    try {
      await createUser(ctx.db, { id: DEV_USER_ID, username: DEV_USERNAME, password: DEV_PASSWORD });
      created.push(`user ${DEV_USERNAME} / ${DEV_PASSWORD} (id ${DEV_USER_ID})`);
    } catch (error) {
      if (!(error instanceof UserValidationError)) throw error;
    }
  }
  if (created.length > 0) {
    ctx.log.warn(
      `created development credentials: ${created.join('; ')}. Anyone who knows them can use this server: disable with QS_DEV_CREDENTIALS=false on a shared or public deployment.`,
    );
  }
}
