import { sql, type Kysely } from 'kysely';
import type { DatabaseHandle } from '../db/database.js';
import type { Database } from '../db/schema.js';
import { readFeedHead } from './content-feed-writer.js';

export interface FeedHead {
  readonly head: number;
  readonly retentionFloor: number;
}

/** Where the content routes get the feed head from (the cache, or the database directly in tools). */
export interface FeedHeadSource {
  /** A committed head, possibly a few milliseconds old: never ahead of the committed one. */
  read(): Promise<FeedHead>;
  /** The committed head, read from the database now (used before refusing anything on a cached value). */
  readCommitted(): Promise<FeedHead>;
}

/** The channel the `content_feed_head` trigger notifies on (migration 0004). */
export const FEED_HEAD_CHANNEL = 'qs_content_head';

/**
 * The feed head in memory, so a no-change poll (`sync_token` already at the head) and a snapshot never read
 * `content_feed_head` per request.
 *
 * Invariant: the cached head is never ahead of the committed head. It only ever takes values that are
 * committed: (1) read from the database, (2) announced by the `content_feed_head` trigger's NOTIFY, which
 * PostgreSQL delivers after COMMIT (PGlite: when the COMMIT completes), (3) handed to {@link advance} by this
 * process's feed writer after its transaction committed. A head that is *behind* is safe: a page pinned to an
 * older `sync_until_sequence` only reports later changes on the next run. What a stale value must never do is
 * refuse a client: a token or cursor ahead of the cached head (issued by another, fresher process) or below
 * the cached retention floor is checked again against {@link readCommitted} before any 410.
 *
 * Staleness is bounded: in-process writes are visible at once (3); writes of other processes (several
 * servers on one PostgreSQL, the CLI, compaction) arrive by NOTIFY within milliseconds; if the listening
 * connection breaks, the cache stops answering from memory (every read goes to the database) until it has
 * listened again and re-read the head; and a periodic re-read (`refreshMs`) is the last line of defence
 * against a silently dead connection.
 */
export class FeedHeadCache implements FeedHeadSource {
  private current: FeedHead | null = null;
  private listening = false;
  private unlisten: (() => Promise<void>) | null = null;
  private schema = '';
  private refreshTimer: NodeJS.Timeout | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private closed = false;

  constructor(
    private readonly database: DatabaseHandle,
    private readonly options: { readonly refreshMs: number; readonly retryMs: number } = { refreshMs: 10_000, retryMs: 1_000 },
  ) {}

  private get db(): Kysely<Database> {
    return this.database.db;
  }

  async start(): Promise<void> {
    this.schema = (await sql<{ s: string }>`select current_schema() as s`.execute(this.db)).rows[0]?.s ?? '';
    await this.subscribe();
    this.refreshTimer = setInterval(() => {
      this.readCommitted().catch(() => {});
    }, this.options.refreshMs);
    this.refreshTimer.unref();
  }

  async close(): Promise<void> {
    this.closed = true;
    this.listening = false;
    if (this.refreshTimer) clearInterval(this.refreshTimer);
    if (this.retryTimer) clearTimeout(this.retryTimer);
    await this.unlisten?.();
  }

  async read(): Promise<FeedHead> {
    if (this.listening && this.current) return this.current;
    return this.readCommitted();
  }

  async readCommitted(): Promise<FeedHead> {
    const committed = await readFeedHead(this.db);
    this.observe(committed.head, committed.retentionFloor);
    return committed;
  }

  /** Degraded while not listening: every read then goes to the database until it listens again. */
  health(): { ok: true } | { ok: false; reason: string } {
    return this.listening || this.closed
      ? { ok: true }
      : { ok: false, reason: 'not listening for feed head notifications: every request reads the head from the database' };
  }

  /** A head this process's writer just committed. */
  advance(head: number): void {
    if (this.current && head > this.current.head) this.current = { head, retentionFloor: this.current.retentionFloor };
  }

  /**
   * Heads only move forward (a late answer must not move the cache back); the floor is taken as the row says
   * at that head, so a floor lowered by hand (tests) is followed too.
   */
  private observe(head: number, retentionFloor: number): void {
    if (!this.current || head >= this.current.head) this.current = { head, retentionFloor };
  }

  private async subscribe(): Promise<void> {
    try {
      // Listen first, then read: a commit between the two is seen by one or the other.
      this.unlisten = await this.database.listen(
        FEED_HEAD_CHANNEL,
        (payload) => this.onNotify(payload),
        () => this.onLost(),
      );
      await this.readCommitted();
      this.listening = !this.closed;
    } catch {
      this.onLost();
    }
  }

  private onNotify(payload: string): void {
    const [schema, head, floor] = payload.split(' ');
    if (schema !== this.schema) return;
    const h = Number(head);
    const f = Number(floor);
    if (Number.isSafeInteger(h) && Number.isSafeInteger(f)) this.observe(h, f);
  }

  private onLost(): void {
    this.listening = false;
    this.unlisten = null;
    if (this.closed || this.retryTimer) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      if (!this.closed) void this.subscribe();
    }, this.options.retryMs);
    this.retryTimer.unref();
  }
}

/** The database itself as a head source (no cache): for tools and tests that run without a server. */
export function uncachedFeedHead(db: Kysely<Database>): FeedHeadSource {
  return { read: () => readFeedHead(db), readCommitted: () => readFeedHead(db) };
}
