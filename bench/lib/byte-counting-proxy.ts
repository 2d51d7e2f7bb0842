/**
 * A TCP proxy that counts bytes in both directions: bytes on the wire (headers, bodies, chunk framing,
 * compression) measured the same way for every client and server, whatever HTTP library they use.
 */
import net from 'node:net';

export interface ByteCountingProxy {
  readonly port: number;
  readonly url: string;
  /** Bytes client → server and server → client since the last reset. */
  counts(): { up: number; down: number; total: number };
  reset(): void;
  close(): Promise<void>;
}

export async function startByteCountingProxy(targetPort: number, targetHost = '127.0.0.1'): Promise<ByteCountingProxy> {
  let up = 0;
  let down = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(targetPort, targetHost);
    sockets.add(client);
    sockets.add(upstream);
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    client.on('data', (d: Buffer) => (up += d.length));
    upstream.on('data', (d: Buffer) => (down += d.length));
    client.pipe(upstream);
    upstream.pipe(client);
    const close = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', close);
    upstream.on('error', close);
    client.on('close', close);
    upstream.on('close', close);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    counts: () => ({ up, down, total: up + down }),
    reset: () => {
      up = 0;
      down = 0;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
