import type { UserResource } from '@quran-sync/protocol';
import { unknownResource } from '../apply-error.js';
import type { Payload } from '../resource-payloads.js';
import type { ApplierContext } from '../write-engine/applier-context.js';

/** What an applier reports for an ack or a direct-endpoint answer: the resource as it now is. */
export interface AppliedResource<Row = unknown> {
  /** The resource's id; a link's composite id; a preference's group. Null only for a link no-op that names no bookmark. */
  readonly resourceId: string | null;
  readonly row: Row;
  /** Null only for a no-op on something this user has no row of. */
  readonly data: Payload | null;
  /** The mutation's timestamp, or the resource's latest one when the write changed nothing. */
  readonly timestamp: number;
}

/**
 * What a write does with a mutation on something that is gone (deleted by another device, never this user's,
 * or purged): `/v1/sync` acknowledges it without effect, because a well-behaved client sends such mutations
 * whenever it pushes after another device's concurrent edit; direct endpoints answer 404 as they always did.
 */
export type GonePolicy = 'acknowledge' | 'refuse';

/**
 * A DELETE of a resource this user has no row of: refused (404 on direct endpoints), or acknowledged per
 * `gone` with the id sent, no data, and the resource's latest timestamp (a purged tombstone has none left),
 * else the current head. Never-existed, purged and another user's ids all get exactly this, so the answer
 * tells nothing about other users.
 */
export async function noRowAck(ctx: ApplierContext, gone: GonePolicy, resource: UserResource, resourceId: string): Promise<AppliedResource<null>> {
  if (gone === 'refuse') throw unknownResource();
  return { resourceId, row: null, data: null, timestamp: await ctx.latestTimestamp(resource, resourceId) };
}

/** A client timestamp field to store: undefined keeps the stored value. */
export function clientTime(value: string | null | undefined, current: Date | null): Date | null {
  if (value === undefined) return current;
  return value === null ? null : new Date(value);
}

export function sameTime(a: Date | null, b: Date | null): boolean {
  return (a?.getTime() ?? null) === (b?.getTime() ?? null);
}
