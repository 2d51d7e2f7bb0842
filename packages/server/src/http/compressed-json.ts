import { promisify } from 'node:util';
import { gzip, gzipSync } from 'node:zlib';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { negotiateEncoding } from './content-encoding.js';

const gzipAsync = promisify(gzip);

/** Below about one TCP segment, gzip's framing and CPU buy nothing. */
const MIN_COMPRESSED_BYTES = 1400;

/**
 * Level 1: a pull page of 1,000 mutations (280 KB of JSON) shrinks 7×, within 4% of level 4's output, for
 * two thirds of its CPU (the user API is CPU-bound before it is bandwidth-bound).
 */
const GZIP_LEVEL = 1;

/**
 * Up to this size the answer is compressed in place: handing it to libuv's thread pool cost more CPU than the
 * compression itself (~0.17 ms against ~0.05 ms for a 30 KB push answer), and the event loop waits well under
 * a millisecond. Larger answers (pull pages) are compressed on the thread pool, off the event loop.
 */
const SYNC_GZIP_MAX_CHARS = 64 * 1024;

/**
 * Sends `body` as JSON, gzip-compressed when the client accepts gzip and the body is worth it. For the user-sync
 * answers that can be large (a pull page of up to 1,000 mutations, the acks of a 100-mutation push): clients
 * (browsers, the SDK's fetch) decompress transparently, and the bytes on the wire drop severalfold (uncompressed, they
 * measured twice PouchDB's). Small answers and clients that do not ask for gzip get plain JSON.
 */
export async function sendJson(request: FastifyRequest, reply: FastifyReply, body: unknown): Promise<FastifyReply> {
  const text = JSON.stringify(body);
  reply.type('application/json; charset=utf-8').header('vary', 'Accept-Encoding');
  if (text.length < MIN_COMPRESSED_BYTES || !acceptsGzip(request.headers['accept-encoding'])) return reply.send(text);
  return reply.header('content-encoding', 'gzip').send(await gzipJson(text));
}

/** `text` gzip-compressed at {@link GZIP_LEVEL}: in place up to {@link SYNC_GZIP_MAX_CHARS}, on the thread pool above. */
export async function gzipJson(text: string): Promise<Buffer> {
  return text.length <= SYNC_GZIP_MAX_CHARS ? gzipSync(text, { level: GZIP_LEVEL }) : gzipAsync(text, { level: GZIP_LEVEL });
}

/** True when `Accept-Encoding` allows gzip (by name or `*`) with a q-value above 0. */
export function acceptsGzip(acceptEncoding: string | string[] | undefined): boolean {
  return negotiateEncoding(acceptEncoding, GZIP_ONLY) === 'gzip';
}

const GZIP_ONLY = ['gzip'] as const;
