import cors from '@fastify/cors';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyInstance } from 'fastify';
import { Registry } from 'prom-client';
import { API_PREFIXES, HEADERS, RESOURCE_DIGEST_HEADER } from '@quran-sync/protocol';
import { adminRoutes } from './admin/admin-routes.js';
import { appStatePurgeJob } from './app-state/app-state-jobs.js';
import { appStateRoutes } from './app-state/app-state-routes.js';
import type { AppContext } from './app-context.js';
import { createAccessTokenVerifier } from './auth/access-token-verifier.js';
import { installAuthGuard } from './auth/auth-guard.js';
import { settleIssuer } from './auth/deployment-issuer.js';
import { ensureDevCredentials } from './auth/dev-credentials.js';
import { issuerMaintenanceJob } from './auth/oauth2/issuer-maintenance.js';
import { oauth2Routes } from './auth/oauth2/oauth2-routes.js';
import { RevocationList } from './auth/revocation-list.js';
import { loadOrCreateKeyRing, type KeyRing } from './auth/signing-keys.js';
import type { ServerConfig } from './config/server-config.js';
import { contentCompactionJob } from './content-sync/content-compaction.js';
import { createContentServing } from './content-sync/content-serving.js';
import { contentSyncRoutes } from './content-sync/content-sync-routes.js';
import { openDatabase, type DatabaseHandle } from './db/database.js';
import { migrateToLatest } from './db/migrator.js';
import { standardError } from './http/api-error.js';
import { installBodyParsers } from './http/body-media-types.js';
import { clientErrorHandler } from './http/client-error-handler.js';
import { installErrorHandler } from './http/error-handler.js';
import { frameworkErrorHandler } from './http/framework-errors.js';
import { registerHealthRoutes } from './http/health-routes.js';
import { registerLandingPage } from './http/landing-page.js';
import { listeningUrl } from './http/listening-url.js';
import { createMetricsListener, installMetrics } from './http/metrics.js';
import { installOpenApi } from './http/openapi.js';
import { installOverloadProtection, STARTUP_LAG_SETTLE_MS } from './http/overload-protection.js';
import { installRateLimits } from './http/rate-limit.js';
import { Readiness } from './http/readiness.js';
import { installRequestInputGuard } from './http/request-input-guard.js';
import { requestIdOptions } from './http/request-id.js';
import { installSendTimeout } from './http/send-timeout.js';
import { applySecurityHeaders } from './http/security-headers.js';
import { serverLoggerOptions } from './http/server-logger.js';
import { seedWhileServing } from './http/startup-seeding.js';
import { ensureReaderClient } from './reader/reader-client.js';
import { readerRoutes } from './reader/reader-routes.js';
import { periodicJob } from './lifecycle/periodic-job.js';
import { ServiceLifecycle } from './lifecycle/service-lifecycle.js';
import './http/route-config.js';
import { userSyncRoutes } from './user-sync/user-sync-routes.js';
import { userSyncPurgeJob } from './user-sync/user-sync-jobs.js';
import { UserWriteEngine } from './user-sync/write-engine/user-write-engine.js';
import { SERVER_VERSION } from './version.js';

export interface AppDependencies {
  /** An already open database (tests); the app then leaves closing it to the caller. */
  readonly database?: DatabaseHandle;
  readonly keys?: KeyRing;
  /** `fetch` used to reach external issuers (tests inject one). */
  readonly fetch?: typeof fetch;
}

export interface QuranSyncApp {
  readonly app: FastifyInstance;
  readonly ctx: AppContext;
  /**
   * Listens on `config.host:config.port` (port 0: any free port), and on the metrics port when one is
   * configured; then runs the start-up seeding (see `seed`), during which `/ready` answers 503. Resolves to the
   * base URL once the server is ready.
   */
  listen(): Promise<string>;
  /**
   * Seeds the bundled content into an empty database when `config.seedOnStart` (once; later calls wait for the
   * first). `listen` calls it after binding, so `/health` and `/ready` answer meanwhile.
   */
  seed(): Promise<void>;
  /** Base URL of the separate metrics listener once listening (`config.metrics.port`), else null. */
  readonly metricsUrl: string | null;
  /** Stops accepting requests, drains in-flight ones, stops jobs, closes the database. */
  close(): Promise<void>;
}

