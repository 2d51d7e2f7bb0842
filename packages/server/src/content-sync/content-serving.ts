import type { Kysely } from 'kysely';
import type { ServerConfig } from '../config/server-config.js';
import type { DatabaseHandle } from '../db/database.js';
import type { Database } from '../db/schema.js';
import type { Service } from '../lifecycle/service-lifecycle.js';
import { FeedHeadCache } from './feed-head-cache.js';
import { SnapshotCache } from './snapshot-cache.js';
import { SnapshotHeadMemo } from './snapshot-head-memo.js';
import { SyncTokenCodec } from './sync-token-codec.js';

/**
 * What the content routes serve from, one per app and shared by both content prefixes: the token codec, the
 * feed head kept in memory, the snapshot cache and the memo of snapshot heads. The feed head listens to the
 * database from start to stop; the feed writer of this process advances it after each commit.
 */
export interface ContentServing {
  readonly codec: SyncTokenCodec;
  readonly heads: FeedHeadCache;
  readonly snapshots: SnapshotCache | null;
  readonly snapshotHeads: SnapshotHeadMemo;
}

/** Largest snapshot kept in the cache: a bigger one is streamed from the database each time. */
const MAX_CACHED_SNAPSHOT_BYTES = 64 * 1_048_576;

export function createContentServing(database: DatabaseHandle, config: ServerConfig, syncTokenSecret: Buffer): ContentServing & Service {
  const db: Kysely<Database> = database.db;
  const heads = new FeedHeadCache(database);
  const bytes = config.content.snapshotCacheBytes;
  return {
    name: 'content feed head',
    codec: new SyncTokenCodec(syncTokenSecret),
    heads,
    snapshots: bytes > 0 ? new SnapshotCache(db, { maxBytes: bytes, maxEntryBytes: Math.min(bytes, MAX_CACHED_SNAPSHOT_BYTES) }) : null,
    snapshotHeads: new SnapshotHeadMemo(db, heads),
    start: () => heads.start(),
    stop: () => heads.close(),
    health: () => heads.health(),
  };
}
