import type { CapabilityPlugin } from '../../capability-plugin.js';

/** `/oauth2/*` and `/.well-known/*` of the built-in issuer. */
export const oauth2Routes: CapabilityPlugin = async (_app, _opts) => {
  // Filled in by the OAuth2 work.
};
