import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../testing/index.js';
import { SERVER_VERSION } from '../version.js';

/** `GET /` on a real server: a page for people, a small index for JSON clients, outside the API document. */
describe('landing page', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server?.close();
  });

  it('serves a static HTML page with relative links, a strict CSP and the usual security headers', async () => {
    const res = await fetch(`${server.url}/`, { headers: { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('x-request-id')).toBeTruthy();
    const html = await res.text();
    for (const href of ['docs', 'openapi.json', 'health', 'ready']) expect(html).toContain(`<a href="${href}">`);
    expect(html).toContain(SERVER_VERSION);
    expect(html).toContain('/oauth2/token');
    expect(html).toContain('npx quran-sync token');
    expect(html).not.toMatch(/<script|dev-secret|dev-password/);
    // Only its own inline style may apply: allowed by its hash.
    const csp = res.headers.get('content-security-policy')!;
    expect(csp).toMatch(/^default-src 'none'; /);
    expect(csp).not.toContain('unsafe-inline');
    const style = /<style>([^<]*)<\/style>/.exec(html)![1]!;
    expect(csp).toContain(`style-src 'sha256-${createHash('sha256').update(style).digest('base64')}'`);
  });

  it('gives curl, which accepts anything, the page too', async () => {
    const res = await fetch(`${server.url}/`, { headers: { accept: '*/*' } });
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
  });

  it('answers a JSON client with an index of the same links', async () => {
    const res = await fetch(`${server.url}/`, { headers: { accept: 'application/json' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('vary')).toMatch(/accept/i);
    expect(await res.json()).toEqual({
      name: 'quran-sync',
      version: SERVER_VERSION,
      links: { docs: '/docs', openapi: '/openapi.json', health: '/health', ready: '/ready' },
      token: '/oauth2/token',
    });
  });

  it('is not part of the API document', async () => {
    const doc = (await (await fetch(`${server.url}/openapi.json`)).json()) as { paths: Record<string, unknown> };
    expect(Object.keys(doc.paths).length).toBeGreaterThan(10);
    expect(doc.paths['/']).toBeUndefined();
  });
});
