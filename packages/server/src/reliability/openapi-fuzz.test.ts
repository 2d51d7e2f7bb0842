import fc from 'fast-check';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HEADERS } from '@quran-sync/protocol';
import { startTestServer, type TestServer } from '../testing/index.js';
import { databaseFingerprint, fingerprintDiff, type DatabaseFingerprint } from './testing/db-fingerprint.js';
import { errorEnvelopeProblem } from './testing/error-envelope-check.js';
import { HOSTILE_STRINGS, malformedBodies, RAW_ESCAPES, schemaValue } from './testing/hostile-values.js';
import { operationsOf, type ApiOperation, type OperationParameter } from './testing/openapi-operations.js';
import { rawRequest, type RawRequest, type RawResponse } from './testing/raw-http.js';
import { seedFuzzData, type FuzzPools } from './testing/fuzz-seed.js';

/**
 * Hostile input against every public route, derived from the server's own `/openapi.json` (issue #7, part 2):
 * random and boundary values per documented parameter and body schema, wrong types, missing and extra
 * fields, huge and negative numbers, unicode and control characters, malformed JSON, wrong content types,
 * repeated query parameters, path traversal in path parameters, valid and invalid credentials. Every answer
 * must be below 500, carry `X-Request-Id`, be in the envelope the contract assigns to the route and status,
 * and — when it refuses — leave every stored table exactly as it was (database fingerprint).
 *
 * `npm test` runs a bounded number of cases (QS_FUZZ_RUNS, default 100); QS_SLOW_TESTS=1 runs 3000.
 * QS_FUZZ_SURVEY=1 lists every distinct problem at the end instead of stopping (and shrinking) at the first.
 * QS_FUZZ_SEED=<n> replays the run a failure report names (fast-check prints the seed).
 */
const SURVEY = process.env.QS_FUZZ_SURVEY === '1';
const RUNS = Number(process.env.QS_FUZZ_RUNS ?? (process.env.QS_SLOW_TESTS === '1' ? 3000 : 100));
const SEED = process.env.QS_FUZZ_SEED ? { seed: Number(process.env.QS_FUZZ_SEED) } : {};
const ALL_SCOPES = [
  'content',
  'content.write',
  'sync',
  'bookmark',
  'collection',
  'note',
  'reading_session',
  'preference',
  'app_state',
  'openid',
  'offline_access',
];
const CLIENT = 'fuzz-client';
const USER = 'fuzz-user-a';
/** Placeholder replaced, when the request is sent, by the user's current head (so writes pass the conflict check). */
const HEAD = '{{head}}';

