import type { Server } from 'node:net';

/**
 * The base URL a listening server is reached at. A wildcard bind (`0.0.0.0`, `::`) is reached through the
 * loopback address, which is what a caller on the same machine (tests, the CLI) can use.
 */
export function listeningUrl(server: Server, what: string): string {
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error(`${what} has no TCP address`);
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return `http://${host === '0.0.0.0' || host === '[::]' ? '127.0.0.1' : host}:${address.port}`;
}
