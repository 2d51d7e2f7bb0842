import { createHash } from 'node:crypto';
import {
  APP_STATE_ETAG_PATTERN,
  APP_STATE_IDEMPOTENCY_KEY_PATTERN,
  APP_STATE_MAX_SCHEMA_VERSION,
  APP_STATE_SCOPES,
  AppStateBootstrapResponse,
  AppStateChangesResponse,
  AppStateConfigurationResponse,
  AppStateDocumentResponse,
  AppStateErrorBody,
  AppStateMutationResponse,
  AppStatePageResponse,
  AppStatePutBody,
  appStateKeyProblem,
  appStatePageSize,
  isAppStateCollectionName,
  scopeGrants,
  type AppStateCollection,
} from '@quran-sync/protocol';
import { Type, type TSchema } from '@sinclair/typebox';
import type { FastifyContextConfig, FastifyReply, FastifyRequest } from 'fastify';
import { requireAuth } from '../auth/auth-guard.js';
import type { CapabilityPlugin } from '../capability-plugin.js';
import { HANDLER_VALIDATED } from '../http/handler-validated.js';
import type { AppStateConfig } from './app-state-config.js';
import { appStateError } from './app-state-errors.js';
import { installAppStateJsonParser, MALFORMED_BODY } from './app-state-json-body.js';
import { AppStateStore, changeItem, documentItem, isoTime, type Precondition, type WriteOutcome } from './app-state-store.js';
import { AppStateTokens, type Namespace } from './app-state-tokens.js';

const TAGS = ['App State'];
const security = [{ accessToken: [], clientId: [] }];
const READ: FastifyContextConfig = { auth: { scopes: [APP_STATE_SCOPES.read], user: true } };
const WRITE: FastifyContextConfig = { auth: { scopes: [APP_STATE_SCOPES.write], user: true } };
// The configuration is readable with any App State scope, checked by the handler.
const ANY: FastifyContextConfig = { auth: { scopes: [], user: true } };

const errors = (...statuses: number[]): Record<number, TSchema> =>
  Object.fromEntries([400, 401, 403, 429, 503, ...statuses].map((s) => [s, AppStateErrorBody]));
const q = (description: string) => Type.Optional(Type.String({ description }));
const PAGE_QUERY = Type.Object(
  { cursor: q('nextCursor of the previous page'), limit: q('Page size, 1..100 (default and cap 100)') },
  { additionalProperties: true },
);
const COLLECTION_PARAM = { collection: Type.String({ description: 'A collection listed by GET /v1/app-state:config' }) };
const DOCUMENT_PARAMS = Type.Object({
  ...COLLECTION_PARAM,
  key: Type.String({ description: '1..512 Unicode scalar values; no slash, backslash or control character; URL-encoded' }),
});
const WRITE_HEADERS = Type.Object(
  {
    'idempotency-key': Type.String({
      description: '16..256 visible ASCII characters; a retry with the same key and request within 24 h answers the stored outcome',
    }),
    'if-match': Type.Optional(Type.String({ description: 'Write only if the current ETag is this one (* : if the document exists)' })),
    'if-none-match': Type.Optional(Type.String({ description: '* : write only if the document does not exist' })),
  },
  { additionalProperties: true },
);

/**
 * The App State API (docs/app-state.md): QF's per-user document store as `@quranjs/api` 3.10 calls it, under
 * each user prefix (`/auth/v1`, `/v1`). A namespace is the user of the token within the OAuth client it was
 * issued to: each app keeps its own state, as at QF.
 *
 * Document paths are read from the raw URL, decoded exactly once, so an encoded slash stays inside the key
 * (and is refused there). The documented `{collection}/{key}` routes have a hidden catch-all twin: the router
 * caps parameters at 512 characters, which a key of 512 non-ASCII characters exceeds once percent-encoded.
 */
