import net from 'node:net';

/**
 * A port another process already holds, found before `serve` opens (and on first start creates and seeds)
 * its database: otherwise the user waits through all of that to learn the port was taken.
 */
export class PortInUseError extends Error {
  constructor(
    readonly host: string,
    readonly port: number,
    readonly code: string,
  ) {
    super(
      code === 'EADDRINUSE'
        ? `port ${port} on ${host} is in use by another process; set PORT=… (or --port) to another port, or stop the other server`
        : `cannot listen on ${host}:${port} (${code}); set HOST=… / PORT=… (or --host / --port) to an address this user may bind`,
    );
    this.name = 'PortInUseError';
  }
}

/**
 * Binds `host:port` for a moment and lets it go. Port 0 (any free port) always succeeds. Another process may
 * still take the port before the server binds it; the server's own listen then fails and the command exits.
 */
export async function assertPortFree(host: string, port: number): Promise<void> {
  if (port === 0) return;
  await new Promise<void>((resolve, reject) => {
    const probe = net.createServer();
    probe.unref();
    probe.once('error', (error: NodeJS.ErrnoException) => reject(new PortInUseError(host, port, error.code ?? 'unknown error')));
    // `exclusive`: in a cluster worker a shared handle would hide a port taken by an unrelated process.
    probe.listen({ host, port, exclusive: true }, () => probe.close(() => resolve()));
  });
}
