import type { IDBPTransaction } from 'idb';

/**
 * Issues one batch of requests inside a readwrite transaction and waits for the transaction to commit — the
 * write path shared by the IndexedDB stores. `issue` pushes every request it makes onto `requests`.
 *
 * A request that cannot even be issued (e.g. data that cannot be cloned) throws synchronously: the whole
 * transaction is aborted, so nothing of the batch lands. Every request's own rejection is also reported
 * through `tx.done`, so all of them are settled here and none is left unhandled.
 */
// biome-ignore lint/suspicious/noExplicitAny: any database schema, store list and mode: only `done` is used
export async function commitIndexedDbBatch(tx: IDBPTransaction<any, any, any>, issue: (requests: Promise<unknown>[]) => void): Promise<void> {
  const requests: Promise<unknown>[] = [];
  try {
    issue(requests);
  } catch (error) {
    tx.abort();
    await Promise.allSettled([...requests, tx.done]);
    throw error;
  }
  const settled = Promise.allSettled(requests);
  try {
    await tx.done;
  } finally {
    await settled;
  }
}
