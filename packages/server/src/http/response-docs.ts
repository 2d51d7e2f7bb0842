import { ContentSyncErrorBody, OAuth2ErrorBody, StandardErrorBody, SyncErrorBody, type ErrorEnvelopeKind } from '@quran-sync/protocol';
import { Type, type TSchema } from '@sinclair/typebox';
import type { FastifyInstance, FastifySerializerCompiler, RouteOptions } from 'fastify';
import { ALWAYS_SERVED } from './overload-protection.js';
import { UNLIMITED_ROUTES } from './rate-limit.js';

/**
 * Response schemas of the OpenAPI document: success answers are declared by each route (from the protocol's
 * wire schemas), error answers in the contract's envelopes through the helpers here, and the answers that
 * plumbing gives on any route (auth guard, body limits, media types, URL length, rate limits, overload) are
 * added to every documented route by `documentCommonAnswers`, so a route cannot forget them.
 *
 * Response schemas document; they never shape the wire (see `jsonSerializerCompiler`).
 */

const ENVELOPES: Record<ErrorEnvelopeKind, TSchema> = {
  standard: StandardErrorBody,
  sync: SyncErrorBody,
  content: ContentSyncErrorBody,
  oauth2: OAuth2ErrorBody,
};

const MEANING: Readonly<Record<number, string>> = {
  400: 'Malformed request',
  401: 'Missing or invalid credentials',
  403: 'Credentials valid but not allowed here (client id, user token or scope)',
  404: 'Not found',
  409: 'Conflict',
  410: 'Gone',
  413: 'Request body too large',
  414: 'URL too long',
  415: 'Unsupported Content-Type',
  422: 'Invalid values',
  429: 'Too many requests (Retry-After says when to come back)',
  503: 'Temporarily unavailable (Retry-After says when to come back)',
};

/** A shared envelope copied for one route: without its `$id` (registered once at most) and with a description. */
function envelope(kind: ErrorEnvelopeKind): TSchema {
  const { $id: _id, ...schema } = ENVELOPES[kind];
  return { ...schema } as TSchema;
}

/** The error answer of `status` in one envelope, or in any of several (the description names them). */
export function errorAnswer(status: number, kinds: ErrorEnvelopeKind | readonly ErrorEnvelopeKind[], meaning = MEANING[status] ?? 'Error'): TSchema {
  const list = typeof kinds === 'string' ? [kinds] : kinds;
  const description = `${meaning} (${list.join(' or ')} error envelope)`;
  return list.length === 1 ? { ...envelope(list[0]!), description } : Type.Union(list.map(envelope), { description });
}

/** `errorAnswer` for several statuses at once. */
export function errorAnswers(kinds: ErrorEnvelopeKind | readonly ErrorEnvelopeKind[], statuses: readonly number[]): Record<number, TSchema> {
  return Object.fromEntries(statuses.map((status) => [status, errorAnswer(status, kinds)]));
}

/** A success answer of JSON `schema`, with the response's description. */
export function jsonAnswer(schema: TSchema, description: string): TSchema {
  return { ...schema, description } as TSchema;
}

/** An answer without a body (redirects, 304, empty 200). */
export function emptyAnswer(description: string): TSchema {
  return { type: 'null', description } as unknown as TSchema;
}

/** An answer in a non-JSON media type (HTML pages, the Prometheus text format). */
export function mediaAnswer(mediaType: string, description: string): TSchema {
  return contentAnswer(description, { [mediaType]: { type: 'string' } });
}

/** An answer that may come in several media types (an HTML page, or JSON in an error envelope). */
export function contentAnswer(description: string, content: Record<string, unknown>): TSchema {
  return { description, content: Object.fromEntries(Object.entries(content).map(([type, schema]) => [type, { schema }])) } as unknown as TSchema;
}

/** An error envelope's schema alone, for `contentAnswer`. */
export function envelopeSchema(kind: ErrorEnvelopeKind): TSchema {
  return envelope(kind);
}

const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * Adds to every documented route the answers plumbing may give it, unless the route declares that status
 * itself: 401/403 where the route needs a token (standard envelope: the auth guard), 400/413/415 where it
 * takes a body, 400 where a path parameter may be malformed, 414 everywhere, 429 and 503 where the rate
 * limiter and the overload protection apply. OAuth2 routes answer framework errors in their own envelope,
 * and plumbing errors in the standard one.
 */
export function documentCommonAnswers(app: FastifyInstance): void {
  app.addHook('onRoute', (route: RouteOptions) => {
    const schema = route.schema as { hide?: boolean; response?: Record<string, unknown> } | undefined;
    if (!schema || schema.hide) return;
    const url = route.url;
    const methods = (Array.isArray(route.method) ? route.method : [route.method]).map((m) => String(m).toUpperCase());
    const oauth2 = route.config?.errorEnvelope === 'oauth2' || url.startsWith('/oauth2/');
    const framework: ErrorEnvelopeKind = oauth2 ? 'oauth2' : 'standard';
    const plumbing: readonly ErrorEnvelopeKind[] = oauth2 ? ['standard', 'oauth2'] : ['standard'];
    const common: Record<number, TSchema> = {};
    if (route.config?.auth) Object.assign(common, errorAnswers('standard', [401, 403]));
    if (methods.some((m) => BODY_METHODS.has(m))) Object.assign(common, errorAnswers(framework, [400, 413, 415]));
    else if (url.includes(':')) common[400] = errorAnswer(400, framework);
    common[414] = errorAnswer(414, 'standard');
    if (!UNLIMITED_ROUTES.has(url)) common[429] = errorAnswer(429, plumbing);
    if (!ALWAYS_SERVED.has(url)) common[503] = errorAnswer(503, plumbing);
    const merged: Record<string, unknown> = { ...common, ...schema.response };
    // A copy: one schema object may serve several routes (both prefixes of an API).
    route.schema = {
      ...schema,
      response: Object.fromEntries(
        Object.keys(merged)
          .sort()
          .map((status) => [status, merged[status]]),
      ),
    };
  });
}

/**
 * Every answer is serialised with `JSON.stringify`, whatever its response schema. Fastify's default compiles
 * response schemas into serialisers that drop properties the schema does not list and coerce values to the
 * listed types: a documentation gap would then silently change what real clients receive. Here the schemas
 * only document; `openapi-conformance.test.ts` checks real answers against them instead.
 */
export const jsonSerializerCompiler: FastifySerializerCompiler<unknown> = () => (data) => JSON.stringify(data);
