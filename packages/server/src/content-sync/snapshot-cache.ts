import { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { constants as zlibConstants, brotliCompress, crc32, deflateRaw } from 'node:zlib';
import { sql } from 'kysely';
import type { ResourceDigestHeader } from '@quran-sync/protocol';
import type { ContentDb } from './content-db.js';
import { storedDigest } from './content-digest.js';
import type { SnapshotEncoding, SnapshotHead } from './content-snapshot-stream.js';
import { snapshotBodyPrefix, snapshotRowBatches } from './snapshot-rows.js';

/**
 * Snapshot bodies in memory, so a repeated bootstrap costs no row reads and no compression.
 *
 * Key: `(group, id, schema_version, last_sequence)`. Correct because every change to what a snapshot holds
 * (a row, the resource's `resource_content_id`, its visibility) runs through `withFeedWriter` and sets the
 * resource's `last_sequence` to the new feed entry's sequence in the same transaction
 * (content-editorial.ts): a body built at `last_sequence = L` is exactly the resource at L, and any later
 * change has another key. The route still reads `(status, last_sequence)` with one primary-key lookup per
 * request; that lookup cannot come from memory, because a client may hold a sync page served by another
 * server process that already saw a newer edit, and its snapshot must reflect at least that edit.
 *
 * The body's one variable part is `sync_sequence` (the head when fetched), so the body is laid out with it
 * LAST: `{…,"records":[…]` is cached once and `,"sync_sequence":N}` appended per request. gzip is spliced
 * without recompressing: the cached part is raw deflate ending in a sync flush (byte-aligned, not final), the
 * suffix goes in a final stored block, and the CRC-32 continues from the cached part's CRC (`zlib.crc32`
 * with an initial value) — one valid gzip member. Brotli streams cannot be spliced, so a brotli body is
 * cached for one head at a time (rebuilt after any feed write, still without reading rows).
 *
 * Builds are single-flight per key, read in one repeatable-read transaction (status, `last_sequence` and
 * rows agree), and bounded: bodies larger than `maxEntryBytes` are not cached (the route streams them), and
 * the least recently used entries go when the total exceeds `maxBytes`.
 */
export interface SnapshotCacheOptions {
  readonly maxBytes: number;
  readonly maxEntryBytes: number;
}

/** A snapshot body held in memory, with the resource head it was built for. */
export interface CachedSnapshot extends SnapshotHead {
  /** `{…,"records":[…]` — everything but `,"sync_sequence":N}`. */
  readonly head: Buffer;
  gzip: Promise<{ readonly deflated: Buffer; readonly crc: number }> | null;
  /**
   * The whole gzip body at one head, spliced once per head like brotli: sent as one buffer it goes out in one
   * write with the headers, where the five spliced pieces streamed made several small TCP segments per answer
   * (cached snapshots measured well under a bare route serving the same bytes).
   */
  gzipBody: { readonly sequence: number; readonly bytes: Buffer } | null;
  br: { readonly sequence: number; readonly bytes: Promise<Buffer> } | null;
  bytes: number;
}

/** What the route sends: buffers (no copy of the cached part) and their total length. */
export interface SnapshotBody {
  readonly etag: string;
  /** The digest of the rows in this body (read in the same transaction as the rows); null: unknown. */
  readonly digest: ResourceDigestHeader | null;
  readonly chunks: readonly Buffer[];
  readonly length: number;
}

const deflateRawAsync = promisify(deflateRaw);
const brotliCompressAsync = promisify(brotliCompress);
const GZIP_HEADER = Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03]);
const READ_BATCH_ROWS = 5_000;
const CLOSE_RECORDS = Buffer.from(']');

export class SnapshotCache {
  private readonly entries = new Map<string, CachedSnapshot>();
  private readonly keyByResource = new Map<string, string>();
  private readonly building = new Map<string, Promise<CachedSnapshot | null>>();
  private totalBytes = 0;

  constructor(
    private readonly db: ContentDb,
    private readonly options: SnapshotCacheOptions,
  ) {}

  get sizeBytes(): number {
    return this.totalBytes;
  }

  /**
   * The body of the resource `head` names, at `head.lastSequence` or later (a newer state read while
   * building wins; its ETag comes with it), or null when it is not public any more or too large to cache.
   */
  async body(head: SnapshotHead, encoding: SnapshotEncoding, syncSequence: number): Promise<SnapshotBody | null> {
    const entry = await this.entry(head);
    if (!entry) return null;
    const sequence = Math.max(syncSequence, entry.lastSequence);
    const suffix = Buffer.from(`,"sync_sequence":${sequence}}`);
    if (encoding === 'identity') return body(entry, [entry.head, suffix]);
    if (encoding === 'gzip') {
      // Compressed once per entry, off the event loop (zlib's thread pool), shared by concurrent requests.
      entry.gzip ??= deflateRawAsync(entry.head, { finishFlush: zlibConstants.Z_SYNC_FLUSH }).then((deflated) => {
        this.account(entry, deflated.length);
        return { deflated, crc: crc32(entry.head) };
      });
      const { deflated, crc } = await entry.gzip;
      if (entry.gzipBody?.sequence === sequence) return body(entry, [entry.gzipBody.bytes]);
      const stored = Buffer.alloc(5);
      stored[0] = 0x01; // BFINAL=1, BTYPE=00 (stored); the sync flush left the stream byte-aligned
      stored.writeUInt16LE(suffix.length, 1);
      stored.writeUInt16LE(~suffix.length & 0xffff, 3);
      const trailer = Buffer.alloc(8);
      trailer.writeUInt32LE(crc32(suffix, crc) >>> 0, 0);
      trailer.writeUInt32LE((entry.head.length + suffix.length) % 2 ** 32, 4);
      const bytes = Buffer.concat([GZIP_HEADER, deflated, stored, suffix, trailer]);
      const previous = entry.gzipBody;
      entry.gzipBody = { sequence, bytes };
      this.account(entry, bytes.length - (previous?.bytes.length ?? 0));
      return body(entry, [bytes]);
    }
    if (!entry.br || entry.br.sequence !== sequence) {
      const previous = entry.br;
      const bytes = brotliCompressAsync(Buffer.concat([entry.head, suffix]), {
        params: {
          [zlibConstants.BROTLI_PARAM_QUALITY]: 5,
          [zlibConstants.BROTLI_PARAM_MODE]: zlibConstants.BROTLI_MODE_TEXT,
          [zlibConstants.BROTLI_PARAM_SIZE_HINT]: entry.head.length,
        },
      });
      entry.br = { sequence, bytes };
      void Promise.all([bytes, previous?.bytes]).then(
        ([now, before]) => this.account(entry, now.length - (before?.length ?? 0)),
        () => {},
      );
    }
    return body(entry, [await entry.br.bytes]);
  }

