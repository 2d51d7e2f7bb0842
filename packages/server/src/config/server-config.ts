import os from 'node:os';
import path from 'node:path';
import { resolveAppStateConfig, type AppStateConfig } from '../app-state/app-state-config.js';
import { resolveReaderDir } from './reader-dir.js';
import { parseEnvBoolean } from './env-boolean-words.js';

/**
 * Everything the server needs to run, resolved once at start from flags and environment
 * (`resolveServerConfig`). `buildApp` takes this object, so tests build real servers from plain values.
 */
export interface ServerConfig {
  readonly host: string;
  readonly port: number;
  /** Where the embedded database, the key file and other local state live. */
  readonly dataDir: string;
  readonly database: DatabaseConfig;
  /** JSON file with the token-signing keys and the sync-token HMAC secret (`<dataDir>/keys.json`). */
  readonly signingKeysFile: string;
  /**
   * `iss` of the tokens the built-in issuer signs, and the issuer advertised by discovery. As resolved here
   * it is `QS_ISSUER`, or else only a proposal (`QS_PUBLIC_URL`, else `http://HOST:PORT`): the app settles
   * on the issuer recorded in the key file, which all nodes share (auth/deployment-issuer.ts).
   */
  readonly issuer: string;
  /** True when `issuer` was set explicitly (`QS_ISSUER`, `--issuer`): it then wins over the recorded one. */
  readonly issuerConfigured: boolean;
  /** Base URL clients reach the server at; when null, links are built from the request's Host. */
  readonly publicUrl: string | null;
  readonly auth: AuthConfig;
  readonly redisUrl: string | null;
  readonly rateLimit: RateLimitConfig;
  readonly overload: OverloadConfig;
  readonly http: HttpLimitsConfig;
  /** Who may read `/metrics`, and on which port (http/metrics.ts). */
  readonly metrics: MetricsConfig;
  readonly content: ContentConfig;
  readonly userSync: UserSyncConfig;
  /** App State collections and limits (`QS_APP_STATE_CONFIG`, app-state/app-state-config.ts). */
  readonly appState: AppStateConfig;
  /** Seed the bundled content into an empty database on start. */
  readonly seedOnStart: boolean;
  /** Create the `dev-client` OAuth client and the `dev` user on first start (embedded default). */
  readonly createDevCredentials: boolean;
  /** Origins allowed by CORS on the public APIs; empty disables CORS. Admin routes never get CORS. */
  readonly corsOrigins: readonly string[];
  /** Built reader app (`apps/reader/dist`) served at `/reader/`; null: not served. See config/reader-dir.ts. */
  readonly readerDir: string | null;
  readonly logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** `json`: one object a line; `pretty`: readable lines; `auto`: pretty when stdout is a terminal (`QS_LOG_FORMAT`). */
  readonly logFormat: 'auto' | 'json' | 'pretty';
  /** A log line per request received and answered (`QS_LOG_REQUESTS`; default: at the debug and trace levels). */
  readonly logRequests: boolean;
  /**
   * Server processes `quran-sync serve` runs on one port (node:cluster; process/worker-cluster.ts). More than one
   * needs PostgreSQL: the embedded database belongs to a single process.
   */
  readonly workers: number;
}

export type DatabaseConfig =
  | { readonly kind: 'pglite'; readonly dataDir: string | null }
  | { readonly kind: 'postgres'; readonly url: string; readonly poolSize: number; readonly searchPath?: string };

export type AuthConfig =
  | { readonly mode: 'builtin'; readonly accessTokenTtlSeconds: number; readonly refreshTokenTtlSeconds: number }
  | {
      readonly mode: 'jwks';
      readonly jwksUrl: string;
      readonly issuer: string;
      readonly audience: string | null;
      /** Least time between two JWKS fetches caused by tokens naming an unknown `kid` (auth/remote-key-set.ts). */
      readonly unknownKidRefetchIntervalMs: number;
    }
  | { readonly mode: 'introspection'; readonly introspectionUrl: string; readonly clientId: string | null; readonly clientSecret: string | null };