describe('OpenAPI-derived fuzzing of every public route', () => {
  let server: TestServer;
  let operations: ApiOperation[];
  let pools: FuzzPools;
  let credentials: Record<string, Record<string, string>>;
  let fingerprint: DatabaseFingerprint;

  beforeAll(async () => {
    server = await startTestServer();
    const userToken = await server.mintToken({ userId: USER, clientId: CLIENT, scopes: ALL_SCOPES });
    const clientToken = await server.mintToken({ userId: null, clientId: CLIENT, scopes: ['content', 'content.write'] });
    credentials = {
      user: { [HEADERS.authToken]: userToken, [HEADERS.clientId]: CLIENT },
      bearer: { authorization: `Bearer ${userToken}`, [HEADERS.clientId]: CLIENT },
      client: { [HEADERS.authToken]: clientToken, [HEADERS.clientId]: CLIENT },
      wrongClient: { [HEADERS.authToken]: userToken, [HEADERS.clientId]: 'another-client' },
      garbage: { [HEADERS.authToken]: 'eyJhbGciOiJub25lIn0.e30.', [HEADERS.clientId]: CLIENT },
      none: {},
    };
    pools = await seedFuzzData(server, credentials.user!, USER);
    const doc = await (await fetch(`${server.url}/openapi.json`)).json();
    operations = operationsOf(doc);
    fingerprint = await databaseFingerprint(server.ctx.db);
  });
  afterAll(async () => server?.close());

  it('the OpenAPI document covers every API family and documents parameters', () => {
    const families = new Set(operations.map((o) => o.family));
    // 'other': the probes (/health, /ready, /metrics).
    expect([...families].sort()).toEqual([
      'admin',
      'app-state',
      'content-snapshot',
      'content-sync',
      'discovery',
      'oauth2',
      'oauth2-page',
      'other',
      'user-direct',
      'user-sync',
    ]);
    // Every path parameter of a template is documented (so the fuzzer generates it).
    for (const op of operations) {
      const inTemplate = [...op.path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
      expect(
        op.parameters
          .filter((p) => p.in === 'path')
          .map((p) => p.name)
          .sort(),
        `${op.method} ${op.path}`,
      ).toEqual(inTemplate.sort());
    }
    // Every write with a body documents it (direct endpoints, push, admin, OAuth2 forms).
    const bodiless = operations.filter((o) => ['POST', 'PUT', 'PATCH'].includes(o.method) && o.body === null).map((o) => `${o.method} ${o.path}`);
    expect(bodiless.sort()).toEqual(['POST /admin/v1/compact', 'POST /admin/v1/resources/{resource_group}/{id}/invalidate', 'POST /oauth2/auth'].sort());
  });

  it(
    `answers ${RUNS} random hostile requests below 500, in the route's envelope, leaving data untouched when it refuses`,
    async () => {
      const stats = { total: 0, byStatus: new Map<number, number>() };
      const survey = new Set<string>();
      await fc.assert(
        fc.asyncProperty(
          fc.integer({ min: 0, max: operations.length - 1 }).chain((i) => requestArbitrary(operations[i]!, pools)),
          async (generated) => {
            const request = await resolvePlaceholders(generated, credentials, server);
            const response = await rawRequest(server.url, request);
            stats.total++;
            stats.byStatus.set(response.status, (stats.byStatus.get(response.status) ?? 0) + 1);
            if (!SURVEY) return checkResponse(generated.op, request, response);
            try {
              await checkResponse(generated.op, request, response);
            } catch (error) {
              survey.add((error as Error).message.split('\n')[0]!.slice(0, 400));
            }
          },
        ),
        { numRuns: RUNS, ...SEED },
      );
      expect([...survey]).toEqual([]);
      // The run must have reached handlers, not only the auth guard: successes and validation refusals both occur.
      const count = (predicate: (status: number) => boolean) => [...stats.byStatus].filter(([s]) => predicate(s)).reduce((n, [, c]) => n + c, 0);
      expect(count((s) => s >= 200 && s < 300)).toBeGreaterThan(RUNS / 50);
      expect(count((s) => s === 422 || s === 400 || s === 404)).toBeGreaterThan(RUNS / 10);
      // Each case is a request plus a database fingerprint: about 17 ms on PGlite, so allow 50 ms a case.
    },
    60_000 + RUNS * 50,
  );

  it('refuses malformed, deeply nested and wrongly typed bodies on every body route with a 4xx, data untouched', async () => {
    const bodyRoutes = operations.filter((o) => o.body !== null);
    for (const op of bodyRoutes) {
      for (const bad of malformedBodies) {
        const request = await resolvePlaceholders(
          {
            op,
            method: op.method,
            path: concretePath(op, pools),
            query: op.family === 'user-direct' || op.family === 'user-sync' ? [['lastMutationAt', HEAD]] : [],
            auth: 'user',
            headers: { 'content-type': bad.contentType },
            body: bad.body,
          },
          credentials,
          server,
        );
        const response = await rawRequest(server.url, request);
        // Refused with a 4xx, or — where it still reads as "no fields" (JSON `null`, a BOM before `{"a": 1}`) on a
        // route whose fields are all optional (PATCH of nothing) — accepted without changing anything.
        await checkResponse(op, request, response, bad.name, { unchanged: true });
      }
    }
    // Every body route times every malformed body, each with a database fingerprint.
  }, 180_000);

  it('refuses a 10 MB body on every body route with 413 in the route envelope (before reading it all), data untouched', async () => {
    const big = `{"mutations":[${'{"type":"CREATE","resource":"BOOKMARK","data":{"type":"ayah","key":1,"verseNumber":1}},'.repeat(130_000)}{}]}`;
    expect(big.length).toBeGreaterThan(10_000_000);
    for (const op of operations.filter((o) => o.body !== null)) {
      const form = op.body && !op.body['application/json'];
      const request = await resolvePlaceholders(
        {
          op,
          method: op.method,
          path: concretePath(op, pools),
          query: [['lastMutationAt', HEAD]],
          auth: 'user',
          headers: { 'content-type': form ? 'application/x-www-form-urlencoded' : 'application/json' },
          body: form ? `a=${'x'.repeat(10_500_000)}` : big,
        },
        credentials,
        server,
      );
      const response = await rawRequest(server.url, request).catch((error: Error) => ({ status: 0, headers: {}, text: error.message }) as RawResponse);
      expect(response.status, `${op.method} ${op.path}: ${response.text.slice(0, 200)}`).toBe(413);
      await checkResponse(op, request, response, '10 MB body');
    }
  });

  it('keeps path traversal in path parameters inside the route (never another route, never a file)', async () => {
    const traversals = [
      '..',
      '..%2f..%2fadmin%2fv1%2fcompact',
      '%2e%2e%2f%2e%2e%2f',
      '..%5c..%5c',
      '%252e%252e%252f',
      '.%00.',
      encodeURIComponent('../../../etc/passwd'),
    ];
    for (const op of operations.filter((o) => o.parameters.some((p) => p.in === 'path'))) {
      for (const t of traversals) {
        const path = op.path.replace(/\{[^}]+\}/g, t);
        const request = await resolvePlaceholders(
          { op, method: op.method, path, query: [['lastMutationAt', HEAD]], auth: 'user', headers: {}, body: undefined },
          credentials,
          server,
        );
        const response = await rawRequest(server.url, request);
        expect(response.status, `${op.method} ${path}`).toBeGreaterThanOrEqual(400);
        expect(response.text).not.toMatch(/root:|\[boot loader\]/);
        await checkResponse(op, request, response, `traversal ${t}`);
      }
    }
  });

  /** Status, request id, envelope, and the stored data: unchanged on a refusal, re-read after a success. */
  async function checkResponse(op: ApiOperation, request: RawRequest, response: RawResponse, label = '', options: { unchanged?: boolean } = {}): Promise<void> {
    const what = `${label} ${request.method} ${request.path.slice(0, 300)} → ${response.status}: ${response.text.slice(0, 300)}`;
    expect(response.status, what).toBeGreaterThanOrEqual(200);
    expect(response.status, what).toBeLessThan(500);
    expect(response.headers[HEADERS.requestId], what).toBeTruthy();
    expect(response.text, what).not.toMatch(/ at .*\.(ts|js):\d+|select .* from |syntax error at or near/i);
    const after = await databaseFingerprint(server.ctx.db);
    if (response.status >= 400) {
      expect(errorEnvelopeProblem(op.family, response.status, response.headers['content-type'], response.text), what).toBeNull();
      expect(fingerprintDiff(fingerprint, after), `tables changed by a refused request: ${what}`).toEqual([]);
    } else if (response.status >= 300) {
      expect([302, 303, 304], what).toContain(response.status);
    }
    if (options.unchanged) expect(fingerprintDiff(fingerprint, after), `tables changed: ${what}`).toEqual([]);
    fingerprint = after;
  }
});

