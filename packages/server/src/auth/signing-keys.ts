import { randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { exportJWK, generateKeyPair, importJWK, type CryptoKey, type JWK } from 'jose';

/**
 * The server's secrets, in one JSON file (`<data-dir>/keys.json` or `QS_SIGNING_KEYS_FILE`):
 * asymmetric keys that sign access tokens (newest first; older ones still verify, which is how keys
 * rotate without logging anyone out), and the HMAC secret that signs content sync tokens and cursors.
 * The CLI reads the same file to mint tokens without a running server.
 *
 * The file also records the deployment's issuer (`iss`): every node must share the key file anyway (a token
 * signed with one node's keys verifies nowhere else), so it is the one place all of them, and the CLI, agree
 * on without an extra setting (auth/deployment-issuer.ts decides what is recorded).
 */
export const SIGNING_ALGORITHM = 'ES256';

interface KeyFileEntry {
  kid: string;
  alg: typeof SIGNING_ALGORITHM;
  createdAt: string;
  privateJwk: JWK;
}

interface KeyFile {
  version: 1;
  signingKeys: KeyFileEntry[];
  /** base64url, 32 bytes. */
  syncTokenSecret: string;
  /** The `iss` of the tokens signed with these keys; absent in files written before it was recorded. */
  issuer?: string;
}

export interface SigningKey {
  readonly kid: string;
  readonly alg: typeof SIGNING_ALGORITHM;
  readonly privateKey: CryptoKey;
  readonly publicJwk: JWK;
}

export interface KeyRing {
  /** The key new tokens are signed with (the newest). */
  readonly active: SigningKey;
  readonly all: readonly SigningKey[];
  /** `{keys: [...]}` as served at `/.well-known/jwks.json`. */
  readonly jwks: { readonly keys: readonly JWK[] };
  /** Secret for HMAC-signing content sync tokens and cursors. */
  readonly syncTokenSecret: Buffer;
  /** The issuer recorded in the key file, or null when none is recorded yet. */
  readonly issuer: string | null;
}

async function newEntry(): Promise<KeyFileEntry> {
  const { privateKey } = await generateKeyPair(SIGNING_ALGORITHM, { extractable: true });
  const privateJwk = await exportJWK(privateKey);
  return { kid: randomUUID(), alg: SIGNING_ALGORITHM, createdAt: new Date().toISOString(), privateJwk };
}

async function writeKeyFile(file: string, content: KeyFile, exclusive: boolean): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  const text = `${JSON.stringify(content, null, 2)}\n`;
  if (exclusive) {
    // `wx`: two processes starting at once must not both create (and disagree on) the keys.
    await fs.writeFile(file, text, { flag: 'wx', mode: 0o600 });
    return;
  }
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  await fs.writeFile(tmp, text, { mode: 0o600 });
  await fs.rename(tmp, file);
}

async function readKeyFile(file: string): Promise<KeyFile> {
  const parsed = JSON.parse(await fs.readFile(file, 'utf8')) as Partial<KeyFile>;
  if (parsed.version !== 1 || !Array.isArray(parsed.signingKeys) || parsed.signingKeys.length === 0 || typeof parsed.syncTokenSecret !== 'string') {
    throw new Error(`${file} is not a quran-sync key file (expected version 1 with signingKeys and syncTokenSecret)`);
  }
  if (parsed.issuer !== undefined && (typeof parsed.issuer !== 'string' || parsed.issuer.length === 0)) {
    throw new Error(`${file}: "issuer" must be a non-empty string`);
  }
  return parsed as KeyFile;
}

async function toKeyRing(file: KeyFile): Promise<KeyRing> {
  const all = await Promise.all(
    file.signingKeys.map(async (entry): Promise<SigningKey> => {
      const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...publicPart } = entry.privateJwk;
      const privateKey = (await importJWK(entry.privateJwk, entry.alg)) as CryptoKey;
      return { kid: entry.kid, alg: entry.alg, privateKey, publicJwk: { ...publicPart, kid: entry.kid, alg: entry.alg, use: 'sig' } };
    }),
  );
  return {
    active: all[0]!,
    all,
    jwks: { keys: all.map((k) => k.publicJwk) },
    syncTokenSecret: Buffer.from(file.syncTokenSecret, 'base64url'),
    issuer: file.issuer ?? null,
  };
}

/** Reads an existing key file (the CLI signs with it; it must not invent keys the server does not have). */
export async function loadKeyRing(file: string): Promise<KeyRing> {
  return toKeyRing(await readKeyFile(file));
}

/**
 * Reads the key file, creating it (one signing key, one HMAC secret) when it does not exist. A created
 * file records `options.issuer` when given, in the same exclusive write as the keys.
 */
export async function loadOrCreateKeyRing(file: string, options: { issuer?: string } = {}): Promise<KeyRing> {
  try {
    return await toKeyRing(await readKeyFile(file));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const created: KeyFile = {
    version: 1,
    signingKeys: [await newEntry()],
    syncTokenSecret: randomBytes(32).toString('base64url'),
    ...(options.issuer ? { issuer: options.issuer } : {}),
  };
  try {
    await writeKeyFile(file, created, true);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return toKeyRing(await readKeyFile(file)); // another process won the race
  }
  return toKeyRing(created);
}

/**
 * Adds a new signing key in front (it signs from now on) and keeps the newest `keep` keys in all, so
 * tokens signed by a retired key stop verifying only once it falls off the end.
 */
export async function rotateSigningKeys(file: string, keep = 2): Promise<KeyRing> {
  return withKeyFileLock(file, async () => {
    const current = await readKeyFile(file);
    const next: KeyFile = { ...current, signingKeys: [await newEntry(), ...current.signingKeys].slice(0, Math.max(1, keep)) };
    await writeKeyFile(file, next, false);
    return toKeyRing(next);
  });
}

/**
 * Records `issuer` in the key file unless one is recorded already (or, with `replace`, unless the same one
 * is), and returns the issuer recorded afterwards: when several processes record at once, they all
 * return the one that won.
 */
export async function recordIssuer(file: string, issuer: string, options: { replace: boolean }): Promise<string> {
  return withKeyFileLock(file, async () => {
    const current = await readKeyFile(file);
    if (current.issuer === issuer || (current.issuer !== undefined && !options.replace)) return current.issuer;
    await writeKeyFile(file, { ...current, issuer }, false);
    return issuer;
  });
}

/** Writers hold the lock for milliseconds; one older than this was left by a process that died. */
const STALE_LOCK_MS = 10_000;

/**
 * Read-modify-write of the key file by one process at a time (nodes starting together on a shared
 * volume, `keys rotate` while a server records the issuer): `<file>.lock`, created exclusively.
 */
async function withKeyFileLock<T>(file: string, task: () => Promise<T>): Promise<T> {
  const lock = `${file}.lock`;
  for (let attempt = 0; ; attempt++) {
    try {
      await (await fs.open(lock, 'wx', 0o600)).close();
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const since = await fs.stat(lock).then(
        (s) => Date.now() - s.mtimeMs,
        () => 0,
      );
      if (since > STALE_LOCK_MS) await fs.rm(lock, { force: true });
      else if (attempt >= 200) throw new Error(`${lock} exists: another quran-sync process is writing ${file} (remove the lock if none is)`);
      else await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }
  try {
    return await task();
  } finally {
    await fs.rm(lock, { force: true });
  }
}
