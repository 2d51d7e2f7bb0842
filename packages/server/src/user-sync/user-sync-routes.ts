import type { CapabilityPlugin } from '../capability-plugin.js';

/** `GET/POST /sync` and the direct endpoints, registered under each user prefix. */
export const userSyncRoutes: CapabilityPlugin = async (_app, _opts) => {
  // Filled in by the user-sync work.
};
