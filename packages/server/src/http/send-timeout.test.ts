import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../testing/index.js';

const SEND_TIMEOUT_MS = 2000;
/** "Eventually", generously: the timeout fires 1–2 × SEND_TIMEOUT_MS after the client stops reading. */
const CLOSE_BOUND_MS = 30_000;

// Slow (20 MB answers that fill the loopback buffers): runs with QS_SLOW_TESTS=1, as .ci/run's slow step does.
describe.skipIf(process.env.QS_SLOW_TESTS !== '1')('send timeout: responses nobody reads (slow: needs QS_SLOW_TESTS=1)', () => {
  let server: TestServer;
  let pullRequest: string;

  beforeAll(async () => {
    server = await startTestServer({ http: { sendTimeoutMs: SEND_TIMEOUT_MS } });
    const headers = await server.authHeaders({ userId: 'reader-of-nothing', scopes: ['sync', 'note'] });
    // 1,000 notes of 10,000 two-byte characters: a 20 MB pull page, far more than the kernel buffers of a
    // loopback connection hold, so a client that never reads leaves most of it in the server's write queue.
    const body = 'ن'.repeat(10_000);
    let head = -1;
    for (let batch = 0; batch < 10; batch++) {
      const mutations = Array.from({ length: 100 }, (_, i) => ({
        type: 'CREATE',
        resource: 'NOTE',
        data: { body, ranges: [`2:${batch * 20 + (i % 20) + 1}`] },
      }));
      const res = await fetch(`${server.url}/v1/sync?lastMutationAt=${head}`, {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json' },
        body: JSON.stringify({ mutations }),
      });
      expect(res.status).toBe(200);
      head = ((await res.json()) as { data: { lastMutationAt: number } }).data.lastMutationAt;
    }
    pullRequest =
      `GET /v1/sync?mutationsSince=0&limit=1000 HTTP/1.1\r\nHost: 127.0.0.1\r\n` +
      `x-auth-token: ${headers['x-auth-token']}\r\nx-client-id: ${headers['x-client-id']}\r\n\r\n`;
  });
  afterAll(async () => {
    await server?.close();
  });

  /** Opens a raw TCP connection and resolves with it and the server's end of it. */
  async function connect(): Promise<{ client: net.Socket; serverSide: net.Socket }> {
    const httpServer = server.server.app.server;
    const client = net.connect(new URL(server.url).port as unknown as number, '127.0.0.1');
    const serverSide = new Promise<net.Socket>((resolve) => {
      const onConnection = (socket: net.Socket) => {
        if (socket.remotePort !== client.localPort) return;
        httpServer.off('connection', onConnection);
        resolve(socket);
      };
      httpServer.on('connection', onConnection);
    });
    await new Promise<void>((resolve, reject) => client.once('connect', resolve).once('error', reject));
    return { client, serverSide: await serverSide };
  }

  it('closes the connection of a client that asks for a large answer and never reads it', async () => {
    const { client, serverSide } = await connect();
    client.on('error', () => {});
    // No 'data' listener: the socket stays paused, so after its first small buffer it reads nothing more.
    client.write(pullRequest);
    const closed = await new Promise<boolean>((resolve) => {
      const bound = setTimeout(() => resolve(false), CLOSE_BOUND_MS);
      serverSide.once('close', () => {
        clearTimeout(bound);
        resolve(true);
      });
    });
    expect(closed, `the server still holds the connection after ${CLOSE_BOUND_MS} ms`).toBe(true);

    // The client, reading now, finds the connection gone before the answer's end.
    let received = 0;
    client.on('data', (chunk: Buffer) => (received += chunk.length));
    await new Promise<void>((resolve) => client.once('close', () => resolve()));
    expect(received).toBeLessThan(20_000_000);
    // The server is fine and serves the next client.
    expect((await fetch(`${server.url}/health`)).status).toBe(200);
  });

  it('does not cut off a slow reader that keeps reading, even when the whole answer takes longer than the timeout', async () => {
    const { client } = await connect();
    const text: Buffer[] = [];
    let bytes = 0;
    let expected = Number.POSITIVE_INFINITY;
    const done = new Promise<void>((resolve, reject) => {
      client.on('error', reject);
      client.on('data', (chunk: Buffer) => {
        text.push(chunk);
        bytes += chunk.length;
        // About 2 MB/s: the 20 MB answer takes several times the timeout, with progress every few ms.
        client.pause();
        setTimeout(() => client.resume(), 30);
        if (expected === Number.POSITIVE_INFINITY) {
          const start = Buffer.concat(text).subarray(0, 4096).toString('latin1');
          const headerEnd = start.indexOf('\r\n\r\n');
          if (headerEnd >= 0) expected = headerEnd + 4 + Number(/content-length: (\d+)/i.exec(start.slice(0, headerEnd))?.[1]);
        }
        if (bytes >= expected) resolve();
      });
      client.on('close', () => reject(new Error(`connection closed after ${bytes} bytes`)));
    });
    client.write(pullRequest);
    await done;
    const whole = Buffer.concat(text);
    expect(whole.subarray(0, 15).toString()).toBe('HTTP/1.1 200 OK');
    const payload = JSON.parse(whole.subarray(whole.indexOf('\r\n\r\n') + 4).toString()) as { data: { mutations: unknown[] } };
    expect(payload.data.mutations).toHaveLength(1000);
    client.destroy();
  });
});
