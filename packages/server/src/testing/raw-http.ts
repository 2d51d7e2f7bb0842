import http from 'node:http';
import zlib from 'node:zlib';

/**
 * An HTTP answer as it went over the wire. Tests of compression need this because fetch decompresses
 * transparently and so hides both the encoding and the byte count.
 */
export interface RawAnswer {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  /** The body bytes as sent (compressed when the server compressed). */
  readonly raw: Buffer;
  /** The body decoded per `Content-Encoding` (gzip or br); gunzip checks the CRC-32 and length trailer, so a badly spliced body throws here. */
  readonly decoded: Buffer;
  /** `decoded` parsed as JSON, or null when the body is empty or not JSON (a 304, a compressed error page…). */
  readonly json: any;
}

export interface RawRequestOptions {
  readonly method?: string;
  readonly headers?: Record<string, string>;
  readonly body?: string;
}

/** Sends one request with Node's http client (no transparent decompression) and collects the whole answer. */
export function rawRequest(url: string, options: RawRequestOptions = {}): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: options.method ?? 'GET', headers: options.headers ?? {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (d: Buffer) => chunks.push(d));
      res.on('end', () => {
        try {
          const raw = Buffer.concat(chunks);
          const encoding = res.headers['content-encoding'];
          const decoded = encoding === 'gzip' ? zlib.gunzipSync(raw) : encoding === 'br' ? zlib.brotliDecompressSync(raw) : raw;
          resolve({ status: res.statusCode ?? 0, headers: res.headers, raw, decoded, json: parseJson(decoded) });
        } catch (error) {
          reject(error);
        }
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

/** GET with the given headers; see {@link rawRequest}. */
export function rawGet(url: string, headers: Record<string, string> = {}): Promise<RawAnswer> {
  return rawRequest(url, { headers });
}

function parseJson(body: Buffer): unknown {
  if (body.length === 0) return null;
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    return null;
  }
}

/** The body bytes as sent of a GET that must answer 200 (benchmarks measuring wire sizes). */
export async function rawGetBody(url: string, headers: Record<string, string> = {}): Promise<Buffer> {
  const answer = await rawGet(url, headers);
  if (answer.status !== 200) throw new Error(`${url}: ${answer.status}`);
  return answer.raw;
}