export const appStateRoutes: CapabilityPlugin = async (app, { ctx }) => {
  const config = ctx.config.appState;
  const store = new AppStateStore(ctx.db, config);
  const tokens = new AppStateTokens(ctx.keys.syncTokenSecret);
  installAppStateJsonParser(app);

  app.get(
    '/app-state::config',
    { config: ANY, schema: { tags: TAGS, summary: 'Collections and limits', security, response: { 200: AppStateConfigurationResponse, ...errors() } } },
    async (request) => {
      const { scopes } = requireAuth(request);
      if (![APP_STATE_SCOPES.read, APP_STATE_SCOPES.write].some((scope) => scopeGrants(scopes, scope))) {
        throw appStateError('insufficient_scope', 'The access token has no App State scope (app_state, app_state.read or app_state.write).');
      }
      return { success: true, data: config };
    },
  );

  app.get(
    '/app-state::bootstrap',
    {
      config: READ,
      schema: {
        tags: TAGS,
        summary: 'Every live document, paged; the last page gives the sync token to pull changes from',
        security,
        querystring: PAGE_QUERY,
        response: { 200: AppStateBootstrapResponse, ...errors() },
      },
      ...HANDLER_VALIDATED,
    },
    async (request) => {
      const ns = namespaceOf(request);
      const query = request.query as Record<string, unknown>;
      const limit = appStatePageSize(query.limit);
      const cursor = optionalString(query.cursor, 'invalid_cursor');
      const position = cursor === null ? { snapshotSeq: await store.currentSeq(ns), after: null } : tokens.readBootstrapCursor(ns, cursor);
      if (position === null) throw appStateError('invalid_cursor', 'The cursor is invalid.');
      const rows = await store.bootstrapPage(ns, position.snapshotSeq, position.after, limit);
      const hasMore = rows.length > limit;
      const items = rows.slice(0, limit);
      const last = items.at(-1);
      return {
        success: true,
        data: {
          hasMore,
          items: items.map(documentItem),
          nextCursor:
            hasMore && last ? tokens.bootstrapCursor(ns, { snapshotSeq: position.snapshotSeq, after: { collection: last.collection, key: last.key } }) : null,
          nextSyncToken: hasMore ? null : tokens.syncToken(ns, position.snapshotSeq),
        },
      };
    },
  );

  app.get(
    '/app-state::changes',
    {
      config: READ,
      schema: {
        tags: TAGS,
        summary: 'Changes after a sync token (each key once, at its latest state); 410 sync_token_expired: bootstrap again',
        security,
        querystring: Type.Object(
          { since: Type.String({ description: 'nextSyncToken of bootstrap or of the previous page' }), limit: q('Page size, 1..100 (default and cap 100)') },
          { additionalProperties: true },
        ),
        response: { 200: AppStateChangesResponse, ...errors(410) },
      },
      ...HANDLER_VALIDATED,
    },
    async (request) => {
      const ns = namespaceOf(request);
      const query = request.query as Record<string, unknown>;
      const limit = appStatePageSize(query.limit);
      const token = optionalString(query.since, 'invalid_sync_token');
      const since = token === null ? null : tokens.readSyncToken(ns, token);
      if (since === null) throw appStateError('invalid_sync_token', 'The sync token is missing or invalid.');
      const rows = await store.changesAfter(ns, since, limit);
      if (rows === 'unknown') throw appStateError('invalid_sync_token', 'The sync token is invalid.');
      if (rows === 'expired') throw appStateError('sync_token_expired', 'The sync token has expired: bootstrap again.');
      const hasMore = rows.length > limit;
      const page = rows.slice(0, limit);
      const nextSeq = page.length > 0 ? Number(page.at(-1)!.seq) : since;
      return { success: true, data: { changes: page.map(changeItem), hasMore, nextSyncToken: tokens.syncToken(ns, nextSeq) } };
    },
  );

  const list = async (request: FastifyRequest, collection: AppStateCollection) => {
    const ns = namespaceOf(request);
    const query = request.query as Record<string, unknown>;
    const limit = appStatePageSize(query.limit);
    const cursor = optionalString(query.cursor, 'invalid_cursor');
    const afterKey = cursor === null ? null : tokens.readListCursor(ns, collection.name, cursor);
    if (cursor !== null && afterKey === null) throw appStateError('invalid_cursor', 'The cursor is invalid.');
    const rows = await store.listDocuments(ns, collection.name, afterKey, limit);
    const hasMore = rows.length > limit;
    const items = rows.slice(0, limit);
    const last = items.at(-1);
    return {
      success: true,
      data: { hasMore, items: items.map(documentItem), nextCursor: hasMore && last ? tokens.listCursor(ns, collection.name, last.key) : null },
    };
  };

  const get = async (request: FastifyRequest, reply: FastifyReply, collection: AppStateCollection, key: string) => {
    const row = await store.getDocument(namespaceOf(request), collection.name, key);
    if (!row) throw appStateError('document_not_found', 'The document does not exist.');
    reply.header('etag', row.etag);
    const data = {
      collection: row.collection,
      key: row.key,
      schemaVersion: row.schema_version,
      updatedAt: isoTime(row.updated_at),
      value: JSON.parse(row.value_json!) as unknown,
      version: Number(row.version),
    };
    return { success: true, data };
  };

  const put = async (request: FastifyRequest, reply: FastifyReply, collection: AppStateCollection, key: string) => {
    const ns = namespaceOf(request);
    const idempotencyKey = readIdempotencyKey(request);
    const precondition = readPrecondition(request, collection);
    const body = request.body;
    if (body === MALFORMED_BODY)
      throw appStateError(
        'invalid_json',
        'The body is not usable JSON: malformed, nested deeper than 64 levels, or holding a lone surrogate or a number out of range.',
      );
    if (typeof body !== 'object' || body === null || Array.isArray(body))
      throw appStateError('invalid_json', 'PUT requires a JSON object with value and schemaVersion.');
    const fields = body as Record<string, unknown>;
    if (!Object.hasOwn(fields, 'value')) throw appStateError('invalid_json', 'PUT requires the value property.');
    const schemaVersion = fields.schemaVersion;
    if (typeof schemaVersion !== 'number' || !Number.isInteger(schemaVersion) || schemaVersion < 1 || schemaVersion > APP_STATE_MAX_SCHEMA_VERSION) {
      throw appStateError('invalid_json', `PUT requires schemaVersion to be an integer between 1 and ${APP_STATE_MAX_SCHEMA_VERSION}.`);
    }
    const valueJson = JSON.stringify(fields.value);
    const outcome = await store.put(ns, {
      method: 'PUT',
      collection,
      key,
      precondition,
      idempotencyKey,
      fingerprint: fingerprint('PUT', collection.name, key, precondition, canonicalJson(fields)),
      schemaVersion,
      valueJson,
      bytes: Buffer.byteLength(valueJson, 'utf8'),
    });
    return send(reply, outcome);
  };

  const remove = async (request: FastifyRequest, reply: FastifyReply, collection: AppStateCollection, key: string) => {
    const ns = namespaceOf(request);
    const idempotencyKey = readIdempotencyKey(request);
    const precondition = readPrecondition(request, collection);
    const outcome = await store.delete(ns, {
      method: 'DELETE',
      collection,
      key,
      precondition,
      idempotencyKey,
      fingerprint: fingerprint('DELETE', collection.name, key, precondition, ''),
    });
    return send(reply, outcome);
  };

  const documentRoute = (method: 'GET' | 'PUT' | 'DELETE', summary: string, extra: Record<string, unknown>, handler: typeof get) => {
    const routeConfig = method === 'GET' ? READ : WRITE;
    app.route({
      method,
      url: '/app-state/:collection/:key',
      config: routeConfig,
      schema: { tags: TAGS, summary, security, params: DOCUMENT_PARAMS, ...extra },
      ...HANDLER_VALIDATED,
      handler: (request, reply) => handler(request, reply, ...documentTarget(request, config)),
    });
  };
  documentRoute('GET', 'One live document (ETag header: its validator)', { response: { 200: AppStateDocumentResponse, ...errors(404) } }, get);
  documentRoute(
    'PUT',
    'Create (201) or replace (200) a document; strict collections need If-Match or If-None-Match: *',
    {
      headers: WRITE_HEADERS,
      body: AppStatePutBody,
      response: { 200: AppStateMutationResponse, 201: AppStateMutationResponse, ...errors(409, 412, 413, 415, 422, 428) },
    },
    put,
  );
  documentRoute(
    'DELETE',
    'Delete a document (204, also when it is already gone)',
    { headers: WRITE_HEADERS, response: { 204: Type.Null({ description: 'No body' }), ...errors(409, 412, 428) } },
    remove,
  );

  app.get(
    '/app-state/:collection',
    {
      config: READ,
      schema: {
        tags: TAGS,
        summary: 'Live documents of a collection in key order, paged',
        security,
        params: Type.Object(COLLECTION_PARAM),
        querystring: PAGE_QUERY,
        response: { 200: AppStatePageResponse, ...errors() },
      },
      ...HANDLER_VALIDATED,
    },
    async (request) => list(request, listTarget(request, config)),
  );

  // The catch-all twins (see above); hidden from the OpenAPI document, which lists the routes above.
  const hidden = { schema: { hide: true }, ...HANDLER_VALIDATED };
  app.get('/app-state/*', { config: READ, ...hidden }, async (request, reply) => {
    const segments = pathSegments(request);
    return segments.length === 1 ? list(request, listTarget(request, config)) : get(request, reply, ...documentTarget(request, config));
  });
  app.put('/app-state/*', { config: WRITE, ...hidden }, (request, reply) => put(request, reply, ...documentTarget(request, config)));
  app.delete('/app-state/*', { config: WRITE, ...hidden }, (request, reply) => remove(request, reply, ...documentTarget(request, config)));
};

