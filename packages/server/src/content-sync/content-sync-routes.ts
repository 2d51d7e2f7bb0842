import type { CapabilityPlugin } from '../capability-plugin.js';

/** `GET /resources/sync` and `GET /resources/snapshots/{group}/{id}`, registered under each content prefix. */
export const contentSyncRoutes: CapabilityPlugin = async (_app, _opts) => {
  // Filled in by the content-sync work.
};