export interface RateLimitConfig {
  readonly enabled: boolean;
  /** Requests per window for one OAuth client (all its users together). */
  readonly perClient: number;
  /** Requests per window for one user. */
  readonly perUser: number;
  readonly windowMs: number;
  /**
   * Failed client authentications (wrong client secret) tolerated per client id, and per source address,
   * within `clientAuthFailureWindowMs`; beyond either, client authentication answers 429 before any hashing.
   * The per-client limit is the higher one, so that one address cannot lock a client out by itself.
   */
  readonly clientAuthFailuresPerClient: number;
  readonly clientAuthFailuresPerAddress: number;
  readonly clientAuthFailureWindowMs: number;
}

export interface OverloadConfig {
  readonly enabled: boolean;
  /** Event-loop delay above which requests are shed with 503. */
  readonly maxEventLoopDelayMs: number;
  /** Requests waiting for a database connection above which requests are shed with 503. */
  readonly maxDbWaiting: number;
  readonly retryAfterSeconds: number;
}

export interface HttpLimitsConfig {
  readonly bodyLimitBytes: number;
  /** Longest accepted URL (path + query), in bytes; Node's own header limit (16 KiB) caps it anyway. */
  readonly maxUrlLength: number;
  readonly requestTimeoutMs: number;
  /** A response whose client reads nothing for this long is cut off (http/send-timeout.ts); 0 disables. */
  readonly sendTimeoutMs: number;
}

/**
 * `/metrics` exposure. On the main port it is served openly only when `public`, behind a bearer token when
 * `token` is set, and not at all when `port` moves it to a listener of its own (which also requires the token
 * when one is set).
 */
export interface MetricsConfig {
  /** Bearer token `/metrics` requires wherever it is served (`QS_METRICS_TOKEN`); null: none. */
  readonly token: string | null;
  /** Serve `/metrics` on the main port to anyone (`QS_METRICS_PUBLIC`; default only for the embedded database). */
  readonly public: boolean;
  /** Port of a separate metrics listener (`QS_METRICS_PORT`; 0: any free port); null: none. */
  readonly port: number | null;
  /** Interface of that listener (`QS_METRICS_HOST`). */
  readonly host: string;
}

export interface ContentConfig {
  readonly retentionDays: number;
  /** Period of the background compaction job; 0 disables it. */
  readonly compactionIntervalMs: number;
  /** Memory for cached snapshot bodies (docs/performance.md); 0 disables the cache. */
  readonly snapshotCacheBytes: number;
}

export interface UserSyncConfig {
  /** Accept direct writes that carry no `lastMutationAt` (legacy clients). */
  readonly lenientDirectWrites: boolean;
  readonly maxMutationsPerPush: number;
  readonly idempotencyTtlMs: number;
  /** Tombstone retention; null keeps them forever. */
  readonly tombstoneRetentionDays: number | null;
}

export type ServerConfigInput = {
  host?: string;
  port?: number | string;
  dataDir?: string;
  databaseUrl?: string | null;
  dbPoolSize?: number | string;
  signingKeysFile?: string;
  issuer?: string;
  publicUrl?: string | null;
  authMode?: string;
  jwksUrl?: string;
  jwksRefetchIntervalMs?: number | string;
  externalIssuer?: string;
  externalAudience?: string;
  introspectionUrl?: string;
  introspectionClientId?: string;
  introspectionClientSecret?: string;
  redisUrl?: string | null;
  rateLimit?: Partial<RateLimitConfig>;
  overload?: Partial<OverloadConfig>;
  http?: Partial<HttpLimitsConfig>;
  metrics?: { token?: string | null; public?: boolean; port?: number | string | null; host?: string };
  content?: Partial<ContentConfig>;
  userSync?: Partial<UserSyncConfig>;
  /** App State policy: a JSON file path or the object itself. */
  appState?: string | Partial<AppStateConfig>;
  seedOnStart?: boolean;
  createDevCredentials?: boolean;
  corsOrigins?: readonly string[] | string;
  /** Directory of the built reader app; `false` turns the reader off; default: the repository's build, when there is one. */
  readerDir?: string | false;
  logLevel?: string;
  logFormat?: string;
  logRequests?: boolean;
  /** A count, or `auto`: one per CPU the process may use. */
  workers?: number | string;
  /** Use an in-memory PGlite database (tests). */
  inMemoryDatabase?: boolean;
  databaseSearchPath?: string;
};

export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
const LOG_FORMATS = ['auto', 'json', 'pretty'] as const;

