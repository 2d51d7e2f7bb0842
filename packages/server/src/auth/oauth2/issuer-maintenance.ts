import { purgeExpiredAuthorizationCodes } from './authorization-code-repository.js';
import { purgeFinishedGrants } from './grant-repository.js';
import type { IssuerDependencies } from './issuer-dependencies.js';

/** How often expired codes, refresh tokens, grants and revocations are deleted. */
export const ISSUER_MAINTENANCE_INTERVAL_MS = 3_600_000;

/** Deletes issuer rows nothing can use any more. Safe to run on every node at once (plain DELETEs). */
export async function purgeExpiredIssuerState(deps: IssuerDependencies, now = new Date()): Promise<void> {
  await purgeExpiredAuthorizationCodes(deps.db, now);
  await purgeFinishedGrants(deps.db, now);
  await deps.revocations.purgeExpired(now);
}

/** Starts the hourly purge; returns the function that stops it. */
export function startIssuerMaintenance(deps: IssuerDependencies): () => void {
  const timer = setInterval(() => {
    purgeExpiredIssuerState(deps).catch((error: unknown) => deps.log.warn({ err: error }, 'oauth2 maintenance failed'));
  }, ISSUER_MAINTENANCE_INTERVAL_MS);
  timer.unref();
  return () => clearInterval(timer);
}
