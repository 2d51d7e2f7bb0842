import { AsyncLock } from '../user/async-lock.js';

/**
 * Mutual exclusion between JavaScript contexts (browser tabs, workers) that share one durable store.
 *
 * Two tabs of one origin open the same IndexedDB database. Each runs its own SDK client, and each client
 * serialises its own work only: without a lock held across contexts, two tabs would hand out the same outbox
 * sequence number, fold a local edit into an entry the other tab is pushing, run two pushes of one outbox at
 * once, or interleave two content runs so that one run's stale rows land after the other's checkpoint.
 *
 * `run(name, section)` runs `section` while holding the lock `name` exclusively, in request order. An aborted
 * `signal` gives up waiting (the promise rejects with its reason) and never runs `section`.
 */
export interface ContextLock {
  run<T>(name: string, section: () => Promise<T>, signal?: AbortSignal): Promise<T>;
}

/** The slice of the Web Locks API used here (`navigator.locks`); typed locally: the SDK builds without DOM types. */
interface WebLockManager {
  request<T>(name: string, options: { mode: 'exclusive'; signal?: AbortSignal }, callback: () => Promise<T>): Promise<T>;
}

/**
 * `navigator.locks` (Web Locks API: every browser tab, worker and service worker of an origin shares it) as a
 * `ContextLock`, or null where it does not exist (Node 20, React Native, older WebViews).
 */
export function webLocks(): ContextLock | null {
  const locks = (globalThis as { navigator?: { locks?: WebLockManager } }).navigator?.locks;
  if (!locks || typeof locks.request !== 'function') return null;
  return {
    run: async (name, section, signal) => {
      signal?.throwIfAborted();
      try {
        return await locks.request(name, { mode: 'exclusive', ...(signal ? { signal } : {}) }, section);
      } catch (error) {
        // Web Locks reject an abandoned wait with their own AbortError; report the caller's reason instead.
        if (signal?.aborted) throw signal.reason;
        throw error;
      }
    },
  };
}

/**
 * Named locks inside one JavaScript realm: the same semantics as Web Locks for several clients in one process
 * (two clients over one store in Node, tests). Not shared with any other context.
 */
export class NamedLocks implements ContextLock {
  private readonly locks = new Map<string, AsyncLock>();

  run<T>(name: string, section: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    if (signal?.aborted) return Promise.reject(signal.reason as unknown);
    let lock = this.locks.get(name);
    if (!lock) this.locks.set(name, (lock = new AsyncLock()));
    const queued = lock.run(async () => {
      // Aborted while waiting: the caller has already been told; the section never runs.
      signal?.throwIfAborted();
      return section();
    });
    if (!signal) return queued;
    // Like Web Locks: an abort gives up the wait at once instead of when the lock comes free.
    return new Promise<T>((resolve, reject) => {
      const onAbort = (): void => reject(signal.reason);
      signal.addEventListener('abort', onAbort, { once: true });
      queued.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
    });
  }
}