/**
 * Merges explicit values (flags, test code) over environment variables over defaults, and validates
 * the result, reporting every problem at once.
 */
export function resolveServerConfig(input: ServerConfigInput = {}, env: NodeJS.ProcessEnv = process.env): ServerConfig {
  const problems: string[] = [];
  const str = (v: string | null | undefined, e: string | undefined): string | undefined =>
    v !== undefined && v !== null && v !== '' ? v : e !== undefined && e !== '' ? e : undefined;
  const int = (name: string, v: number | string | undefined, e: string | undefined, def: number, min: number, max: number): number => {
    const raw = v ?? e;
    if (raw === undefined || raw === '') return def;
    const n = typeof raw === 'number' ? raw : Number(raw);
    if (!Number.isInteger(n) || n < min || n > max) {
      problems.push(`${name} must be an integer in ${min}..${max} (got ${JSON.stringify(raw)})`);
      return def;
    }
    return n;
  };
  const bool = (name: string, v: boolean | undefined, e: string | undefined, def: boolean): boolean => {
    if (v !== undefined) return v;
    if (e === undefined || e === '') return def;
    const parsed = parseEnvBoolean(e);
    if (parsed !== null) return parsed;
    problems.push(`${name} must be true or false (got ${JSON.stringify(e)})`);
    return def;
  };
  const url = (name: string, v: string | undefined, protocols: readonly string[]): string | undefined => {
    if (v === undefined) return undefined;
    try {
      const u = new URL(v);
      if (!protocols.includes(u.protocol)) problems.push(`${name} must use ${protocols.join(' or ')} (got ${u.protocol})`);
    } catch {
      problems.push(`${name} is not a valid URL (got ${JSON.stringify(redactUrl(v))})`);
    }
    return v;
  };

  const host = str(input.host, env.HOST) ?? '127.0.0.1';
  const port = int('port (PORT)', input.port, env.PORT, 8080, 0, 65535);
  const dataDir = path.resolve(str(input.dataDir, env.QS_DATA_DIR) ?? '.quran-sync');
  const databaseUrl = url('database URL (DATABASE_URL)', str(input.databaseUrl, env.DATABASE_URL), ['postgres:', 'postgresql:']);
  const poolSize = int('database pool size (QS_DB_POOL_SIZE)', input.dbPoolSize, env.QS_DB_POOL_SIZE, 10, 1, 500);
  const searchPath = str(input.databaseSearchPath, env.QS_DB_SEARCH_PATH);
  const database: DatabaseConfig = databaseUrl
    ? { kind: 'postgres', url: databaseUrl, poolSize, ...(searchPath ? { searchPath } : {}) }
    : { kind: 'pglite', dataDir: input.inMemoryDatabase ? null : path.join(dataDir, 'pgdata') };

  const publicUrl = url('public URL (QS_PUBLIC_URL)', str(input.publicUrl, env.QS_PUBLIC_URL), ['http:', 'https:'])?.replace(/\/+$/, '') ?? null;
  const configuredIssuer = str(input.issuer, env.QS_ISSUER);
  const issuer = configuredIssuer ?? publicUrl ?? `http://${host === '0.0.0.0' || host === '::' ? 'localhost' : host}:${port}`;

  const authMode =
    str(input.authMode, env.QS_AUTH_MODE) ??
    (str(input.jwksUrl, env.QS_JWKS_URL) ? 'jwks' : str(input.introspectionUrl, env.QS_INTROSPECTION_URL) ? 'introspection' : 'builtin');
  let auth: AuthConfig;
  if (authMode === 'builtin') {
    auth = {
      mode: 'builtin',
      accessTokenTtlSeconds: int('access token TTL (QS_ACCESS_TOKEN_TTL)', undefined, env.QS_ACCESS_TOKEN_TTL, 3600, 60, 86_400),
      refreshTokenTtlSeconds: int('refresh token TTL (QS_REFRESH_TOKEN_TTL)', undefined, env.QS_REFRESH_TOKEN_TTL, 30 * 86_400, 60, 365 * 86_400),
    };
  } else if (authMode === 'jwks') {
    const jwksUrl = url('JWKS URL (QS_JWKS_URL)', str(input.jwksUrl, env.QS_JWKS_URL), ['http:', 'https:']);
    const extIssuer = str(input.externalIssuer, env.QS_EXTERNAL_ISSUER);
    if (!jwksUrl) problems.push('QS_JWKS_URL is required when QS_AUTH_MODE=jwks');
    if (!extIssuer) problems.push('QS_EXTERNAL_ISSUER is required when QS_AUTH_MODE=jwks');
    auth = {
      mode: 'jwks',
      jwksUrl: jwksUrl ?? '',
      issuer: extIssuer ?? '',
      audience: str(input.externalAudience, env.QS_EXTERNAL_AUDIENCE) ?? null,
      unknownKidRefetchIntervalMs: int(
        'JWKS refetch interval (QS_JWKS_REFETCH_INTERVAL_MS)',
        input.jwksRefetchIntervalMs,
        env.QS_JWKS_REFETCH_INTERVAL_MS,
        5_000,
        100,
        3_600_000,
      ),
    };
  } else if (authMode === 'introspection') {
    const introspectionUrl = url('introspection URL (QS_INTROSPECTION_URL)', str(input.introspectionUrl, env.QS_INTROSPECTION_URL), ['http:', 'https:']);
    if (!introspectionUrl) problems.push('QS_INTROSPECTION_URL is required when QS_AUTH_MODE=introspection');
    auth = {
      mode: 'introspection',
      introspectionUrl: introspectionUrl ?? '',
      clientId: str(input.introspectionClientId, env.QS_INTROSPECTION_CLIENT_ID) ?? null,
      clientSecret: str(input.introspectionClientSecret, env.QS_INTROSPECTION_CLIENT_SECRET) ?? null,
    };
  } else {
    problems.push(`auth mode (QS_AUTH_MODE) must be builtin, jwks or introspection (got ${JSON.stringify(authMode)})`);
    auth = { mode: 'builtin', accessTokenTtlSeconds: 3600, refreshTokenTtlSeconds: 30 * 86_400 };
  }

  const redisUrl = url('Redis URL (REDIS_URL)', str(input.redisUrl, env.REDIS_URL), ['redis:', 'rediss:']) ?? null;

  const rateLimit: RateLimitConfig = {
    enabled: bool('QS_RATE_LIMIT', input.rateLimit?.enabled, env.QS_RATE_LIMIT, true),
    perClient: int('per-client rate limit (QS_RATE_LIMIT_PER_CLIENT)', input.rateLimit?.perClient, env.QS_RATE_LIMIT_PER_CLIENT, 100_000, 1, 1e9),
    perUser: int('per-user rate limit (QS_RATE_LIMIT_PER_USER)', input.rateLimit?.perUser, env.QS_RATE_LIMIT_PER_USER, 6_000, 1, 1e9),
    windowMs: int('rate limit window (QS_RATE_LIMIT_WINDOW_MS)', input.rateLimit?.windowMs, env.QS_RATE_LIMIT_WINDOW_MS, 60_000, 100, 86_400_000),
    clientAuthFailuresPerClient: int(
      'failed client authentications per client (QS_CLIENT_AUTH_FAILURES_PER_CLIENT)',
      input.rateLimit?.clientAuthFailuresPerClient,
      env.QS_CLIENT_AUTH_FAILURES_PER_CLIENT,
      60,
      1,
      1_000_000,
    ),
    clientAuthFailuresPerAddress: int(
      'failed client authentications per address (QS_CLIENT_AUTH_FAILURES_PER_ADDRESS)',
      input.rateLimit?.clientAuthFailuresPerAddress,
      env.QS_CLIENT_AUTH_FAILURES_PER_ADDRESS,
      20,
      1,
      1_000_000,
    ),
    clientAuthFailureWindowMs: int(
      'failed client authentication window (QS_CLIENT_AUTH_FAILURE_WINDOW_MS)',
      input.rateLimit?.clientAuthFailureWindowMs,
      env.QS_CLIENT_AUTH_FAILURE_WINDOW_MS,
      60_000,
      100,
      86_400_000,
    ),
  };
  const overload: OverloadConfig = {
    enabled: bool('QS_OVERLOAD_PROTECTION', input.overload?.enabled, env.QS_OVERLOAD_PROTECTION, true),
    maxEventLoopDelayMs: int('QS_MAX_EVENT_LOOP_DELAY_MS', input.overload?.maxEventLoopDelayMs, env.QS_MAX_EVENT_LOOP_DELAY_MS, 1000, 10, 60_000),
    maxDbWaiting: int('QS_MAX_DB_WAITING', input.overload?.maxDbWaiting, env.QS_MAX_DB_WAITING, 200, 1, 100_000),
    retryAfterSeconds: int('QS_OVERLOAD_RETRY_AFTER', input.overload?.retryAfterSeconds, env.QS_OVERLOAD_RETRY_AFTER, 2, 1, 3600),
  };
  const http: HttpLimitsConfig = {
    bodyLimitBytes: int('body limit (QS_BODY_LIMIT)', input.http?.bodyLimitBytes, env.QS_BODY_LIMIT, 1_048_576, 1024, 100 * 1_048_576),
    maxUrlLength: int('URL length limit (QS_MAX_URL_LENGTH)', input.http?.maxUrlLength, env.QS_MAX_URL_LENGTH, 12_288, 256, 1_048_576),
    requestTimeoutMs: int('request timeout (QS_REQUEST_TIMEOUT_MS)', input.http?.requestTimeoutMs, env.QS_REQUEST_TIMEOUT_MS, 60_000, 1000, 3_600_000),
    sendTimeoutMs: int('send timeout (QS_SEND_TIMEOUT_MS, 0: off)', input.http?.sendTimeoutMs, env.QS_SEND_TIMEOUT_MS, 60_000, 0, 3_600_000),
  };
  const content: ContentConfig = {
    retentionDays: int('content retention (QS_CONTENT_RETENTION_DAYS)', input.content?.retentionDays, env.QS_CONTENT_RETENTION_DAYS, 90, 1, 36_500),
    compactionIntervalMs: int(
      'compaction interval (QS_COMPACTION_INTERVAL_MS)',
      input.content?.compactionIntervalMs,
      env.QS_COMPACTION_INTERVAL_MS,
      3_600_000,
      0,
      7 * 86_400_000,
    ),
    snapshotCacheBytes:
      input.content?.snapshotCacheBytes ?? int('snapshot cache (QS_SNAPSHOT_CACHE_MB)', undefined, env.QS_SNAPSHOT_CACHE_MB, 256, 0, 1_048_576) * 1_048_576,
  };
  const tombstoneDays = str(undefined, env.QS_TOMBSTONE_RETENTION_DAYS);
  const userSync: UserSyncConfig = {
    lenientDirectWrites: bool('QS_LENIENT_DIRECT_WRITES', input.userSync?.lenientDirectWrites, env.QS_LENIENT_DIRECT_WRITES, false),
    maxMutationsPerPush: int('QS_MAX_MUTATIONS_PER_PUSH', input.userSync?.maxMutationsPerPush, env.QS_MAX_MUTATIONS_PER_PUSH, 100, 1, 10_000),
    idempotencyTtlMs: int('QS_IDEMPOTENCY_TTL_MS', input.userSync?.idempotencyTtlMs, env.QS_IDEMPOTENCY_TTL_MS, 86_400_000, 1000, 30 * 86_400_000),
    tombstoneRetentionDays:
      input.userSync?.tombstoneRetentionDays !== undefined
        ? input.userSync.tombstoneRetentionDays
        : tombstoneDays
          ? int('QS_TOMBSTONE_RETENTION_DAYS', undefined, tombstoneDays, 0, 1, 36_500)
          : null,
  };

  const appState = resolveAppStateConfig(input.appState ?? str(undefined, env.QS_APP_STATE_CONFIG), problems);

  const embedded = database.kind === 'pglite';
  const metrics = resolveMetricsConfig(input.metrics ?? {}, env, { embedded, mainPort: port, problems, int, bool, str });
  const corsRaw = input.corsOrigins ?? env.QS_CORS_ORIGINS ?? '';
  const corsOrigins = (typeof corsRaw === 'string' ? corsRaw.split(',') : [...corsRaw]).map((s) => s.trim()).filter(Boolean);
  const logLevel = (str(input.logLevel, env.LOG_LEVEL) ?? 'info') as ServerConfig['logLevel'];
  if (!LOG_LEVELS.includes(logLevel)) problems.push(`log level (LOG_LEVEL) must be one of ${LOG_LEVELS.join(', ')}`);
  const logFormat = (str(input.logFormat, env.QS_LOG_FORMAT) ?? 'auto') as ServerConfig['logFormat'];
  if (!LOG_FORMATS.includes(logFormat)) problems.push(`log format (QS_LOG_FORMAT) must be one of ${LOG_FORMATS.join(', ')}`);
  const logRequests = bool('QS_LOG_REQUESTS', input.logRequests, env.QS_LOG_REQUESTS, logLevel === 'debug' || logLevel === 'trace');

  const workers =
    (input.workers ?? env.QS_WORKERS) === 'auto'
      ? os.availableParallelism()
      : int('server processes (QS_WORKERS, a count or auto)', input.workers, env.QS_WORKERS, 1, 1, 256);
  if (workers > 1 && embedded)
    problems.push('more than one server process (QS_WORKERS) needs PostgreSQL (DATABASE_URL): the embedded database belongs to one process');

  if (problems.length > 0) throw new ConfigError(problems);
  return {
    host,
    port,
    dataDir,
    database,
    signingKeysFile: path.resolve(str(input.signingKeysFile, env.QS_SIGNING_KEYS_FILE) ?? path.join(dataDir, 'keys.json')),
    issuer,
    issuerConfigured: configuredIssuer !== undefined,
    publicUrl,
    auth,
    redisUrl,
    rateLimit,
    overload,
    http,
    content,
    userSync,
    appState,
    seedOnStart: bool('QS_SEED', input.seedOnStart, env.QS_SEED, embedded),
    createDevCredentials: bool('QS_DEV_CREDENTIALS', input.createDevCredentials, env.QS_DEV_CREDENTIALS, embedded),
    corsOrigins,
    readerDir: resolveReaderDir(input.readerDir, env.QS_READER_DIR),
    metrics,
    logLevel,
    logFormat,
    logRequests,
    workers,
  };
}