function send(reply: FastifyReply, outcome: WriteOutcome): FastifyReply {
  if (outcome.etag !== null) reply.header('etag', outcome.etag);
  reply.code(outcome.status);
  return outcome.body === null ? reply.send() : reply.send(outcome.body);
}

function namespaceOf(request: FastifyRequest): Namespace {
  const auth = requireAuth(request);
  return { userId: auth.userId as string, namespace: auth.clientId };
}

/** The encoded segments after `/app-state/`, from the raw URL. */
function pathSegments(request: FastifyRequest): string[] {
  const path = request.url.split('?', 1)[0]!;
  const at = path.indexOf('/app-state/');
  return path.slice(at + '/app-state/'.length).split('/');
}

function decodeSegment(segment: string, code: 'invalid_collection' | 'invalid_key'): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw appStateError(code, code === 'invalid_key' ? 'The key is not valid percent-encoded UTF-8.' : 'The collection name is invalid.');
  }
}

function collectionOf(segment: string, config: AppStateConfig): AppStateCollection {
  const name = decodeSegment(segment, 'invalid_collection');
  if (!isAppStateCollectionName(name))
    throw appStateError('invalid_collection', 'The collection name is invalid: lower-case letters, digits, dot, underscore and hyphen, at most 80.');
  const collection = config.collections.find((c) => c.name === name);
  if (!collection) throw appStateError('collection_not_allowed', 'The collection is not enabled on this server.');
  return collection;
}

