import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadKeyRing, openDatabase, type DatabaseHandle } from '@quran-sync/server';
import {
  GUARDED_ROUTES,
  createTestUser,
  freePort,
  loginForTokens,
  startGuardedTestApp,
  startTestServer,
  testPostgresUrl,
  tokenRequest,
  type GuardedTestApp,
  type TestServer,
} from '@quran-sync/server/testing';
import { runCliInProcess, runCliProcess } from '../testing/cli-harness.js';
import { resolveTokenIssuer } from './token-issuer.js';

/**
 * Most runs are in this process (the same `runCli` the binary calls, without a Node start per run); the
 * binary itself runs as a child process where that is the point: a first token, secrets read from stdin,
 * and a database held by another process.
 */
const cli = runCliInProcess;

describe('quran-sync token', () => {
  let server: TestServer;
  let guarded: GuardedTestApp;
  let keysFile: string;
  beforeAll(async () => {
    server = await startTestServer();
    guarded = await startGuardedTestApp(server.ctx.verifier);
    keysFile = server.ctx.config.signingKeysFile;
  });
  afterAll(async () => {
    await guarded?.close();
    await server?.close();
  });

  it('prints a client token the server accepts (key file via --data-dir, issuer via --issuer)', async () => {
    const result = await runCliProcess([
      'token',
      '--client',
      'cli-app',
      '--scopes',
      'content',
      '--data-dir',
      path.dirname(keysFile),
      '--issuer',
      server.ctx.config.issuer,
    ]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const token = result.stdout.trim();
    expect(decodeProtectedHeader(token).kid).toBe(server.ctx.keys.active.kid);
    expect(decodeJwt(token)).toMatchObject({ sub: 'cli-app', client_id: 'cli-app', scope: 'content', gty: 'client_credentials' });
    const res = await fetch(`${guarded.url}${GUARDED_ROUTES.content}`, { headers: { 'x-auth-token': token, 'x-client-id': 'cli-app' } });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ userId: null, clientId: 'cli-app', scopes: ['content'] });
  });

  it('prints a user token the server accepts (key file and issuer from the environment)', async () => {
    const user = await createTestUser(server.ctx.db, 'cli-user');
    const result = await cli(['token', '--user', user.id, '--scopes', 'openid bookmark', '--ttl', '600'], {
      env: { QS_SIGNING_KEYS_FILE: keysFile, QS_ISSUER: server.ctx.config.issuer },
    });
    expect(result.code).toBe(0);
    const token = result.stdout.trim();
    const claims = decodeJwt(token);
    expect(claims).toMatchObject({ sub: user.id, client_id: 'dev-client', scope: 'openid bookmark' });
    expect(claims.exp! - claims.iat!).toBe(600);
    const userinfo = await fetch(`${server.url}/userinfo`, { headers: { authorization: `Bearer ${token}` } });
    expect(userinfo.status).toBe(200);
    expect(await userinfo.json()).toEqual({ sub: user.id, preferred_username: 'cli-user' });
    const bookmarks = await fetch(`${guarded.url}${GUARDED_ROUTES.userBookmarks}`, { headers: { 'x-auth-token': token, 'x-client-id': 'dev-client' } });
    expect(bookmarks.status).toBe(200);
  });

  it('defaults the issuer to the one the server recorded in the key file, whatever HOST and PORT say, and can print JSON', async () => {
    const result = await cli(['token', '--scopes', 'content', '--keys-file', keysFile, '--host', '0.0.0.0', '--port', '9999', '--json']);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    const body = JSON.parse(result.stdout) as { access_token: string; token_type: string; expires_in: number; expires_at: number; scope: string };
    expect(body).toMatchObject({ token_type: 'bearer', expires_in: 3600, scope: 'content' });
    expect(decodeJwt(body.access_token)).toMatchObject({ iss: server.ctx.config.issuer, exp: body.expires_at });
  });

  it('signs for the issuer of a server started on another port without QS_ISSUER (as `PORT=… npm start`)', async () => {
    const port = await freePort();
    const node = await startTestServer({ issuer: undefined, port });
    try {
      expect(node.ctx.config.issuer).toBe(`http://127.0.0.1:${port}`);
      // The CLI is run without PORT, as from another shell.
      const result = await cli(['token', '--user', 'dev', '--scopes', 'sync', '--keys-file', node.ctx.config.signingKeysFile]);
      expect(result.code).toBe(0);
      const token = result.stdout.trim();
      expect(decodeJwt(token).iss).toBe(node.ctx.config.issuer);
      const pull = await fetch(`${node.url}/v1/sync?mutationsSince=0&metadataOnly=true`, { headers: { 'x-auth-token': token, 'x-client-id': 'dev-client' } });
      expect(pull.status).toBe(200);
    } finally {
      await node.close();
    }
  });

  it('takes the issuer from a running server with --url, and warns when that server does not publish the signing key', async () => {
    // A key file that records no issuer (written before issuers were recorded).
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'qs-cli-'));
    try {
      const legacy = path.join(dir, 'keys.json');
      const content = JSON.parse(await fs.readFile(keysFile, 'utf8')) as Record<string, unknown>;
      delete content.issuer;
      await fs.writeFile(legacy, JSON.stringify(content), { mode: 0o600 });
      const viaUrl = await cli(['token', '--scopes', 'content', '--client', 'cli-app', '--keys-file', legacy, '--url', server.url]);
      expect(viaUrl.code).toBe(0);
      expect(viaUrl.stderr).toBe('');
      const res = await fetch(`${guarded.url}${GUARDED_ROUTES.content}`, { headers: { 'x-auth-token': viaUrl.stdout.trim(), 'x-client-id': 'cli-app' } });
      expect(res.status).toBe(200);

      // Without --url, a legacy file falls back to the computed default, and says so.
      const fallback = await resolveTokenIssuer({
        configured: null,
        serverUrl: null,
        keys: await loadKeyRing(legacy),
        keysFile: legacy,
        fallback: 'http://127.0.0.1:8080',
      });
      expect(fallback.issuer).toBe('http://127.0.0.1:8080');
      expect(fallback.warning).toMatch(/no issuer is recorded in .*keys\.json.*pass --url <server> or --issuer/);

      // A server with other keys: the token would be refused, and the CLI says why.
      const stranger = await startTestServer();
      try {
        const foreign = await resolveTokenIssuer({
          configured: null,
          serverUrl: stranger.url,
          keys: await loadKeyRing(legacy),
          keysFile: legacy,
          fallback: 'unused',
        });
        expect(foreign.issuer).toBe(stranger.ctx.config.issuer);
        expect(foreign.warning).toMatch(/does not publish signing key/);
      } finally {
        await stranger.close();
      }
      const down = await cli(['token', '--scopes', 'content', '--keys-file', legacy, '--url', 'http://127.0.0.1:9']);
      expect(down.code).toBe(1);
      expect(down.stderr).toMatch(/cannot reach http:\/\/127\.0\.0\.1:9\/\.well-known\/openid-configuration/);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });

  it('explains a missing key file, unknown scopes and bad TTLs', async () => {
    const empty = await fs.mkdtemp(path.join(os.tmpdir(), 'qs-cli-'));
    try {
      const missing = await cli(['token', '--scopes', 'content', '--data-dir', empty]);
      expect(missing.code).toBe(1);
      expect(missing.stderr).toMatch(/no key file at .*keys\.json: start the server once/);
      const unknown = await cli(['token', '--scopes', 'content telepathy', '--keys-file', keysFile]);
      expect(unknown.code).toBe(1);
      expect(unknown.stderr).toMatch(/unknown scope\(s\): telepathy/);
      const ttl = await cli(['token', '--scopes', 'content', '--keys-file', keysFile, '--ttl', '5']);
      expect(ttl.code).not.toBe(0);
      expect(ttl.stderr).toMatch(/--ttl/);
    } finally {
      await fs.rm(empty, { recursive: true, force: true });
    }
  });
});

