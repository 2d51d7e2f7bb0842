import 'fake-indexeddb/auto';
import Database from 'better-sqlite3';
import type { ContentStore } from '../content/content-store.js';
import { IndexedDbContentStore } from '../content/indexeddb-content-store.js';
import { MemoryContentStore } from '../content/memory-content-store.js';
import { betterSqlite3Database } from '../sqlite/better-sqlite3-database.js';
import { SqliteContentStore } from '../sqlite/sqlite-content-store.js';

/** The three store implementations, for engine tests that run against each (Node: fake IndexedDB). */
export const STORE_KINDS = ['memory', 'sqlite', 'indexeddb'] as const;
export type StoreKind = (typeof STORE_KINDS)[number];

let counter = 0;

export async function createStore(kind: StoreKind): Promise<ContentStore> {
  switch (kind) {
    case 'memory':
      return new MemoryContentStore();
    case 'sqlite':
      return SqliteContentStore.open(betterSqlite3Database(new Database(':memory:')));
    case 'indexeddb':
      return IndexedDbContentStore.open({ name: `engine-test-${process.pid}-${++counter}` });
  }
}
