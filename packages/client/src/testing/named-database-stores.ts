/**
 * Conformance-suite factory hooks for a store kept in a named database (an IndexedDB database, a SQLite
 * file): every store gets a database of its own, and `reopen` closes it and opens the same name again, as a
 * restarted app would. The names carry a random run id so runs sharing one browser profile (or one
 * fake-indexeddb) never collide.
 */
export function namedDatabaseStores<S extends { close(): Promise<void> }>(
  prefix: string,
  open: (options: { name: string }) => Promise<S>,
): { create(): Promise<S>; reopen(store: S): Promise<S> } {
  const run = Math.random().toString(36).slice(2, 8);
  const names = new WeakMap<S, string>();
  let counter = 0;
  return {
    async create() {
      const name = `${prefix}-${run}-${++counter}`;
      const store = await open({ name });
      names.set(store, name);
      return store;
    },
    async reopen(store) {
      await store.close();
      return open({ name: names.get(store)! });
    },
  };
}
