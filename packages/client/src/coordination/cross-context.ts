import { broadcastChannel, type ContextChannel, type ContextChannelFactory } from './context-channel.js';
import { webLocks, type ContextLock } from './context-lock.js';

/**
 * How an SDK client coordinates with other contexts (tabs, workers) using the same durable store.
 *
 * A store that other contexts can open at the same time names itself (`coordinationKey`, e.g. the IndexedDB
 * stores: `indexeddb:user:<database name>`). For such a store the clients, by default, hold a Web Lock around
 * every unit of store work and every sync run, and announce changes on a `BroadcastChannel`, both named after
 * the key. Where the platform has neither (Node 20, React Native), nothing changes: one client per store, as
 * before. Pass `crossContext: false` to opt out, or your own lock / channel (e.g. `NamedLocks` for several
 * clients in one process).
 */
export interface CrossContextOptions {
  /** Default: `navigator.locks` when available. `null`: no lock. */
  readonly lock?: ContextLock | null;
  /** Default: `BroadcastChannel` when available. `null`: no notifications. */
  readonly channel?: ContextChannelFactory | null;
}

export interface CrossContext {
  /** `quran-sync:<coordinationKey>`: prefix of the lock and channel names. */
  readonly name: string;
  readonly lock: ContextLock | null;
  readonly channel: ContextChannel<unknown> | null;
}

/** The coordination for a store with `coordinationKey`, or null (no key, opted out, or nothing available). */
export function resolveCrossContext(coordinationKey: string | undefined, options: CrossContextOptions | false | undefined): CrossContext | null {
  if (!coordinationKey || options === false) return null;
  const name = `quran-sync:${coordinationKey}`;
  const lock = options?.lock === undefined ? webLocks() : options.lock;
  const factory = options?.channel === undefined ? broadcastChannel : options.channel;
  const channel = factory ? factory(name) : null;
  if (!lock && !channel) return null;
  return { name, lock, channel };
}
