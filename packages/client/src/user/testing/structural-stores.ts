import 'fake-indexeddb/auto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { deleteDB } from 'idb';
import { betterSqlite3Database } from '../../sqlite/better-sqlite3-database.js';
import { SqliteUserStore } from '../../sqlite/sqlite-user-store.js';
import { IndexedDbUserStore } from '../indexeddb-user-store.js';
import { MemoryUserStore } from '../memory-user-store.js';
import type { UserStore } from '../user-store.js';

/**
 * The device stores the multi-device tests run on, each able to "restart": `open()` again gives a new store
 * object over the same data, the way an app that was closed (or killed) finds its store when it starts again.
 *
 * - memory: one `MemoryUserStore` object outlives the clients; each client gets a view whose `close()` leaves
 *   it open (closing a client closes its store, and a closed `MemoryUserStore` stays closed).
 * - SQLite: `SqliteUserStore` on better-sqlite3, one temporary file per device, reopened with a new connection.
 * - IndexedDB: `IndexedDbUserStore` on fake-indexeddb, one database per device, reopened by name.
 */
export type StoreKind = 'memory' | 'sqlite' | 'indexeddb';
export const STORE_KINDS: readonly StoreKind[] = ['memory', 'sqlite', 'indexeddb'];

export interface DeviceStorage {
  /** A store over the device's data: empty the first time, what the last client left afterwards. */
  open(): Promise<UserStore>;
  /** Removes the device's data for good (the file, the database). */
  dispose(): Promise<void>;
}

let sqliteDir: string | null = null;
function tempDir(): string {
  sqliteDir ??= fs.mkdtempSync(path.join(os.tmpdir(), 'qs-user-structural-'));
  return sqliteDir;
}

/** Removes the temporary directory of the SQLite files (call once the test file is done). */
export function removeStorageDirectory(): void {
  if (sqliteDir) fs.rmSync(sqliteDir, { recursive: true, force: true });
  sqliteDir = null;
}

/** A view of a store whose `close()` does nothing: the data lives on for the next client. */
function surviving(store: MemoryUserStore): UserStore {
  return new Proxy(store, {
    get(target, property) {
      if (property === 'close') return async () => undefined;
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}

export function deviceStorage(kind: StoreKind, key: string): DeviceStorage {
  switch (kind) {
    case 'memory': {
      const store = new MemoryUserStore();
      return { open: async () => surviving(store), dispose: async () => undefined };
    }
    case 'sqlite': {
      const file = path.join(tempDir(), `${key}.sqlite`);
      return {
        open: async () => SqliteUserStore.open(betterSqlite3Database(new Database(file))),
        dispose: async () => {
          for (const suffix of ['', '-wal', '-shm', '-journal']) fs.rmSync(`${file}${suffix}`, { force: true });
        },
      };
    }
    case 'indexeddb': {
      const name = `structural-${key}`;
      return {
        open: async () => IndexedDbUserStore.open({ name }),
        dispose: () => deleteDB(name),
      };
    }
  }
}
