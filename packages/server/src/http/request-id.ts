import { randomUUID } from 'node:crypto';
import { HEADERS } from '@quran-sync/protocol';
import type { FastifyServerOptions, RawRequestDefaultExpression } from 'fastify';

const ACCEPTABLE = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * Request ids: an incoming `X-Request-Id` from a trusted-looking caller (a gateway) is kept so logs join
 * up across hops; otherwise a fresh UUID. The id is echoed on every response (hook in app.ts).
 */
export const requestIdOptions: Pick<FastifyServerOptions, 'genReqId'> = {
  genReqId(req: RawRequestDefaultExpression): string {
    const incoming = req.headers[HEADERS.requestId];
    return typeof incoming === 'string' && ACCEPTABLE.test(incoming) ? incoming : randomUUID();
  },
};