interface GeneratedRequest {
  readonly op: ApiOperation;
  readonly method: string;
  readonly path: string;
  readonly query: ReadonlyArray<readonly [string, string]>;
  readonly auth: 'user' | 'bearer' | 'client' | 'wrongClient' | 'garbage' | 'none';
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string | undefined;
}

function concretePath(op: ApiOperation, pools: FuzzPools): string {
  return op.path.replace(/\{([^}]+)\}/g, (_m, name: string) => percentEncode(pools.pathValues(op, name)[0] ?? '1'));
}

/** Header-safe (node refuses control characters in header values). */
const headerSafe = (v: string) => (/^[\t\x20-\x7e]*$/.test(v) ? v : percentEncode(v));

/**
 * Percent-encoding that never throws: values already in escaped form (`%ED%A0%80`, `%zz`: invalid UTF-8
 * or broken escapes, on purpose) go out verbatim; lone surrogates are encoded as their UTF-8 replacement.
 */
function percentEncode(value: string): string {
  if (RAW_ESCAPES.includes(value)) return value;
  try {
    return encodeURIComponent(value);
  } catch {
    return [...Buffer.from(value, 'utf8')].map((b) => `%${b.toString(16).padStart(2, '0').toUpperCase()}`).join('');
  }
}

function requestArbitrary(op: ApiOperation, pools: FuzzPools): fc.Arbitrary<GeneratedRequest> {
  const hostile = fc.constantFrom(...HOSTILE_STRINGS, ...RAW_ESCAPES);
  const valueFor = (p: OperationParameter): fc.Arbitrary<string> => {
    const plausible = pools.plausible(op, p.name);
    return fc.oneof(
      { weight: plausible.length > 0 ? 5 : 0, arbitrary: plausible.length > 0 ? fc.constantFrom(...plausible) : fc.constant('') },
      { weight: 2, arbitrary: hostile },
      { weight: 1, arbitrary: schemaValue(p.schema).map((v) => (typeof v === 'string' ? v : (JSON.stringify(v) ?? ''))) },
    );
  };
  const pathParams = op.parameters.filter((p) => p.in === 'path');
  const queryParams = op.parameters.filter((p) => p.in === 'query');
  const headerParams = op.parameters.filter((p) => p.in === 'header');

  const path = fc
    .tuple(
      ...pathParams.map((p) =>
        fc.tuple(
          fc.constant(p.name),
          fc.oneof(
            { weight: 3, arbitrary: fc.constantFrom(...(pools.pathValues(op, p.name).length ? pools.pathValues(op, p.name) : ['1'])) },
            { weight: 2, arbitrary: hostile },
            { weight: 1, arbitrary: valueFor(p) },
          ),
          fc.boolean(),
        ),
      ),
    )
    .map((values) =>
      op.path.replace(/\{([^}]+)\}/g, (_m, name: string) => {
        const [, value, raw] = values.find(([n]) => n === name)!;
        // Raw (unencoded) when the HTTP client can send it as is: `..`, `%2e`, `;` reach the router untouched.
        return raw && /^[\x21-\x7e]+$/.test(value) && !value.includes('?') && !value.includes('#') ? value : percentEncode(value);
      }),
    );
  const query = fc
    .tuple(
      fc.tuple(
        ...queryParams.map((p) =>
          fc
            .option(fc.array(valueFor(p), { minLength: 1, maxLength: 3 }), { nil: undefined, freq: 2 })
            .map((vs) => (vs ?? []).map((v) => [p.name, v] as const)),
        ),
      ),
      fc.array(fc.tuple(fc.constantFrom('extra', '__proto__', 'language', 'a[b]', 'x'), hostile), { maxLength: 2 }),
    )
    .map(([documented, extra]) => [...documented.flat(), ...extra] as Array<readonly [string, string]>);
  const headers = fc.tuple(...headerParams.map((p) => fc.option(valueFor(p), { nil: undefined }))).map(
    (values) =>
      Object.fromEntries(
        headerParams
          .map((p, i) => [p.name, values[i]])
          .filter(([, v]) => v !== undefined)
          .map(([k, v]) => [k, headerSafe(v as string)]),
      ) as Record<string, string>,
  );
  const auth = fc.constantFrom<GeneratedRequest['auth']>('user', 'user', 'user', 'user', 'bearer', 'client', 'wrongClient', 'garbage', 'none');
  const media = op.body ? Object.keys(op.body) : [];
  const body: fc.Arbitrary<{ contentType?: string; body?: string }> = op.body
    ? fc.oneof(
        {
          weight: 6,
          arbitrary: fc
            .constantFrom(...media)
            .chain((type) => schemaValue(op.body![type]!).map((value) => ({ contentType: type, body: encodeBody(type, value) }))),
        },
        {
          weight: 2,
          arbitrary: fc.constantFrom(...malformedBodies.filter((b) => b.body.length < 50_000)).map((b) => ({ contentType: b.contentType, body: b.body })),
        },
        { weight: 1, arbitrary: fc.constant({}) },
      )
    : fc.oneof(
        { weight: 8, arbitrary: fc.constant({}) },
        { weight: 1, arbitrary: fc.constant({ contentType: 'application/json', body: '{"unexpected": true}' }) },
      );
  return fc.record({ path, query, headers, auth, body }).map((r) => ({
    op,
    method: op.method,
    path: r.path,
    query: r.query,
    auth: r.auth,
    headers: { ...r.headers, ...(r.body.contentType ? { 'content-type': r.body.contentType } : {}) },
    body: r.body.body,
  }));
}