  private async entry(head: SnapshotHead): Promise<CachedSnapshot | null> {
    const key = cacheKey(head.group, head.id, head.schemaVersion, head.lastSequence);
    const hit = this.entries.get(key);
    if (hit) {
      // Most recently used last.
      this.entries.delete(key);
      this.entries.set(key, hit);
      return hit;
    }
    let pending = this.building.get(key);
    if (!pending) {
      pending = this.build(head).finally(() => this.building.delete(key));
      this.building.set(key, pending);
    }
    return pending;
  }

  private async build(head: SnapshotHead): Promise<CachedSnapshot | null> {
    const read = await this.db
      .transaction()
      .setIsolationLevel('repeatable read')
      .execute(async (trx) => {
        const resource = await trx
          .selectFrom('content_resources')
          .select(['resource_content_id', 'status', 'last_sequence', 'row_count', sql<string | null>`row_digest::text`.as('row_digest')])
          .where('resource_group', '=', head.group)
          .where('resource_id', '=', head.id)
          .executeTakeFirst();
        if (resource?.status !== 'public') return null;
        const parts: Buffer[] = [];
        let bytes = 0;
        for await (const rows of snapshotRowBatches(trx, head.group, head.id, READ_BATCH_ROWS)) {
          parts.push(rows);
          bytes += rows.length;
          // Too large to keep in memory: the route streams it instead.
          if (bytes > this.options.maxEntryBytes) return 'too-large' as const;
        }
        return {
          resourceContentId: resource.resource_content_id,
          lastSequence: Number(resource.last_sequence),
          digest: storedDigest(resource.row_digest, resource.row_count),
          rows: parts,
        };
      });
    if (read === null || read === 'too-large') return null;
    const prefix = snapshotBodyPrefix(head, read.resourceContentId);
    const entry: CachedSnapshot = {
      group: head.group,
      id: head.id,
      resourceContentId: read.resourceContentId,
      schemaVersion: head.schemaVersion,
      lastSequence: read.lastSequence,
      etag: snapshotEtag(head.group, head.id, head.schemaVersion, read.lastSequence),
      digest: read.digest ? { ...read.digest, sequence: read.lastSequence } : null,
      head: Buffer.concat([Buffer.from(prefix), ...read.rows, CLOSE_RECORDS]),
      gzip: null,
      gzipBody: null,
      br: null,
      bytes: 0,
    };
    this.insert(entry);
    return entry;
  }

  private insert(entry: CachedSnapshot): void {
    const key = cacheKey(entry.group, entry.id, entry.schemaVersion, entry.lastSequence);
    const resource = `${entry.group}/${entry.id}`;
    // An older state of the same resource is never asked for again (keys only grow): drop it now.
    const previous = this.keyByResource.get(resource);
    if (previous !== undefined && previous !== key) this.remove(previous);
    if (this.entries.has(key)) return;
    this.keyByResource.set(resource, key);
    this.entries.set(key, entry);
    this.account(entry, entry.head.length);
  }

  private account(entry: CachedSnapshot, delta: number): void {
    entry.bytes += delta;
    const key = cacheKey(entry.group, entry.id, entry.schemaVersion, entry.lastSequence);
    if (this.entries.get(key) !== entry) return;
    this.totalBytes += delta;
    for (const [oldest] of this.entries) {
      if (this.totalBytes <= this.options.maxBytes) break;
      this.remove(oldest);
    }
  }

  private remove(key: string): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.entries.delete(key);
    this.totalBytes -= entry.bytes;
    const resource = `${entry.group}/${entry.id}`;
    if (this.keyByResource.get(resource) === key) this.keyByResource.delete(resource);
  }
}

export function snapshotEtag(group: string, id: number, schemaVersion: number, lastSequence: number): string {
  return `W/"${group}-${id}-s${schemaVersion}-${lastSequence}"`;
}

function cacheKey(group: string, id: number, schemaVersion: number, lastSequence: number): string {
  return `${group}/${id}/s${schemaVersion}/${lastSequence}`;
}

function body(entry: CachedSnapshot, chunks: Buffer[]): SnapshotBody {
  return { etag: entry.etag, digest: entry.digest, chunks, length: chunks.reduce((n, c) => n + c.length, 0) };
}

/** The chunks as a stream for `reply.send` (no concatenation of the cached buffer). */
export function bodyStream(b: SnapshotBody): Readable {
  return Readable.from(b.chunks, { objectMode: false });
}