/** Shortest accepted `QS_METRICS_TOKEN`: it is the only thing between the internet and the process's internals. */
const MIN_METRICS_TOKEN_LENGTH = 16;

function resolveMetricsConfig(
  input: NonNullable<ServerConfigInput['metrics']>,
  env: NodeJS.ProcessEnv,
  h: {
    embedded: boolean;
    mainPort: number;
    problems: string[];
    int: (name: string, v: number | string | undefined, e: string | undefined, def: number, min: number, max: number) => number;
    bool: (name: string, v: boolean | undefined, e: string | undefined, def: boolean) => boolean;
    str: (v: string | null | undefined, e: string | undefined) => string | undefined;
  },
): MetricsConfig {
  const token = input.token === null ? null : (h.str(input.token, env.QS_METRICS_TOKEN) ?? null);
  if (token !== null && (token.length < MIN_METRICS_TOKEN_LENGTH || /\s/.test(token))) {
    h.problems.push(`metrics token (QS_METRICS_TOKEN) must be at least ${MIN_METRICS_TOKEN_LENGTH} characters without spaces`);
  }
  const rawPort = input.port === null ? undefined : (input.port ?? env.QS_METRICS_PORT);
  const port = rawPort === undefined || rawPort === '' ? null : h.int('metrics port (QS_METRICS_PORT)', rawPort, undefined, 0, 0, 65535);
  if (port !== null && port !== 0 && port === h.mainPort) h.problems.push('metrics port (QS_METRICS_PORT) must differ from the server port (PORT)');
  const explicitPublic = input.public ?? (env.QS_METRICS_PUBLIC ? h.bool('QS_METRICS_PUBLIC', undefined, env.QS_METRICS_PUBLIC, false) : undefined);
  if (explicitPublic === true && (token !== null || port !== null)) {
    h.problems.push('QS_METRICS_PUBLIC=true contradicts QS_METRICS_TOKEN / QS_METRICS_PORT: public metrics need neither');
  }
  return {
    token,
    // The embedded database is the development set-up (`npm start`, dev credentials): metrics stay one curl away.
    // On PostgreSQL nothing is exposed until the operator decides how.
    public: token === null && port === null && (explicitPublic ?? h.embedded),
    port,
    host: h.str(input.host, env.QS_METRICS_HOST) ?? '127.0.0.1',
  };
}

/** Hides the password of a connection URL for messages and logs. */
export function redactUrl(value: string): string {
  try {
    const u = new URL(value);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return value.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@');
  }
}
