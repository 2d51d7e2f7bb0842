import { Counter, type Registry } from 'prom-client';

/**
 * How pushes got written, as `qs_user_push_writes_total{path}`: `speculative` (one statement, no lock),
 * `locked` (the locked write, locations of new bookmarks taken as free) and `probing` (the locked write again
 * after a refused guess). Operators see what the fast path saves; tests see which path a push took.
 */
export type PushWritePath = 'speculative' | 'locked' | 'probing';

const counters = new WeakMap<Registry, Counter<'path'>>();

/** The counter of `registry` (one per app: the user-sync routes are mounted under several prefixes). */
export function pushWritePaths(registry: Registry): Counter<'path'> {
  let counter = counters.get(registry);
  if (!counter) {
    counter = new Counter({ name: 'qs_user_push_writes_total', help: 'Pushes written, by path: speculative (one statement, no lock), locked, probing (locked, after a refused guess)', labelNames: ['path'], registers: [registry] });
    counters.set(registry, counter);
  }
  return counter;
}