describe('quran-sync keys rotate', () => {
  it('puts a new signing key in front, keeps --keep keys, and tokens it signs verify on a restarted server', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'qs-cli-keys-'));
    const keysFile = path.join(dir, 'keys.json');
    try {
      const before = await startTestServer({ signingKeysFile: keysFile });
      const oldKid = before.ctx.keys.active.kid;
      const oldToken = await before.mintToken({ userId: null, clientId: 'app', scopes: ['content'] });
      await before.close();

      const first = await cli(['keys', 'rotate', '--keys-file', keysFile]);
      expect(first.code).toBe(0);
      const file = JSON.parse(await fs.readFile(keysFile, 'utf8')) as { signingKeys: Array<{ kid: string }> };
      expect(file.signingKeys).toHaveLength(2);
      const newKid = file.signingKeys[0]!.kid;
      expect(file.signingKeys[1]!.kid).toBe(oldKid);
      expect(first.stdout).toContain(`new signing key ${newKid}`);

      const after = await startTestServer({ signingKeysFile: keysFile });
      const guarded = await startGuardedTestApp(after.ctx.verifier);
      try {
        const minted = await cli(['token', '--client', 'app', '--scopes', 'content', '--keys-file', keysFile, '--issuer', after.ctx.config.issuer]);
        expect(decodeProtectedHeader(minted.stdout.trim()).kid).toBe(newKid);
        for (const token of [minted.stdout.trim(), oldToken]) {
          expect((await fetch(`${guarded.url}${GUARDED_ROUTES.content}`, { headers: { 'x-auth-token': token, 'x-client-id': 'app' } })).status).toBe(200);
        }
        const jwks = (await (await fetch(`${after.url}/.well-known/jwks.json`)).json()) as { keys: Array<{ kid: string }> };
        expect(jwks.keys.map((k) => k.kid)).toEqual([newKid, oldKid]);
      } finally {
        await guarded.close();
        await after.close();
      }

      // Two more rotations with --keep 2 drop the original key.
      expect((await cli(['keys', 'rotate', '--keys-file', keysFile, '--keep', '2'])).code).toBe(0);
      const last = await cli(['keys', 'rotate', '--keys-file', keysFile, '--keep', '2']);
      expect(last.code).toBe(0);
      const kept = (JSON.parse(await fs.readFile(keysFile, 'utf8')) as { signingKeys: Array<{ kid: string }> }).signingKeys.map((k) => k.kid);
      expect(kept).toHaveLength(2);
      expect(kept).not.toContain(oldKid);
      expect(kept).not.toContain(newKid);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});

