import type { AppContext } from '../app-context.js';

/** On an embedded first start: the `dev-client` OAuth client and a `dev` user, announced in the log. */
export async function ensureDevCredentials(_ctx: AppContext): Promise<void> {
  // Filled in by the OAuth2 work.
}
