import { pipeline } from 'node:stream';
import { Type } from '@sinclair/typebox';
import { formatResourceDigestHeader, HEADERS, RESOURCE_DIGEST_HEADER } from '@quran-sync/protocol';
import type { CapabilityPlugin } from '../capability-plugin.js';
import { sendJson } from '../http/compressed-json.js';
import { serveContentDigests, type DigestsQuery } from './content-digests-service.js';
import { negotiateEncoding } from '../http/content-encoding.js';
import { compressor, etagMatches, SNAPSHOT_ENCODINGS, snapshotStream } from './content-snapshot-stream.js';
import { DIGESTS_ANSWERS, SNAPSHOT_ANSWERS, SYNC_PAGE_ANSWERS } from './content-sync-route-docs.js';
import { CURSOR_TTL_SECONDS, serveSyncPage, type SyncQuery } from './content-sync-service.js';
import { bodyStream } from './snapshot-cache.js';

const CONTENT_AUTH = { auth: { scopes: ['content'] } } as const;
/**
 * A query parameter as documentation: a string (a repeated parameter arrives as an array and must reach
 * the handler too, which answers it with the contract's 422/410 codes rather than a generic 400).
 */
const QueryParam = (description: string) => Type.Union([Type.String(), Type.Array(Type.String())], { description });

/**
 * `GET /resources/sync` and `GET /resources/snapshots/{group}/{id}`, registered under each content prefix
 * (`/content/api/v4`, `/api/v4`). Query parameters are declared as plain strings for the OpenAPI document
 * only; the handler validates them itself, because the contract wants its own 422 codes, not a generic 400.
 * Their response schemas document (content-sync-route-docs.ts); pages and snapshots are sent as built.
 */
export const contentSyncRoutes: CapabilityPlugin = async (app, { ctx }) => {
  const { codec, heads, snapshots, snapshotHeads } = ctx.content;
  const options = { db: ctx.db, heads, codec, retentionDays: ctx.config.content.retentionDays, cursorTtlSeconds: CURSOR_TTL_SECONDS };

  app.get(
    '/resources/sync',
    {
      config: CONTENT_AUTH,
      schema: {
        tags: ['content'],
        summary: 'Bootstrap or incrementally sync public content resources',
        description:
          'First sync: `resources` + `bootstrap=true`. Later: `resources` + `sync_token`. Follow `next_page_url` while `has_more`; ' +
          'store `next_sync_token` from the final page. Errors use `{"error": {"code", "message"}}` (410 `resync_required`, 422 codes).',
        security: [{ accessToken: [], clientId: [] }],
        querystring: Type.Object(
          {
            resources: Type.Optional(QueryParam('Filter, e.g. `translations:19,20;tafsirs:*`')),
            bootstrap: Type.Optional(QueryParam('`true` on the first sync')),
            sync_token: Type.Optional(QueryParam('Token from the final page of the previous run')),
            cursor: Type.Optional(QueryParam('From `next_page_url`')),
            per_page: Type.Optional(QueryParam('1..100, default 50')),
          },
          { additionalProperties: true },
        ),
        response: SYNC_PAGE_ANSWERS,
      },
    },
    async (request, reply) => {
      const body = await serveSyncPage(options, request.query as SyncQuery);
      // Pages of row changes carry full rows: gzip when accepted (a no-change answer is too small to bother).
      return sendJson(request, reply.header('cache-control', 'no-store'), body);
    },
  );

  app.get(
    '/resources/digests',
    {
      config: CONTENT_AUTH,
      schema: {
        tags: ['content'],
        summary: 'Integrity digests of the resources of a filter (extension; docs/integrity.md)',
        description:
          "Per resource: `last_sequence`, `row_count` and `digest` (sum of the rows' SHA-256 values modulo 2^256). With the sync token of a run, " +
          "a resource changed after the token's checkpoint has `digest: null`; resources not listed are not public at it.",
        security: [{ accessToken: [], clientId: [] }],
        querystring: Type.Object(
          {
            resources: Type.Optional(QueryParam('Filter, as for /resources/sync')),
            sync_token: Type.Optional(QueryParam('Token of the run to compare against')),
          },
          { additionalProperties: true },
        ),
        response: DIGESTS_ANSWERS,
      },
    },
    async (request, reply) => {
      const body = await serveContentDigests({ db: ctx.db, heads, codec }, request.query as DigestsQuery);
      return sendJson(request, reply.header('cache-control', 'no-store'), body);
    },
  );

  app.get(
    '/resources/snapshots/:resource_group/:id',
    {
      config: CONTENT_AUTH,
      schema: {
        tags: ['content'],
        summary: 'Full current snapshot of one public resource (streamed; gzip/br; ETag)',
        security: [{ accessToken: [], clientId: [] }],
        params: Type.Object({ resource_group: Type.String(), id: Type.String() }),
        response: SNAPSHOT_ANSWERS,
      },
    },
    async (request, reply) => {
      const { resource_group: group, id } = request.params as { resource_group: string; id: string };
      const head = await snapshotHeads.resolve(group, id);
      reply.header(HEADERS.etag, head.etag).header('cache-control', 'private, no-cache').header('vary', 'Accept-Encoding');
      if (head.digest) reply.header(RESOURCE_DIGEST_HEADER, formatResourceDigestHeader(head.digest));
      if (etagMatches(request.headers[HEADERS.ifNoneMatch], head.etag)) return reply.code(304).send();
      const encoding = negotiateEncoding(request.headers['accept-encoding'], SNAPSHOT_ENCODINGS);
      reply.type('application/json; charset=utf-8');
      const cached = snapshots ? await snapshots.body(head, encoding, (await heads.read()).head) : null;
      if (cached) {
        // Possibly a newer state than `head` (read while building): its own ETag goes with it.
        reply.header(HEADERS.etag, cached.etag).header('content-length', String(cached.length));
        if (cached.digest) reply.header(RESOURCE_DIGEST_HEADER, formatResourceDigestHeader(cached.digest));
        else reply.removeHeader(RESOURCE_DIGEST_HEADER);
        if (encoding !== 'identity') reply.header('content-encoding', encoding);
        // One buffer (gzip, brotli) is sent as it is: one write with the headers, as a bare route would.
        return reply.send(cached.chunks.length === 1 ? cached.chunks[0] : bodyStream(cached));
      }
      const body = snapshotStream(ctx.db, heads, head);
      if (encoding === 'identity') return reply.send(body);
      const compressed = compressor(encoding);
      pipeline(body, compressed, (error) => {
        if (error) request.log.warn({ err: error }, 'snapshot stream failed');
      });
      reply.header('content-encoding', encoding);
      return reply.send(compressed);
    },
  );
};
