import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import { oauth2Error, type ApiError } from '../../http/api-error.js';
import { verifyPassword } from '../password-hash.js';
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
    if (postedId !== null || postedSecret !== null) throw oauth2Error('invalid_request', 'Send client credentials either with HTTP Basic or in the body, not both');
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

/**
 * Checks client credentials against the clients table. Confidential clients must present their secret;
 * public clients (no secret) must not present one. Secrets are scrypt hashes, which are deliberately slow,
 * so a secret once verified is remembered as a keyed digest (in memory, per process): the token endpoint
 * then pays a HMAC, not a scrypt, per request. Changing the stored hash invalidates the entry.
 */
export class ClientAuthenticator {
  private readonly cacheKey = randomBytes(32);
  private readonly verified = new Map<string, { secretHash: string; digest: Buffer }>();

  constructor(
    private readonly db: Kysely<Database>,
    private readonly maxCached = 1000,
  ) {}

  /** The client, or null when the credentials do not match. Never throws for bad credentials. */
  async authenticate(clientId: string, clientSecret: string | null): Promise<OAuthClientRecord | null> {
    const direct = await this.check(clientId, clientSecret);
    if (direct) return direct;
    // Basic credentials are form-encoded before base64 by spec-following clients and raw by most others
    // (@quranjs/api among them): accept both readings.
    const id = formDecoded(clientId);
    const secret = clientSecret === null ? null : formDecoded(clientSecret);
    if (id === null && secret === null) return null;
    return this.check(id ?? clientId, secret ?? clientSecret);
  }

  private async check(clientId: string, clientSecret: string | null): Promise<OAuthClientRecord | null> {
    const client = await findClient(this.db, clientId);
    if (!client) return null;
    if (client.secretHash === null) return clientSecret === null || clientSecret === '' ? client : null;
    if (clientSecret === null || clientSecret.length === 0 || clientSecret.length > 512) return null;
    const digest = createHmac('sha256', this.cacheKey).update(clientSecret).digest();
    const cached = this.verified.get(client.id);
    if (cached && cached.secretHash === client.secretHash) return timingSafeEqual(cached.digest, digest) ? client : null;
    if (!(await verifyPassword(clientSecret, client.secretHash))) return null;
    if (this.verified.size >= this.maxCached) this.verified.delete(this.verified.keys().next().value!);
    this.verified.set(client.id, { secretHash: client.secretHash, digest });
    return client;
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
  options: { allowPublic: boolean },
): Promise<OAuthClientRecord> {
  const credentials = readClientCredentials(authorization, body);
  if (!credentials) throw invalidClient(null, 'Client authentication required: use HTTP Basic or client_id/client_secret in the body');
  const client = await authenticator.authenticate(credentials.clientId, credentials.clientSecret);
  if (!client) throw invalidClient(credentials.method);
  if (client.secretHash === null && !options.allowPublic) throw invalidClient(credentials.method, 'This endpoint needs a confidential client');
  return client;
}
