import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import { oauth2Error, type ApiError } from '../../http/api-error.js';
import { verifyPassword } from '../password-hash.js';
import type { ClientAuthAttempt } from './client-auth-throttle.js';
import { findClient, type OAuthClientRecord } from './client-repository.js';

/** How a request presented its client credentials (RFC 6749 §2.3.1, OIDC "token_endpoint_auth_method"). */
export type ClientAuthMethod = 'client_secret_basic' | 'client_secret_post' | 'none';

export interface ClientCredentials {
  readonly clientId: string;
  readonly clientSecret: string | null;
  readonly method: ClientAuthMethod;
}

const BASIC_REALM = 'Basic realm="quran-sync"';

/** `invalid_client` 401; with `WWW-Authenticate: Basic` when the client tried HTTP Basic (RFC 6749 §5.2). */
export function invalidClient(method: ClientAuthMethod | null, description = 'Client authentication failed'): ApiError {
  return oauth2Error('invalid_client', description, 401, method === 'client_secret_basic' ? { 'www-authenticate': BASIC_REALM } : undefined);
}

/**
 * Reads the client credentials of an introspection or revocation request: HTTP Basic, else `client_id`
 * (+ `client_secret`) in the form body. Using both at once is refused (RFC 6749 §2.3: one method only).
 */
export function readClientCredentials(authorization: string | undefined, body: Record<string, unknown>): ClientCredentials | null {
  const postedId = typeof body.client_id === 'string' && body.client_id.length > 0 ? body.client_id : null;
  const postedSecret = typeof body.client_secret === 'string' ? body.client_secret : null;
  if (authorization !== undefined && /^basic\s/i.test(authorization)) {
    if (postedId !== null || postedSecret !== null)
      throw oauth2Error('invalid_request', 'Send client credentials either with HTTP Basic or in the body, not both');
    const decoded = Buffer.from(authorization.replace(/^basic\s+/i, '').trim(), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon <= 0) throw invalidClient('client_secret_basic', 'Malformed HTTP Basic credentials');
    return { clientId: decoded.slice(0, colon), clientSecret: decoded.slice(colon + 1), method: 'client_secret_basic' };
  }
  if (postedId === null) return null;
  return { clientId: postedId, clientSecret: postedSecret, method: postedSecret === null ? 'none' : 'client_secret_post' };
}

/** RFC 6749 §2.3.1 form-decoding of a Basic credential, or null when it does not decode or is unchanged. */
function formDecoded(value: string): string | null {
  try {
    const decoded = decodeURIComponent(value.replace(/\+/g, ' '));
    return decoded === value ? null : decoded;
  } catch {
    return null;
  }
}

/** Key of a secret found wrong for a client (its keyed digest, never the secret). */
function refusedKey(clientId: string, digest: Buffer): string {
  return `${clientId}\n${digest.toString('base64url')}`;
}

/** What one `authenticate` call learnt, to count its failure once and against the right counters. */
interface Tally {
  knownClient: boolean;
  counted: boolean;
}

/**
 * Checks client credentials against the clients table. Confidential clients must present their secret;
 * public clients (no secret) must not present one.
 *
 * Secrets are scrypt hashes, deliberately slow (tens of milliseconds of CPU each), so their cost must not be
 * the caller's to choose:
 * - a verified secret is remembered as a keyed digest (in memory, per process): later requests pay an HMAC,
 *   and any other secret for that client is refused by the same comparison, without hashing;
 * - a secret found wrong is remembered the same way, so a client retrying a wrong secret costs one hash;
 * - hashing for a client runs one at a time, so concurrent first requests with the right secret cost one
 *   scrypt, and concurrent guesses queue instead of occupying every thread;
 * - with a throttle (`ClientAuthAttempt`), every attempt is admitted before any work and again right
 *   before its scrypt, and each failure is counted before the next hash may start: no client sees more
 *   scrypts of wrong secrets per window than its failure limit.
 * Changing a client's stored hash invalidates both memories.
 */
export class ClientAuthenticator {
  private readonly cacheKey = randomBytes(32);
  /** client id → the digest of its verified secret. */
  private readonly verified = new Map<string, { secretHash: string; digest: Buffer }>();
  /** `client id + digest` → the stored hash it was found wrong against. */
  private readonly refused = new Map<string, string>();
  /** client id → the tail of its queue of hashings. */
  private readonly hashing = new Map<string, Promise<void>>();

  constructor(
    private readonly db: Kysely<Database>,
    private readonly maxCached = 1000,
    /** The expensive check; a parameter so tests can count how often it runs. */
    private readonly verifySecret: (secret: string, stored: string) => Promise<boolean> = verifyPassword,
  ) {}

