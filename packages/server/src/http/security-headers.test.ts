import http from 'node:http';
import type { AddressInfo } from 'node:net';
import helmet from 'helmet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SECURITY_HEADER_OPTIONS, SECURITY_HEADERS } from './security-headers.js';

/**
 * The security headers are recorded from helmet once at start-up; this holds the recording equal to what
 * helmet itself sets on a real response, request after request (different methods, paths and headers), so
 * a helmet release that made its output depend on the request would fail here instead of going stale.
 */
describe('recorded security headers', () => {
  const applyHelmet = helmet(SECURITY_HEADER_OPTIONS);
  let server: http.Server;
  let url: string;

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      res.setHeader('x-powered-by', 'something');
      applyHelmet(req, res, () => res.end('ok'));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => new Promise<void>((resolve) => server.close(() => resolve())));

  it('equals what helmet sets on a real response, whatever the request', async () => {
    expect(Object.keys(SECURITY_HEADERS).length).toBeGreaterThanOrEqual(8);
    for (const [path, init] of [
      ['/', {}],
      ['/oauth2/auth?x=1', { headers: { accept: 'text/html', 'user-agent': 'Mozilla/5.0' } }],
      ['/api/v4/resources/sync', { method: 'POST', headers: { 'content-type': 'application/json', origin: 'https://app.example' }, body: '{}' }],
    ] as const) {
      const res = await fetch(`${url}${path}`, init);
      const sent = Object.fromEntries(
        [...res.headers].filter(([name]) => !['date', 'connection', 'keep-alive', 'content-length', 'transfer-encoding'].includes(name)),
      );
      expect(sent, path).toEqual(SECURITY_HEADERS);
      await res.text();
    }
  });
});
