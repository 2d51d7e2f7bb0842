import { isKnownScope, parseScopeString } from '@quran-sync/protocol';
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import { hashPassword } from '../password-hash.js';

/** Grant types the built-in issuer implements. */
export const GRANT_TYPES = ['client_credentials', 'authorization_code', 'refresh_token'] as const;
export type GrantType = (typeof GRANT_TYPES)[number];

export interface OAuthClientRecord {
  readonly id: string;
  readonly name: string;
  /** null for a public client (SPA, mobile app): it cannot keep a secret and proves itself with PKCE. */
  readonly secretHash: string | null;
  readonly allowedScopes: readonly string[];
  readonly redirectUris: readonly string[];
  readonly grantTypes: readonly GrantType[];
  readonly createdAt: Date;
}

export interface NewClient {
  readonly id: string;
  readonly name?: string;
  /** Omit (or null) for a public client. */
  readonly secret?: string | null;
  readonly scopes: readonly string[] | string;
  readonly redirectUris?: readonly string[];
  /**
   * Defaults: confidential → client_credentials, plus authorization_code and refresh_token when redirect
   * URIs are given; public → authorization_code and refresh_token.
   */
  readonly grantTypes?: readonly string[];
}

/** A client definition that cannot be stored, with every problem listed. */
export class ClientValidationError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`invalid client: ${problems.join('; ')}`);
    this.name = 'ClientValidationError';
  }
}

/**
 * Client ids use URL-unreserved characters only: they travel in HTTP Basic credentials, which RFC 6749
 * §2.3.1 form-encodes and most clients do not, so ids outside this set would be ambiguous on the wire.
 */
const CLIENT_ID = /^[A-Za-z0-9][A-Za-z0-9._~-]{0,127}$/;
const MIN_SECRET_LENGTH = 8;
const MAX_SECRET_LENGTH = 512;

/**
 * Redirect URIs are absolute, without fragment (RFC 6749 §3.1.2); `http`/`https`, or a private-use scheme
 * in reverse-domain form for native apps (RFC 8252 §7.1, e.g. `com.example.app:/callback`).
 */
export function redirectUriProblem(uri: string): string | null {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return `redirect URI ${JSON.stringify(uri)} is not an absolute URL`;
  }
  if (url.hash || uri.includes('#')) return `redirect URI ${uri} must not contain a fragment`;
  const scheme = url.protocol.slice(0, -1);
  if (scheme === 'http' || scheme === 'https') return url.host ? null : `redirect URI ${uri} has no host`;
  if (!/^[a-z][a-z0-9+-]*(\.[a-z0-9+-]+)+$/.test(scheme)) {
    return `redirect URI ${uri} must use http, https or a reverse-domain private-use scheme (com.example.app:/callback)`;
  }
  return null;
}

/** A client definition checked and completed with defaults, ready to store. */
export interface ValidClient {
  readonly id: string;
  readonly name: string;
  readonly secret: string | null;
  readonly scopes: readonly string[];
  readonly redirectUris: readonly string[];
  readonly grantTypes: readonly GrantType[];
}

/** Checks a definition without touching the database (the CLI fails fast on it); throws every problem at once. */
export function validateNewClient(input: NewClient): ValidClient {
  const problems: string[] = [];
  if (!CLIENT_ID.test(input.id)) problems.push(`client id must be 1-128 characters of A-Z a-z 0-9 . _ ~ - (got ${JSON.stringify(input.id)})`);
  const isPublic = input.secret === undefined || input.secret === null;
  if (!isPublic) {
    const secret = input.secret!;
    if (secret.length < MIN_SECRET_LENGTH || secret.length > MAX_SECRET_LENGTH)
      problems.push(`client secret must be ${MIN_SECRET_LENGTH}-${MAX_SECRET_LENGTH} characters long`);
    if (!/^[\x21-\x7e]+$/.test(secret)) problems.push('client secret must be printable ASCII without spaces');
  }
  const scopes = typeof input.scopes === 'string' ? parseScopeString(input.scopes) : [...new Set(input.scopes)];
  if (scopes.length === 0) problems.push('at least one scope is required');
  const unknown = scopes.filter((s) => !isKnownScope(s));
  if (unknown.length > 0) problems.push(`unknown scope(s): ${unknown.join(', ')}`);

  const redirectUris = [...new Set(input.redirectUris ?? [])];
  const defaultGrants = isPublic ? ['authorization_code', 'refresh_token'] : redirectUris.length > 0 ? [...GRANT_TYPES] : ['client_credentials'];
  const grantTypes = [...new Set(input.grantTypes ?? defaultGrants)];
  const badGrants = grantTypes.filter((g) => !(GRANT_TYPES as readonly string[]).includes(g));
  if (badGrants.length > 0) problems.push(`unsupported grant type(s): ${badGrants.join(', ')} (supported: ${GRANT_TYPES.join(', ')})`);
  if (isPublic && grantTypes.includes('client_credentials')) problems.push('a public client (no secret) cannot use client_credentials');

  for (const uri of redirectUris) {
    const problem = redirectUriProblem(uri);
    if (problem) problems.push(problem);
  }
  if (grantTypes.includes('authorization_code') && redirectUris.length === 0) problems.push('the authorization_code grant needs at least one redirect URI');
  if (problems.length > 0) throw new ClientValidationError(problems);
  return {
    id: input.id,
    name: input.name?.trim() || input.id,
    secret: isPublic ? null : input.secret!,
    scopes,
    redirectUris,
    grantTypes: grantTypes as GrantType[],
  };
}

export async function createClient(db: Kysely<Database>, input: NewClient): Promise<OAuthClientRecord> {
  const client = validateNewClient(input);
  const row = await db
    .insertInto('oauth_clients')
    .values({
      id: client.id,
      name: client.name,
      secret_hash: client.secret === null ? null : await hashPassword(client.secret),
      allowed_scopes: [...client.scopes],
      redirect_uris: [...client.redirectUris],
      grant_types: [...client.grantTypes],
    })
    .onConflict((oc) => oc.column('id').doNothing())
    .returningAll()
    .executeTakeFirst();
  if (!row) throw new ClientValidationError([`a client with id ${input.id} already exists`]);
  return toRecord(row);
}

/**
 * Ids that could never have been stored are answered without a query: besides saving the round trip, it
 * keeps what a caller decoded (a form-encoded Basic id may decode to a NUL, which PostgreSQL text refuses
 * with an error) away from the database.
 */
export async function findClient(db: Kysely<Database>, id: string): Promise<OAuthClientRecord | null> {
  if (!CLIENT_ID.test(id)) return null;
  const row = await db.selectFrom('oauth_clients').selectAll().where('id', '=', id).executeTakeFirst();
  return row ? toRecord(row) : null;
}

export async function listClients(db: Kysely<Database>): Promise<OAuthClientRecord[]> {
  const rows = await db.selectFrom('oauth_clients').selectAll().orderBy('created_at').orderBy('id').execute();
  return rows.map(toRecord);
}

function toRecord(row: {
  id: string;
  name: string;
  secret_hash: string | null;
  allowed_scopes: string[];
  redirect_uris: string[];
  grant_types: string[];
  created_at: Date;
}): OAuthClientRecord {
  return {
    id: row.id,
    name: row.name,
    secretHash: row.secret_hash,
    allowedScopes: row.allowed_scopes,
    redirectUris: row.redirect_uris,
    grantTypes: row.grant_types.filter((g): g is GrantType => (GRANT_TYPES as readonly string[]).includes(g)),
    createdAt: row.created_at,
  };
}
