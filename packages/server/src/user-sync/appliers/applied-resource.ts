import type { Payload } from '../resource-payloads.js';

/** What an applier reports for an ack or a direct-endpoint answer: the resource as it now is. */
export interface AppliedResource<Row = unknown> {
  /** The resource's id; a link's composite id; a preference's group. */
  readonly resourceId: string;
  readonly row: Row;
  readonly data: Payload;
  /** The mutation's timestamp, or the resource's latest one when the write changed nothing. */
  readonly timestamp: number;
}

/** A client timestamp field to store: undefined keeps the stored value. */
export function clientTime(value: string | null | undefined, current: Date | null): Date | null {
  if (value === undefined) return current;
  return value === null ? null : new Date(value);
}

export function sameTime(a: Date | null, b: Date | null): boolean {
  return (a?.getTime() ?? null) === (b?.getTime() ?? null);
}
