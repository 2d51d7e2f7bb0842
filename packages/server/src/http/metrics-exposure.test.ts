import { afterAll, describe, expect, it } from 'vitest';
import { type ConfigError, resolveServerConfig } from '../config/server-config.js';
import { startTestServer, type TestServer } from '../testing/index.js';

const TOKEN = 'metrics-token-0123456789abcdef';

describe('/metrics exposure', () => {
  const servers: TestServer[] = [];
  const start = async (metrics: NonNullable<Parameters<typeof startTestServer>[0]>['metrics']) => {
    const server = await startTestServer({ metrics });
    servers.push(server);
    return server;
  };
  afterAll(async () => {
    for (const server of servers) await server.close();
  });

  it('defaults: open for the embedded database (npm start), not served on PostgreSQL until the operator decides', () => {
    expect(resolveServerConfig({}, {}).metrics).toEqual({ token: null, public: true, port: null, host: '127.0.0.1' });
    const pg = { databaseUrl: 'postgres://quran@localhost:5432/quran_sync' };
    expect(resolveServerConfig(pg, {}).metrics).toMatchObject({ token: null, public: false, port: null });
    expect(resolveServerConfig(pg, { QS_METRICS_PUBLIC: 'true' }).metrics.public).toBe(true);
    expect(resolveServerConfig(pg, { QS_METRICS_TOKEN: TOKEN }).metrics).toMatchObject({ token: TOKEN, public: false });
    expect(resolveServerConfig(pg, { QS_METRICS_PORT: '9464', QS_METRICS_HOST: '0.0.0.0' }).metrics).toMatchObject({
      port: 9464,
      host: '0.0.0.0',
      public: false,
    });
    // A token or a port of its own takes metrics off the open main port, on the embedded database too.
    expect(resolveServerConfig({}, { QS_METRICS_TOKEN: TOKEN }).metrics.public).toBe(false);
  });

  it('refuses settings that would expose metrics by mistake', () => {
    const problems = (env: Record<string, string>) => {
      try {
        resolveServerConfig({ port: 8080 }, env);
        return [];
      } catch (error) {
        return (error as ConfigError).problems;
      }
    };
    expect(problems({ QS_METRICS_TOKEN: 'short' })).toEqual([expect.stringContaining('at least 16 characters')]);
    expect(problems({ QS_METRICS_TOKEN: 'has a space in the middle' })).toEqual([expect.stringContaining('without spaces')]);
    expect(problems({ QS_METRICS_PUBLIC: 'true', QS_METRICS_TOKEN: TOKEN })).toEqual([expect.stringContaining('contradicts')]);
    expect(problems({ QS_METRICS_PORT: '8080' })).toEqual([expect.stringContaining('must differ')]);
    expect(problems({ QS_METRICS_PORT: 'nine' })).toEqual([expect.stringContaining('QS_METRICS_PORT')]);
  });

  it('not served: a clear 404 in the standard envelope', async () => {
    const server = await start({ public: false });
    const res = await fetch(`${server.url}/metrics`);
    expect(res.status).toBe(404);
    expect(res.headers.get('x-request-id')).toBeTruthy();
    expect(await res.json()).toEqual({ message: expect.stringContaining('QS_METRICS_TOKEN'), type: 'not_found', success: false });
  });

  it('with QS_METRICS_TOKEN: 401 without the bearer token or with a wrong one, metrics with it', async () => {
    const server = await start({ token: TOKEN });
    const attempts: Array<Record<string, string>> = [
      {},
      { authorization: 'Bearer wrong-token-0123456789abcdef' },
      { authorization: `Basic ${Buffer.from(`x:${TOKEN}`).toString('base64')}` },
      { 'x-auth-token': TOKEN },
    ];
    for (const headers of attempts) {
      const res = await fetch(`${server.url}/metrics`, { headers });
      expect(res.status, JSON.stringify(headers)).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe('Bearer realm="metrics"');
      expect(res.headers.get('x-request-id')).toBeTruthy();
      expect(await res.json()).toEqual({ message: expect.stringContaining('Bearer'), type: 'unauthorized', success: false });
    }
    const res = await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('qs_http_requests_total');
  });

  it('with QS_METRICS_PORT: served on that port only (with the token when set), 404 on the main port', async () => {
    const server = await start({ port: 0, token: TOKEN });
    expect(server.server.metricsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(server.server.metricsUrl).not.toBe(server.url);
    expect((await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(404);

    const refused = await fetch(`${server.server.metricsUrl}/metrics`);
    expect(refused.status).toBe(401);
    expect(refused.headers.get('x-request-id')).toBeTruthy();
    expect(refused.headers.get('x-content-type-options')).toBe('nosniff');
    await fetch(`${server.url}/health`);
    const served = await fetch(`${server.server.metricsUrl}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(served.status).toBe(200);
    // The registry of the main server: its traffic is what the separate port reports.
    expect(await served.text()).toContain('qs_http_requests_total{method="GET",route="/health",status="200"}');
    const other = await fetch(`${server.server.metricsUrl}/v1/sync`);
    expect(other.status).toBe(404);
    expect(await other.json()).toMatchObject({ type: 'not_found', success: false });

    const open = await start({ port: 0 });
    expect((await fetch(`${open.server.metricsUrl}/metrics`)).status).toBe(200);
  });
});
