import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { buildApp, type QuranSyncApp } from '../app.js';
import type { AppContext } from '../app-context.js';
import { signAccessToken } from '../auth/access-token-signer.js';
import { loadOrCreateKeyRing } from '../auth/signing-keys.js';
import { resolveServerConfig, type ServerConfigInput } from '../config/server-config.js';
import type { DatabaseHandle } from '../db/database.js';
import { createTestDatabase } from './test-database.js';

/** The issuer test servers sign and verify tokens as. */
export const TEST_ISSUER = 'http://quran-sync.test';

export interface TestServer {
  /** Base URL, e.g. `http://127.0.0.1:39211`. */
  readonly url: string;
  readonly server: QuranSyncApp;
  readonly ctx: AppContext;
  readonly database: DatabaseHandle;
  /** Signs an access token the server accepts (as `quran-sync token` does). */
  mintToken(options: MintTokenOptions): Promise<string>;
  /** Headers for an authenticated call: `x-auth-token` and `x-client-id`. */
  authHeaders(options: MintTokenOptions): Promise<Record<string, string>>;
  close(): Promise<void>;
}

export interface MintTokenOptions {
  readonly userId?: string | null;
  readonly clientId?: string;
  readonly scopes: readonly string[];
  readonly ttlSeconds?: number;
  readonly issuedAt?: number;
}

export interface TestServerOptions extends ServerConfigInput {
  /** Share a database between servers (restart tests); otherwise each server gets a fresh one. */
  readonly database?: DatabaseHandle;
  /** A fresh database that already holds the bundled content (faster than `seedOnStart`, same content). */
  readonly seededContent?: boolean;
  readonly fetch?: typeof fetch;
}

/**
 * A real server on a real database, listening on a free port of 127.0.0.1. Quiet, not rate-limited, not
 * seeded, no dev credentials, no reader, unless the options say otherwise. Keys live in a temporary directory.
 */
export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const { database: sharedDatabase, seededContent, fetch: fetchImpl, ...input } = options;
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'quran-sync-server-'));
  const database = sharedDatabase ?? (await createTestDatabase({ seeded: seededContent === true }));
  const config = resolveServerConfig(
    {
      host: '127.0.0.1',
      port: 0,
      dataDir,
      issuer: TEST_ISSUER,
      logLevel: process.env.QS_TEST_LOG_LEVEL ?? 'silent',
      seedOnStart: false,
      createDevCredentials: false,
      // Not the repository's reader build (whether it exists must not change a test): only when asked for.
      readerDir: false,
      ...input,
      rateLimit: { enabled: false, ...input.rateLimit },
      overload: { enabled: false, ...input.overload },
      content: { compactionIntervalMs: 0, ...input.content },
    },
    {},
  );
  const keys = await loadOrCreateKeyRing(config.signingKeysFile);
  let server: QuranSyncApp;
  try {
    server = await buildApp(config, { database, keys, ...(fetchImpl ? { fetch: fetchImpl } : {}) });
  } catch (error) {
    if (!sharedDatabase) await database.close();
    throw error;
  }
  const url = await server.listen();
  const mintToken = async (o: MintTokenOptions): Promise<string> =>
    (
      await signAccessToken(keys, {
        // The issuer the app settled on (recorded in the key file unless the options set one).
        issuer: server.ctx.config.issuer,
        clientId: o.clientId ?? 'test-client',
        userId: o.userId === undefined ? 'user-1' : o.userId,
        scopes: o.scopes,
        ttlSeconds: o.ttlSeconds ?? 3600,
        ...(o.issuedAt !== undefined ? { issuedAt: o.issuedAt } : {}),
      })
    ).token;
  return {
    url,
    server,
    ctx: server.ctx,
    database,
    mintToken,
    async authHeaders(o) {
      return { 'x-auth-token': await mintToken(o), 'x-client-id': o.clientId ?? 'test-client' };
    },
    async close() {
      await server.close();
      if (!sharedDatabase) await database.close();
      await fs.rm(dataDir, { recursive: true, force: true });
    },
  };
}