/**
 * `client` and `user` open the database directly. With QS_TEST_DATABASE_URL they run against a fresh schema
 * of that PostgreSQL database; otherwise against an embedded PGlite data directory, as `quran-sync` does by
 * default. Either way a real server is then started on the same database and must honour what they created.
 */
describe('quran-sync client / user', () => {
  let dataDir: string;
  let databaseArgs: string[];
  let databaseEnv: Record<string, string>;
  let schema: string | null = null;
  const postgresUrl = testPostgresUrl();

  const openSameDatabase = (): Promise<DatabaseHandle> =>
    postgresUrl
      ? openDatabase({ kind: 'postgres', url: postgresUrl, poolSize: 4, searchPath: schema! })
      : openDatabase({ kind: 'pglite', dataDir: path.join(dataDir, 'pgdata') });

  beforeAll(async () => {
    dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'qs-cli-db-'));
    if (postgresUrl) {
      schema = `cli_${randomBytes(6).toString('hex')}`;
      const admin = new pg.Client({ connectionString: postgresUrl });
      await admin.connect();
      await admin.query(`create schema ${schema}`);
      await admin.end();
      databaseArgs = ['--data-dir', dataDir, '--database-url', postgresUrl];
      databaseEnv = { QS_DB_SEARCH_PATH: schema };
    } else {
      databaseArgs = ['--data-dir', dataDir];
      databaseEnv = {};
    }
  });
  afterAll(async () => {
    if (postgresUrl && schema) {
      const admin = new pg.Client({ connectionString: postgresUrl });
      await admin.connect();
      await admin.query(`drop schema if exists ${schema} cascade`);
      await admin.end();
    }
    await fs.rm(dataDir, { recursive: true, force: true });
  });

  it('creates clients and users that a server then accepts', async () => {
    const machine = await runCliProcess(['client', 'create', ...databaseArgs, '--id', 'machine', '--scopes', 'content', '--secret', '-'], {
      env: databaseEnv,
      stdin: 'machine-secret\n',
    });
    expect(machine.stderr).toBe('');
    expect(machine.code).toBe(0);
    expect(machine.stdout).toMatch(/created confidential client machine\n\s+scopes:\s+content\n\s+grant types:\s+client_credentials\n/);

    const generated = await cli(['client', 'create', ...databaseArgs, '--id', 'generated', '--scopes', 'content'], { env: databaseEnv });
    expect(generated.code).toBe(0);
    const secret = /secret:\s+(\S+)/.exec(generated.stdout)?.[1];
    expect(secret).toMatch(/^[A-Za-z0-9_-]{32}$/);

    const web = await cli(
      [
        'client',
        'create',
        ...databaseArgs,
        '--id',
        'web',
        '--public',
        '--name',
        'Web Reader',
        '--scopes',
        'bookmark openid offline_access',
        '--redirect-uri',
        'http://127.0.0.1:9/callback',
        '--redirect-uri',
        'https://reader.example/cb',
      ],
      { env: databaseEnv },
    );
    expect(web.code).toBe(0);
    expect(web.stdout).toContain('created public client web');

    const user = await runCliProcess(['user', 'create', ...databaseArgs, '--username', 'salma', '--password', '-'], {
      env: databaseEnv,
      stdin: 'salma-password\n',
    });
    expect(user.code).toBe(0);
    const userId = /with id (\S+)/.exec(user.stdout)?.[1];
    expect(userId).toBeTruthy();

    const clients = await cli(['client', 'list', ...databaseArgs, '--json'], { env: databaseEnv });
    expect(clients.code).toBe(0);
    expect((JSON.parse(clients.stdout) as Array<{ id: string; public: boolean }>).map((c) => [c.id, c.public])).toEqual([
      ['machine', false],
      ['generated', false],
      ['web', true],
    ]);
    const users = await cli(['user', 'list', ...databaseArgs], { env: databaseEnv });
    expect(users.stdout).toBe(`${userId}  salma\n`);

    const database = await openSameDatabase();
    const server = await startTestServer({ database });
    try {
      expect(
        (await tokenRequest(server.url, { grant_type: 'client_credentials', scope: 'content' }, { clientId: 'machine', clientSecret: 'machine-secret' }))
          .status,
      ).toBe(200);
      expect(
        (await tokenRequest(server.url, { grant_type: 'client_credentials', scope: 'content' }, { clientId: 'generated', clientSecret: secret! })).status,
      ).toBe(200);
      const tokens = await loginForTokens(server.url, { clientId: 'web', scope: 'openid offline_access', username: 'salma', password: 'salma-password' });
      const userinfo = await fetch(`${server.url}/userinfo`, { headers: { authorization: `Bearer ${tokens.access_token}` } });
      expect(await userinfo.json()).toEqual({ sub: userId, preferred_username: 'salma' });
    } finally {
      await server.close();
      await database.close();
    }
  });

  it('refuses invalid definitions with a clear message and exit code 1', async () => {
    // These open the database (one process at a time: PGlite is single-process).
    const duplicates: Array<[string[], RegExp]> = [
      [['client', 'create', '--id', 'machine', '--scopes', 'content', '--secret', 'another-secret'], /already exists/],
      [['user', 'create', '--username', 'salma', '--password', 'whatever-password'], /already exists/],
    ];
    for (const [args, message] of duplicates) {
      const result = await cli([...args.slice(0, 2), ...databaseArgs, ...args.slice(2)], { env: databaseEnv });
      expect({ args: args.join(' '), code: result.code }).toEqual({ args: args.join(' '), code: 1 });
      expect(result.stderr).toMatch(message);
    }
    // These fail before the database is opened.
    const invalid: Array<[string[], RegExp]> = [
      [['client', 'create', '--id', 'bad id', '--scopes', 'content', '--secret', 'long-enough'], /client id must be/],
      [['client', 'create', '--id', 'x', '--scopes', 'content telepathy', '--secret', 'long-enough'], /unknown scope\(s\): telepathy/],
      [['client', 'create', '--id', 'x', '--scopes', 'content', '--secret', 'short'], /client secret must be/],
      [['client', 'create', '--id', 'x', '--public', '--scopes', 'bookmark'], /needs at least one redirect URI/],
      [['client', 'create', '--id', 'x', '--public', '--secret', 'long-enough', '--scopes', 'bookmark'], /exclude each other/],
      [['user', 'create', '--username', 'tiny', '--password', 'short'], /password must be/],
    ];
    for (const [args, message] of invalid) {
      const result = await cli([...args.slice(0, 2), ...databaseArgs, ...args.slice(2)], { env: databaseEnv });
      expect({ args: args.join(' '), code: result.code }).toEqual({ args: args.join(' '), code: 1 });
      expect(result.stderr).toMatch(message);
    }
  });
});