function listTarget(request: FastifyRequest, config: AppStateConfig): AppStateCollection {
  return collectionOf(pathSegments(request)[0]!, config);
}

function documentTarget(request: FastifyRequest, config: AppStateConfig): [AppStateCollection, string] {
  const segments = pathSegments(request);
  const collection = collectionOf(segments[0]!, config);
  if (segments.length !== 2) throw appStateError('invalid_key', 'The key contains a slash.');
  const key = decodeSegment(segments[1]!, 'invalid_key');
  const problem = appStateKeyProblem(key);
  if (problem) throw appStateError('invalid_key', `${problem}.`);
  return [collection, key];
}

function optionalString(value: unknown, code: 'invalid_cursor' | 'invalid_sync_token'): string | null {
  if (value === undefined) return null;
  if (typeof value !== 'string' || value === '') throw appStateError(code, code === 'invalid_cursor' ? 'The cursor is invalid.' : 'The sync token is invalid.');
  return value;
}

function readIdempotencyKey(request: FastifyRequest): string {
  const value = request.headers['idempotency-key'];
  if (typeof value !== 'string' || !APP_STATE_IDEMPOTENCY_KEY_PATTERN.test(value)) {
    throw appStateError('invalid_idempotency_key', 'A high-entropy Idempotency-Key (16 to 256 visible ASCII characters) is required.');
  }
  return value;
}

function readPrecondition(request: FastifyRequest, collection: AppStateCollection): Precondition {
  const ifMatch = request.headers['if-match'];
  const ifNoneMatch = request.headers['if-none-match'];
  if (ifMatch !== undefined && ifNoneMatch !== undefined) throw appStateError('invalid_precondition', 'Only one precondition header may be sent.');
  if (ifMatch === undefined && ifNoneMatch === undefined) {
    if (collection.requiresPrecondition)
      throw appStateError('precondition_required', 'This collection requires a precondition: If-Match with the current ETag, or If-None-Match: * to create.');
    return null;
  }
  const raw = (ifMatch ?? ifNoneMatch) as string;
  const value = raw === '*' ? '*' : APP_STATE_ETAG_PATTERN.test(raw) ? raw.replace(/^W\//, '') : null;
  if (value === null) throw appStateError('invalid_etag', 'The ETag is invalid.');
  return ifMatch !== undefined ? { ifMatch: value } : { ifNoneMatch: value };
}

function fingerprint(method: string, collection: string, key: string, precondition: Precondition, body: string): string {
  const condition = precondition === null ? '' : 'ifMatch' in precondition ? `if-match ${precondition.ifMatch}` : `if-none-match ${precondition.ifNoneMatch}`;
  const hash = createHash('sha256');
  for (const part of [method, collection, key, condition, body]) hash.update(part).update('\u0000');
  return hash.digest('hex');
}

/** JSON with object keys sorted: the same body sent with its keys in another order is the same request. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    return `{${Object.keys(record)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson(record[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
