import { openDB, type DBSchema, type IDBPDatabase } from 'idb';
import type { UserSession, UserSessionStorage } from './user-session.js';

/**
 * `UserSessionStorage` on IndexedDB, for browser apps whose tabs share one sign-in.
 *
 * Why not localStorage: a `UserSessionTokenProvider` refreshes under a Web Lock and first re-reads the stored
 * session to adopt a refresh another tab made. That only works if the other tab's `save` is visible the moment
 * it returns. Chromium propagates localStorage writes between tab processes asynchronously: in this SDK's
 * browser tests a tab read the OLD session right after the other tab had saved the new one under the lock,
 * presented the spent refresh token, and the server (reuse detection) ended the login. A committed IndexedDB
 * transaction is visible to every later transaction of the origin, in any process.
 *
 * One database (default `quran-sync-session`) with one object store; each session under its own `key`
 * (default `current`), so an app can keep one per client id or account.
 */
interface SessionDbSchema extends DBSchema {
  sessions: { key: string; value: UserSession };
}

export interface IndexedDbSessionStorageOptions {
  /** Database name (default `quran-sync-session`). */
  readonly name?: string;
  /** Key of this session in the database (default `current`). */
  readonly key?: string;
}

export class IndexedDbSessionStorage implements UserSessionStorage {
  private constructor(
    private readonly db: IDBPDatabase<SessionDbSchema>,
    private readonly key: string,
  ) {}

  static async open(options: IndexedDbSessionStorageOptions = {}): Promise<IndexedDbSessionStorage> {
    const db = await openDB<SessionDbSchema>(options.name ?? 'quran-sync-session', 1, {
      upgrade(database) {
        database.createObjectStore('sessions');
      },
    });
    return new IndexedDbSessionStorage(db, options.key ?? 'current');
  }

  /** Resolves once the transaction committed: from then on every tab's `load()` sees `session`. */
  async save(session: UserSession | null): Promise<void> {
    const tx = this.db.transaction('sessions', 'readwrite');
    if (session) void tx.store.put({ ...session }, this.key);
    else void tx.store.delete(this.key);
    await tx.done;
  }

  async load(): Promise<UserSession | null> {
    return (await this.db.get('sessions', this.key)) ?? null;
  }

  close(): void {
    this.db.close();
  }
}