/** How often revocations made by other nodes are picked up. */
const REVOCATION_REFRESH_MS = 5_000;

/**
 * Builds the whole server from a config object: database (migrated), keys, HTTP plumbing, every capability.
 * Nothing listens until `listen()`, so tests build real servers and bind them to port 0.
 */
export async function buildApp(config: ServerConfig, deps: AppDependencies = {}): Promise<QuranSyncApp> {
  const services = new ServiceLifecycle();

  try {
    const database = deps.database ?? (await openDatabase(config.database));
    if (!deps.database) services.onStop('database', () => database.close());
    await migrateToLatest(database.db);
    const builtinIssuer = config.auth.mode === 'builtin';
    const keys = deps.keys ?? (await loadOrCreateKeyRing(config.signingKeysFile, builtinIssuer ? { issuer: config.issuer } : {}));
    // Every node of a deployment signs and expects the issuer recorded in the shared key file.
    const settled = builtinIssuer ? await settleIssuer(config, keys) : null;
    if (settled) config = { ...config, issuer: settled.issuer };

    const app = Fastify({
      ...serverLoggerOptions(config),
      // With logging off, a per-request child logger (its bindings serialised for lines never written) is
      // pure cost on every answer.
      childLoggerFactory: (logger, bindings, options) => (config.logLevel === 'silent' && !options.level ? logger : logger.child(bindings, options)),
      bodyLimit: config.http.bodyLimitBytes,
      routerOptions: { maxParamLength: 512 },
      requestTimeout: config.http.requestTimeoutMs,
      return503OnClosing: true,
      clientErrorHandler,
      frameworkErrors: frameworkErrorHandler,
      forceCloseConnections: 'idle',
      ...requestIdOptions,
      ajv: { customOptions: { coerceTypes: 'array', useDefaults: true, removeAdditional: false, allErrors: false } },
    }).withTypeProvider<TypeBoxTypeProvider>();
    services.onStop('http server', () => app.close());
    for (const warning of settled?.warnings ?? []) app.log.warn(warning);

    const revocations = config.auth.mode === 'builtin' ? new RevocationList(database.db) : null;
    if (revocations) {
      await revocations.refresh();
      await services.add(periodicJob({ name: 'revocation refresh', intervalMs: REVOCATION_REFRESH_MS, run: () => revocations.refresh(), log: app.log }));
      await services.add(issuerMaintenanceJob({ db: database.db, revocations, log: app.log }));
    }
    const verifier = createAccessTokenVerifier(config.auth, { keys, issuer: config.issuer, revocations, ...(deps.fetch ? { fetch: deps.fetch } : {}) });

    const metrics = new Registry();
    const ctx: AppContext = {
      config,
      database,
      db: database.db,
      keys,
      verifier,
      revocations,
      log: app.log,
      metrics,
      services,
      content: await services.add(createContentServing(database, config, keys.syncTokenSecret)),
      userWrites: new UserWriteEngine(database.db, metrics),
    };
    await services.add(contentCompactionJob(ctx));
    await services.add(userSyncPurgeJob(ctx));
    await services.add(appStatePurgeJob(ctx));
    // Started before any route can answer: the content routes serve from the feed head kept in memory.
    await services.startAll();

    await installBodyParsers(app);
    // First of all onRequest hooks, so answers refused by the later ones (414, 400, 401, …) carry them too.
    // Hooks on every request take the callback form where they need not wait: an async hook costs a promise
    // and a turn of the microtask queue per request, which shows on the cheapest answers.
    app.addHook('onRequest', (request, reply, done) => {
      applySecurityHeaders(reply);
      reply.header(HEADERS.requestId, request.id);
      if (request.url.length > config.http.maxUrlLength) done(standardError(414, `URL is longer than ${config.http.maxUrlLength} bytes`));
      else done();
    });
    installRequestInputGuard(app);
    installSendTimeout(app, config.http.sendTimeoutMs);
    installErrorHandler(app, { retryAfterSeconds: config.overload.retryAfterSeconds });
    if (config.corsOrigins.length > 0) {
      const origins = config.corsOrigins.includes('*') ? true : [...config.corsOrigins];
      await app.register(cors, {
        // Admin routes never answer cross-origin requests: editorial calls come from servers and the CLI.
        delegator: (request, callback) =>
          callback(null, {
            origin: request.url?.startsWith(API_PREFIXES.admin) ? false : origins,
            exposedHeaders: [HEADERS.mutationAt, HEADERS.mutationsRecorded, HEADERS.requestId, HEADERS.etag, HEADERS.retryAfter, RESOURCE_DIGEST_HEADER],
          }),
      });
    }
    await installOpenApi(app, { version: SERVER_VERSION, publicUrl: config.publicUrl });
    // Not ready until start-up work (seeding, after the port is bound) is done.
    const readiness = new Readiness(STARTUP_LAG_SETTLE_MS);
    await installOverloadProtection(app, config.overload, database, readiness);
    installAuthGuard(app, verifier);
    services.onStop('rate limits', await installRateLimits(app, config.rateLimit, config.redisUrl));
    installMetrics(app, database, ctx.metrics, config.metrics);
    registerHealthRoutes(app, database, readiness, services);
    registerLandingPage(app, { version: SERVER_VERSION, readerEnabled: config.readerDir !== null, builtinIssuer: config.auth.mode === 'builtin' });
    const metricsListener =
      config.metrics.port === null
        ? null
        : createMetricsListener(ctx.metrics, config.metrics, {
            logger: app.log,
            requestTimeoutMs: config.http.requestTimeoutMs,
            retryAfterSeconds: config.overload.retryAfterSeconds,
          });
    if (metricsListener) services.onStop('metrics listener', () => metricsListener.close());

    await app.register(oauth2Routes, { ctx });
    for (const prefix of API_PREFIXES.content) await app.register(contentSyncRoutes, { ctx, prefix });
    for (const prefix of API_PREFIXES.user) await app.register(userSyncRoutes, { ctx, prefix });
    for (const prefix of API_PREFIXES.user) await app.register(appStateRoutes, { ctx, prefix });
    await app.register(adminRoutes, { ctx, prefix: API_PREFIXES.admin });
    if (config.readerDir) await app.register(readerRoutes, { dir: config.readerDir });

    if (config.createDevCredentials) await ensureDevCredentials(ctx);
    if (config.readerDir) await ensureReaderClient(ctx);
    await app.ready();
    if (!config.seedOnStart) readiness.ready();

    let seeding: Promise<void> | null = null;
    const seed = (): Promise<void> => (seeding ??= config.seedOnStart ? seedWhileServing(ctx, readiness) : Promise.resolve());
    let closed = false;
    const close = async (): Promise<void> => {
      if (closed) return;
      closed = true;
      await services.stopAll();
    };
    let metricsUrl: string | null = null;
    return {
      app,
      ctx,
      async listen() {
        await app.listen({ host: config.host, port: config.port });
        const url = listeningUrl(app.server, 'server');
        try {
          if (metricsListener) metricsUrl = await metricsListener.listen();
          await seed();
        } catch (error) {
          // As when seeding ran before listening: a server that cannot seed (or bind its metrics port) does not start.
          await close().catch(() => {});
          throw error;
        }
        return url;
      },
      seed,
      get metricsUrl() {
        return metricsUrl;
      },
      close,
    };
  } catch (error) {
    await services.stopAll().catch(() => {});
    throw error;
  }
}
