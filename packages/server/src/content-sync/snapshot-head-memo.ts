import type { ContentDb } from './content-db.js';
import { resolveSnapshot, type SnapshotHead } from './content-snapshot-stream.js';
import type { FeedHeadSource } from './feed-head-cache.js';

/** Public resources are a few thousand at most; past this many entries the memo starts over. */
const MAX_ENTRIES = 10_000;

/**
 * `resolveSnapshot` without a database read per request: a public resource's row (`last_sequence`, status,
 * `resource_content_id`) only changes together with a feed entry (content-editorial.ts appends one for every
 * change a snapshot depends on), so a head resolved when the feed head was H is still right while the head is
 * H. The feed head is read before the resource, so the stored state is at H or newer, never older; and the
 * in-memory head is never ahead of the committed one (feed-head-cache.ts), so a memo is never used past a
 * change it has not seen committed. Only public resources are memoised: refusals (404/422) always re-read.
 */
export class SnapshotHeadMemo {
  private readonly entries = new Map<string, { readonly feedHead: number; readonly head: SnapshotHead }>();

  constructor(
    private readonly db: ContentDb,
    private readonly heads: FeedHeadSource,
  ) {}

  async resolve(group: string, idParam: string): Promise<SnapshotHead> {
    const { head: feedHead } = await this.heads.read();
    const key = `${group}\u0000${idParam}`;
    const memo = this.entries.get(key);
    if (memo && memo.feedHead === feedHead) return memo.head;
    const head = await resolveSnapshot(this.db, group, idParam);
    if (this.entries.size >= MAX_ENTRIES) this.entries.clear();
    this.entries.set(key, { feedHead, head });
    return head;
  }
}