describe('quran-sync client / user on an embedded database in use', () => {
  it('tells the user that a server is running on the data directory', async () => {
    const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'qs-cli-busy-'));
    const database = await openDatabase({ kind: 'pglite', dataDir: path.join(dataDir, 'pgdata') });
    try {
      for (const args of [
        ['client', 'list'],
        ['user', 'create', '--username', 'x', '--password', 'long-enough'],
      ]) {
        const result = await runCliProcess([...args, '--data-dir', dataDir]);
        expect(result.code).toBe(1);
        expect(result.stderr).toMatch(/embedded database in .* is in use by process \d+ \(probably a running `quran-sync serve`\)/);
      }
    } finally {
      await database.close();
      await fs.rm(dataDir, { recursive: true, force: true });
    }
  });
});

describe('quran-sync --help', () => {
  it('documents every auth command and subcommand', async () => {
    const expectations: Array<[string[], RegExp[]]> = [
      [
        ['client', '--help'],
        [/create/, /list/],
      ],
      [
        ['client', 'create', '--help'],
        [/--id <id>/, /--secret <secret>/, /--scopes <scopes>/, /--redirect-uri <uri>/, /--public/, /--name <name>/, /stdin/],
      ],
      [
        ['client', 'list', '--help'],
        [/--json/, /--database-url/],
      ],
      [
        ['user', '--help'],
        [/create/, /list/],
      ],
      [
        ['user', 'create', '--help'],
        [/--username <name>/, /--password <password>/, /stdin/],
      ],
      [['user', 'list', '--help'], [/--json/]],
      [
        ['token', '--help'],
        [/--user <id>/, /--client <id>/, /--scopes <scopes>/, /--ttl <seconds>/, /--issuer <url>/, /--url <url>/, /QS_SIGNING_KEYS_FILE/],
      ],
      [['keys', '--help'], [/rotate/]],
      [
        ['keys', 'rotate', '--help'],
        [/--keep <n>/, /restart/],
      ],
    ];
    for (const [args, patterns] of expectations) {
      const result = await cli(args);
      expect({ args: args.join(' '), code: result.code }).toEqual({ args: args.join(' '), code: 0 });
      for (const pattern of patterns) expect(result.stdout).toMatch(pattern);
    }
  });
});
