/**
 * A lean HTTP/1.1 client for load generators: node:http on a keep-alive agent, gzip answers decoded. On a
 * 2-CPU machine the load generator competes with the server and PostgreSQL for the same cores, and undici's
 * fetch spent about three times the CPU of this per request; what the client costs should not be charged to
 * the system being measured (the raw PostgreSQL baselines use pg directly, just as lean).
 */
import http from 'node:http';
import { gunzipSync } from 'node:zlib';

export interface LeanResponse {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  /** The decoded body (as received with `decode: false`). */
  readonly body: Buffer;
}

/**
 * `decode: false` leaves a gzip answer compressed: for load generators that only need the status and headers,
 * so the server still pays for compressing what real clients ask compressed, and the generator does not pay
 * for undoing it.
 */
export function leanRequest(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: string | Buffer; agent: http.Agent; decode?: boolean },
): Promise<LeanResponse> {
  return new Promise((resolve, reject) => {
    const body = options.body === undefined ? undefined : Buffer.isBuffer(options.body) ? options.body : Buffer.from(options.body);
    const request = http.request(
      url,
      {
        method: options.method ?? 'GET',
        agent: options.agent,
        headers: { 'accept-encoding': 'gzip', ...options.headers, ...(body ? { 'content-length': String(body.length) } : {}) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (d: Buffer) => chunks.push(d));
        res.on('end', () => {
          const raw = Buffer.concat(chunks);
          const decode = options.decode !== false && res.headers['content-encoding'] === 'gzip';
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: decode ? gunzipSync(raw) : raw });
        });
        res.on('error', reject);
      },
    );
    request.on('error', reject);
    request.end(body);
  });
}
