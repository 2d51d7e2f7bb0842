import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { Socket } from 'node:net';
import { standardErrorType } from '@quran-sync/protocol';

/**
 * Requests Node's HTTP parser rejects before Fastify sees them (headers or URL beyond the 16 KiB limit,
 * malformed request lines, timeouts) still get the standard envelope and a request id, instead of
 * Fastify's default body shape.
 */
export function clientErrorHandler(error: NodeJS.ErrnoException, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const status = error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : error.code === 'HPE_HEADER_OVERFLOW' ? 431 : 400;
  const message = status === 408 ? 'Request timed out' : status === 431 ? 'Request headers or URL are too large' : 'Malformed HTTP request';
  const body = JSON.stringify({ message, type: standardErrorType(status), success: false });
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nX-Request-Id: ${randomUUID()}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(error);
}
