import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/**
 * A real HTTP proxy (node:http) in front of a real server, injecting network faults the way an overloaded
 * gateway or a flaky link would: answer with a status of its own (503 + Retry-After, 429, …), hang without
 * answering, or reset the connection. Everything else is forwarded unchanged, body streamed both ways.
 */
export type FaultDecision =
  | { readonly kind: 'forward' }
  | { readonly kind: 'respond'; readonly status: number; readonly headers?: Record<string, string>; readonly body?: string }
  | { readonly kind: 'hang' }
  | { readonly kind: 'reset' }
  /** Forward, let the server answer, then close the client's socket before the answer reaches it. */
  | { readonly kind: 'drop-response' }
  /** Forward after a pause (then drop the answer, with `dropResponse`). */
  | { readonly kind: 'delay'; readonly ms: number; readonly dropResponse?: boolean };

export interface ProxiedRequest {
  readonly method: string;
  readonly url: string;
  readonly at: number;
  readonly decision: FaultDecision['kind'];
  readonly headers: http.IncomingHttpHeaders;
}

export interface FaultProxy {
  readonly url: string;
  readonly port: number;
  readonly requests: ProxiedRequest[];
  /** Replace the fault plan (called with the 0-based index of each request). */
  plan: (request: http.IncomingMessage, index: number) => FaultDecision;
  close(): Promise<void>;
}

export async function startFaultProxy(target: string, options: { port?: number; plan?: FaultProxy['plan'] } = {}): Promise<FaultProxy> {
  const targetUrl = new URL(target);
  const sockets = new Set<Socket>();
  const proxy: FaultProxy = {
    url: '',
    port: 0,
    requests: [],
    plan: options.plan ?? (() => ({ kind: 'forward' })),
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  const server = http.createServer((req, res) => {
    const decision = proxy.plan(req, proxy.requests.length);
    proxy.requests.push({ method: req.method ?? 'GET', url: req.url ?? '/', at: Date.now(), decision: decision.kind, headers: req.headers });
    switch (decision.kind) {
      case 'respond':
        req.resume();
        res.writeHead(decision.status, { 'content-type': 'application/json', ...decision.headers });
        res.end(decision.body ?? '');
        return;
      case 'hang':
        req.resume();
        return;
      case 'reset':
        req.socket.destroy();
        return;
      case 'forward':
      case 'drop-response':
      case 'delay': {
        const forward = (): void => {
          const upstream = http.request(
            { host: targetUrl.hostname, port: targetUrl.port, method: req.method, path: req.url, headers: { ...req.headers, host: targetUrl.host } },
            (up) => {
              if (decision.kind === 'drop-response' || (decision.kind === 'delay' && decision.dropResponse)) {
                up.resume();
                up.on('end', () => req.socket.destroy());
                return;
              }
              res.writeHead(up.statusCode ?? 502, up.headers);
              up.pipe(res);
            },
          );
          upstream.on('error', () => res.destroy());
          req.pipe(upstream);
        };
        if (decision.kind === 'delay') setTimeout(forward, decision.ms);
        else forward();
        return;
      }
    }
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return Object.assign(proxy, { url: `http://127.0.0.1:${port}`, port });
}

/** A port nothing listens on (bound, then released). */
export async function closedPort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
