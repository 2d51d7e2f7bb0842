import type { CapabilityPlugin } from '../capability-plugin.js';
import { standardError } from '../http/api-error.js';
import { installUserJsonParser, MALFORMED_JSON } from './json-body.js';
import { registerBookmarkEndpoints } from './direct/bookmark-endpoints.js';
import { registerCollectionEndpoints } from './direct/collection-endpoints.js';
import { registerNoteEndpoints } from './direct/note-endpoints.js';
import { registerPreferenceEndpoints } from './direct/preference-endpoints.js';
import { registerReadingSessionEndpoints } from './direct/reading-session-endpoints.js';
import { registerSyncRoutes } from './sync-routes.js';

/**
 * The user API (user-sync.md): `GET/POST /sync` and the direct endpoints, registered once under each user
 * prefix (`/auth/v1`, `/v1`), so paths here are relative.
 */
export const userSyncRoutes: CapabilityPlugin = async (app, { ctx }) => {
  installUserJsonParser(app);
  // Only the push answers a malformed body in the sync envelope; every other route uses the standard one.
  app.addHook('preValidation', async (request) => {
    if (request.body === MALFORMED_JSON && !(request.method === 'POST' && request.routeOptions.url?.endsWith('/sync'))) {
      throw standardError(400, 'Request body is not valid JSON (or nests too deep, or holds NUL characters or lone surrogates)');
    }
  });
  registerSyncRoutes(app, ctx);
  registerBookmarkEndpoints(app, ctx);
  registerCollectionEndpoints(app, ctx);
  registerNoteEndpoints(app, ctx);
  registerReadingSessionEndpoints(app, ctx);
  registerPreferenceEndpoints(app, ctx);
};
