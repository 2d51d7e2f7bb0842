import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import { isReaderBuild } from '../config/reader-dir.js';

/** Where the reader lives on the server. Its OAuth redirect URI is this path (reader-client.ts). */
export const READER_PATH = '/reader/';

/**
 * The reader is same-origin with the APIs it calls, so its policy can be strict: its own scripts, styles and
 * workers only, no framing. (The APIs themselves carry no CSP: they answer JSON, security-headers.ts.)
 */
export const READER_CSP = "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

/**
 * Serves the built reader (`apps/reader/dist`) at `/reader/`. Hashed files under `assets/` never change, so
 * they are cached for a year; the page and the service worker are revalidated on every load, so a new build
 * reaches users at their next online visit (the service worker keeps the old one working offline meanwhile).
 */
export async function readerRoutes(app: FastifyInstance, options: { readonly dir: string }): Promise<void> {
  if (!isReaderBuild(options.dir)) {
    app.log.warn(`reader not served: ${options.dir} has no index.html (build it with npm run build)`);
    return;
  }
  app.get('/reader', (_request, reply) => reply.redirect(READER_PATH, 301));
  await app.register(fastifyStatic, {
    root: options.dir,
    prefix: READER_PATH,
    index: ['index.html'],
    // Our own Cache-Control below; ETag/Last-Modified and 304s come from the plugin.
    cacheControl: false,
    setHeaders(res, filePath) {
      res.setHeader('content-security-policy', READER_CSP);
      const immutable = filePath.split(/[\\/]/).includes('assets');
      res.setHeader('cache-control', immutable ? 'public, max-age=31536000, immutable' : 'no-cache');
    },
  });
}
