import http from 'node:http';

/**
 * A plain HTTP/1.1 client on `node:http`, for tests that must send what `fetch` would normalise or refuse:
 * dot segments and raw percent-escapes in paths (`/v1/notes/..%2f..%2fadmin`), repeated query
 * parameters, arbitrary content types, bodies on GET, duplicate or malformed headers. The path is sent
 * exactly as given.
 */
export interface RawRequest {
  readonly method: string;
  /** Path and query, sent verbatim. */
  readonly path: string;
  readonly headers?: Readonly<Record<string, string | readonly string[]>>;
  readonly body?: string | Buffer;
  /** Abort (and reject) when no complete answer arrives in time; a hang is a finding, not a wait. */
  readonly timeoutMs?: number;
}

export interface RawResponse {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly text: string;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });

export function rawRequest(baseUrl: string, request: RawRequest): Promise<RawResponse> {
  const base = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: base.hostname,
        port: base.port,
        method: request.method,
        path: request.path,
        // Node's client sends a GET/DELETE body without framing unless told its length; the server would
        // then read the body as a second (malformed) request.
        headers: {
          ...(request.body !== undefined ? { 'content-length': String(Buffer.byteLength(request.body)) } : {}),
          ...(request.headers as http.OutgoingHttpHeaders),
        },
        agent,
        timeout: request.timeoutMs ?? 30_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${request.method} ${request.path.slice(0, 200)}: no answer within ${request.timeoutMs ?? 30_000} ms`)));
    req.on('error', reject);
    if (request.body !== undefined) req.end(request.body);
    else req.end();
  });
}
