import type { FastifyInstance } from 'fastify';

/**
 * Bounds how long a response may wait for a client that does not read it. Node bounds receiving a request
 * (`requestTimeout`, `headersTimeout`) and idle keep-alive connections (`keepAliveTimeout`), but nothing bounds
 * sending: a client that asks for a large answer (a snapshot, a pull page) and never reads holds the socket,
 * the server's buffered write and the request's resources forever, and `close()` waits for it.
 *
 * When a response starts (onSend, so the handler's own work is not counted) the socket gets a timeout of
 * `timeoutMs`. Node's socket timeout measures progress, not total time: it is refreshed by every completed
 * write and every read, and when it fires during a write still in progress, `net.Socket` checks whether libuv's
 * write queue shrank since the last check and, if it did, re-arms instead of timing out. So a slow reader that
 * keeps reading is never cut off; a reader that stops is cut off `timeoutMs` to `2 × timeoutMs` after it stopped.
 * The connection is then reset (RST), which also frees what the kernel still buffers for it. After the answer
 * is sent, Node puts its own keep-alive timeout in place of this one.
 *
 * A response that streams with pauses (none does today) must write something at least every `timeoutMs`.
 */
export function installSendTimeout(app: FastifyInstance, timeoutMs: number): void {
  if (timeoutMs <= 0) return;
  app.addHook('onSend', (request, reply, payload, done) => {
    const res = reply.raw;
    res.setTimeout(timeoutMs, () => {
      request.log.info({ timeoutMs }, 'client stopped reading the response; connection reset');
      const socket = res.socket;
      if (socket && typeof socket.resetAndDestroy === 'function') socket.resetAndDestroy();
      else res.destroy();
    });
    done(null, payload);
  });
}
