import type { CapabilityPlugin } from '../capability-plugin.js';

/** Editorial API under `/admin/v1` (scope `content.write`). */
export const adminRoutes: CapabilityPlugin = async (_app, _opts) => {
  // Filled in by the content-sync work.
};
