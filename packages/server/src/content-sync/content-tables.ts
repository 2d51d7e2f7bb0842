import type { ColumnType, Generated } from 'kysely';
import type { ContentMutationType, ResourceStatus } from '@quran-sync/protocol';

/** Tables of the content change feed (migration 0002-content; docs/content-sync.md). */
export interface ContentTables {
  content_feed_head: ContentFeedHeadTable;
  content_resources: ContentResourceTable;
  content_rows: ContentRowTable;
  content_feed: ContentFeedTable;
}

/** The single row (`id = 1`) holding the committed head and the retention floor. */
export interface ContentFeedHeadTable {
  id: number;
  sequence: number;
  /** Tokens below this sequence are refused: feed entries up to it may have been removed by retention. */
  retention_floor: number;
}

export interface ContentResourceTable {
  resource_group: string;
  resource_id: number;
  resource_content_id: number | null;
  status: ResourceStatus;
  /** Editorial note on the last status change (not sent to clients). */
  reason: string | null;
  metadata: ColumnType<Record<string, unknown>, Record<string, unknown> | string | undefined, Record<string, unknown> | string>;
  /** Sequence of the latest feed entry of the resource (0: none yet); snapshots derive their ETag from it. */
  last_sequence: Generated<number>;
  /** Sequence of the `RESOURCE_CREATE` that last made it public; null while not public. */
  public_since_sequence: number | null;
  /** Sum of the rows' SHA-256 values modulo 2^256 (docs/integrity.md), kept by the writing transaction. */
  row_digest: ColumnType<string | null, never, string>;
  row_count: ColumnType<number | null, never, number>;
  created_at: ColumnType<Date, Date | undefined, never>;
  updated_at: ColumnType<Date, Date | undefined, Date>;
}

export interface ContentRowTable {
  resource_group: string;
  resource_id: number;
  record_type: string;
  record_key: string;
  sort_key: string;
  data: ColumnType<Record<string, unknown>, string, string>;
}

export interface ContentFeedTable {
  sequence: number;
  type: ContentMutationType;
  resource_group: string;
  resource_id: number;
  resource_content_id: number | null;
  record_type: string | null;
  record_key: string | null;
  /** The full row at this sequence for ROW_CREATE/ROW_UPDATE, else null. */
  data: ColumnType<Record<string, unknown> | null, string | null, never>;
  unavailable_reason: string | null;
  changed_at: ColumnType<Date, Date, never>;
}
