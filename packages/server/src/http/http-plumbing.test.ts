import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../testing/index.js';

describe('HTTP plumbing', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server?.close();
  });

  it('answers liveness and readiness', async () => {
    const health = await fetch(`${server.url}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok' });
    const ready = await fetch(`${server.url}/ready`);
    expect(ready.status).toBe(200);
    expect((await ready.json()) as object).toMatchObject({ status: 'ready' });
  });

  it('answers unknown routes with the standard 404 envelope and a request id', async () => {
    const res = await fetch(`${server.url}/nope?x=1`);
    expect(res.status).toBe(404);
    expect(res.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(await res.json()).toEqual({ message: 'Route GET /nope not found', type: 'not_found', success: false });
  });

  it('keeps a well-formed incoming X-Request-Id and replaces a malformed one', async () => {
    const kept = await fetch(`${server.url}/health`, { headers: { 'x-request-id': 'gateway-123' } });
    expect(kept.headers.get('x-request-id')).toBe('gateway-123');
    const replaced = await fetch(`${server.url}/health`, { headers: { 'x-request-id': 'bad id with spaces' } });
    expect(replaced.headers.get('x-request-id')).not.toBe('bad id with spaces');
  });

  it('rejects over-long URLs with 414 in the standard envelope', async () => {
    const res = await fetch(`${server.url}/health?pad=${'x'.repeat(13_000)}`);
    expect(res.status).toBe(414);
    expect(await res.json()).toMatchObject({ success: false, type: 'invalid_request' });
    // Beyond Node's own header limit the parser rejects the request; the envelope is the same.
    const huge = await fetch(`${server.url}/health?pad=${'x'.repeat(20_000)}`);
    expect(huge.status).toBe(431);
    expect(huge.headers.get('x-request-id')).toBeTruthy();
    expect(await huge.json()).toMatchObject({ success: false, type: 'invalid_request' });
  });

  it('serves Prometheus metrics', async () => {
    await fetch(`${server.url}/health`);
    const res = await fetch(`${server.url}/metrics`);
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toContain('qs_http_requests_total{method="GET",route="/health",status="200"}');
    expect(text).toContain('qs_db_pool_total');
  });

  it('serves an OpenAPI 3.1 document and the browsable reference', async () => {
    const res = await fetch(`${server.url}/openapi.json`);
    expect(res.status).toBe(200);
    const doc = (await res.json()) as { openapi: string; info: { title: string } };
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.info.title).toBe('Quran Sync');
    const docs = await fetch(`${server.url}/docs/`);
    expect(docs.status).toBe(200);
    expect(await docs.text()).toContain('swagger');
  });
});
