import { periodicJob } from '../../lifecycle/periodic-job.js';
import type { Service } from '../../lifecycle/service-lifecycle.js';
import { purgeExpiredAuthorizationCodes } from './authorization-code-repository.js';
import { purgeFinishedGrants } from './grant-repository.js';
import type { IssuerDependencies } from './issuer-dependencies.js';

/** What the purge works on. */
export type IssuerState = Pick<IssuerDependencies, 'db' | 'revocations' | 'log'>;

/** How often expired codes, refresh tokens, grants and revocations are deleted. */
export const ISSUER_MAINTENANCE_INTERVAL_MS = 3_600_000;

/** Deletes issuer rows nothing can use any more. Safe to run on every node at once (plain DELETEs). */
export async function purgeExpiredIssuerState(deps: IssuerState, now = new Date()): Promise<void> {
  await purgeExpiredAuthorizationCodes(deps.db, now);
  await purgeFinishedGrants(deps.db, now);
  await deps.revocations.purgeExpired(now);
}

/** The hourly purge, as a periodic job of the app. */
export function issuerMaintenanceJob(deps: IssuerState): Service {
  return periodicJob({ name: 'oauth2 maintenance', intervalMs: ISSUER_MAINTENANCE_INTERVAL_MS, run: () => purgeExpiredIssuerState(deps), log: deps.log });
}
