import type { AppContext } from '../app-context.js';

/** Loads the bundled content into an empty database. Returns true when it seeded. */
export async function seedContentIfEmpty(_ctx: AppContext): Promise<boolean> {
  // Filled in by the content-sync work.
  return false;
}