function encodeBody(mediaType: string, value: unknown): string {
  if (mediaType === 'application/x-www-form-urlencoded') {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return String(value);
    return new URLSearchParams(
      Object.entries(value as Record<string, unknown>).map(([k, v]): [string, string] => [k, typeof v === 'string' ? v : (JSON.stringify(v) ?? '')]),
    ).toString();
  }
  return JSON.stringify(value) ?? 'null';
}

async function resolvePlaceholders(generated: GeneratedRequest, credentials: Record<string, Record<string, string>>, server: TestServer): Promise<RawRequest> {
  const head = await currentHead(server);
  const fill = (v: string) => v.split(HEAD).join(String(head));
  const query = generated.query.map(([k, v]) => `${percentEncode(k)}=${percentEncode(fill(v))}`).join('&');
  const headers: Record<string, string> = { ...credentials[generated.auth] };
  for (const [k, v] of Object.entries(generated.headers)) headers[k] = fill(v);
  return {
    method: generated.method,
    path: `${generated.path}${query ? `?${query}` : ''}`,
    headers,
    ...(generated.body !== undefined ? { body: fill(generated.body) } : {}),
  };
}

async function currentHead(server: TestServer): Promise<number> {
  const row = await sql<{ head: number }>`select head from user_heads where user_id = ${USER}`.execute(server.ctx.db);
  return row.rows[0] ? Number(row.rows[0].head) : -1;
}
