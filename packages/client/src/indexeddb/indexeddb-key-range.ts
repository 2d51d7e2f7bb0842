/** The global `IDBKeyRange` (browsers; `fake-indexeddb/auto` in Node), typed minimally: the package builds without DOM types. */
interface KeyRangeFactory {
  bound(lower: unknown, upper: unknown): unknown;
}

/**
 * `IDBKeyRange.bound(lower, upper)`, typed `never` so it fits any idb query signature. Throws a clear error
 * where the platform has no IndexedDB.
 */
export function keyRange(lower: unknown, upper: unknown): never {
  const factory = (globalThis as { IDBKeyRange?: KeyRangeFactory }).IDBKeyRange;
  if (!factory) throw new Error('IndexedDB is not available in this environment (no global IDBKeyRange)');
  return factory.bound(lower, upper) as never;
}