  /**
   * The client, or null when the credentials do not match. Never throws for bad credentials; throws the
   * attempt's 429 when it is throttled.
   */
  async authenticate(clientId: string, clientSecret: string | null, attempt?: ClientAuthAttempt): Promise<OAuthClientRecord | null> {
    // Basic credentials are form-encoded before base64 by spec-following clients and raw by most others
    // (@quranjs/api among them): accept both readings. Client ids are URL-unreserved, so the decoded id
    // is the one a client can have, and the one failures are counted against.
    const id = formDecoded(clientId);
    const secret = clientSecret === null ? null : formDecoded(clientSecret);
    const countedId = id ?? clientId;
    const tally: Tally = { knownClient: false, counted: false };
    await attempt?.admit(countedId);
    const direct = await this.check(clientId, clientSecret, attempt, countedId, tally);
    if (direct) return direct;
    if (id !== null || secret !== null) {
      const decoded = await this.check(id ?? clientId, secret ?? clientSecret, attempt, countedId, tally);
      if (decoded) return decoded;
    }
    if (!tally.counted) await attempt?.failed(countedId, tally.knownClient);
    return null;
  }

  private async check(
    clientId: string,
    clientSecret: string | null,
    attempt: ClientAuthAttempt | undefined,
    countedId: string,
    tally: Tally,
  ): Promise<OAuthClientRecord | null> {
    const client = await findClient(this.db, clientId);
    if (!client) return null;
    tally.knownClient = true;
    if (client.secretHash === null) return clientSecret === null || clientSecret === '' ? client : null;
    if (clientSecret === null || clientSecret.length === 0 || clientSecret.length > 512) return null;
    const secretHash = client.secretHash;
    const digest = createHmac('sha256', this.cacheKey).update(clientSecret).digest();
    const known = this.remembered(client.id, secretHash, digest);
    if (known !== undefined) return known ? client : null;
    const ok = await this.oneAtATime(client.id, async () => {
      // Another request may have settled this very secret while this one waited.
      const settled = this.remembered(client.id, secretHash, digest);
      if (settled !== undefined) return settled;
      // Failures counted while this request waited may have reached the limit.
      await attempt?.admit(countedId);
      const match = await this.verifySecret(clientSecret, secretHash);
      this.remember(client.id, secretHash, digest, match);
      if (!match && attempt) {
        // Counted before the next hashing of this client may start, so the limit is exact per process.
        await attempt.failed(countedId, true);
        tally.counted = true;
      }
      return match;
    });
    return ok ? client : null;
  }

  /** true / false when this secret's fate for the current stored hash is known, else undefined. */
  private remembered(clientId: string, secretHash: string, digest: Buffer): boolean | undefined {
    const verified = this.verified.get(clientId);
    // Only one secret matches a hash: once it is known, any other digest is wrong.
    if (verified && verified.secretHash === secretHash) return timingSafeEqual(verified.digest, digest);
    return this.refused.get(refusedKey(clientId, digest)) === secretHash ? false : undefined;
  }

  private remember(clientId: string, secretHash: string, digest: Buffer, match: boolean): void {
    if (match) {
      if (this.verified.size >= this.maxCached) this.verified.delete(this.verified.keys().next().value!);
      this.verified.set(clientId, { secretHash, digest });
    } else {
      if (this.refused.size >= this.maxCached) this.refused.delete(this.refused.keys().next().value!);
      this.refused.set(refusedKey(clientId, digest), secretHash);
    }
  }

  /** Runs `task` after every earlier task of the same client has finished. */
  private async oneAtATime<T>(clientId: string, task: () => Promise<T>): Promise<T> {
    const previous = this.hashing.get(clientId) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((resolve) => (release = resolve));
    const tail = previous.then(() => mine);
    this.hashing.set(clientId, tail);
    try {
      await previous;
      return await task();
    } finally {
      release();
      if (this.hashing.get(clientId) === tail) this.hashing.delete(clientId);
    }
  }
}

/**
 * Authenticates the caller of an introspection or revocation request, or throws `invalid_client` 401.
 * Introspection needs a confidential client (it reveals token contents); revocation also admits public
 * clients identified by `client_id` alone (RFC 7009 §2.1), since they have nothing else to show.
 */
export async function requireClient(
  authenticator: ClientAuthenticator,
  authorization: string | undefined,
  body: Record<string, unknown>,
  options: { allowPublic: boolean; attempt?: ClientAuthAttempt },
): Promise<OAuthClientRecord> {
  const credentials = readClientCredentials(authorization, body);
  if (!credentials) throw invalidClient(null, 'Client authentication required: use HTTP Basic or client_id/client_secret in the body');
  const client = await authenticator.authenticate(credentials.clientId, credentials.clientSecret, options.attempt);
  if (!client) throw invalidClient(credentials.method);
  if (client.secretHash === null && !options.allowPublic) throw invalidClient(credentials.method, 'This endpoint needs a confidential client');
  return client;
}
