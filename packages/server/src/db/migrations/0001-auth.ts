import type { Kysely, Migration } from 'kysely';
import { runStatements } from '../run-statements.js';

/**
 * Tables of the built-in OAuth2 issuer. Secrets never sit in clear: client secrets and user passwords are
 * scrypt hashes, authorization codes and refresh tokens are stored as SHA-256 digests only.
 */
export const authMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await runStatements(db, [
      `create table oauth_clients (
        id text primary key,
        name text not null,
        secret_hash text,
        allowed_scopes text[] not null default '{}',
        redirect_uris text[] not null default '{}',
        grant_types text[] not null default '{}',
        created_at timestamptz not null default now()
      )`,
      `create table users (
        id text primary key,
        username text not null unique,
        password_hash text not null,
        created_at timestamptz not null default now()
      )`,
      // One row per login (authorization-code exchange): the refresh-token family. Revoking it (logout,
      // refresh-token reuse, code reuse) ends every token minted from it, on every node.
      `create table oauth_grants (
        id text primary key,
        client_id text not null references oauth_clients(id) on delete cascade,
        user_id text not null references users(id) on delete cascade,
        scopes text[] not null,
        auth_time timestamptz not null,
        created_at timestamptz not null default now(),
        revoked_at timestamptz
      )`,
      `create table oauth_authorization_codes (
        code_hash text primary key,
        grant_id text not null,
        client_id text not null references oauth_clients(id) on delete cascade,
        user_id text not null references users(id) on delete cascade,
        redirect_uri text not null,
        scopes text[] not null,
        code_challenge text not null,
        code_challenge_method text not null,
        nonce text,
        auth_time timestamptz not null,
        expires_at timestamptz not null,
        consumed_at timestamptz
      )`,
      `create index oauth_authorization_codes_expiry on oauth_authorization_codes (expires_at)`,
      `create table oauth_refresh_tokens (
        token_hash text primary key,
        grant_id text not null references oauth_grants(id) on delete cascade,
        client_id text not null references oauth_clients(id) on delete cascade,
        user_id text not null,
        scopes text[] not null,
        expires_at timestamptz not null,
        revoked_at timestamptz,
        created_at timestamptz not null default now()
      )`,
      `create index oauth_refresh_tokens_grant on oauth_refresh_tokens (grant_id)`,
      `create index oauth_refresh_tokens_expiry on oauth_refresh_tokens (expires_at)`,
      `create table oauth_revocations (
        id text primary key,
        kind text not null check (kind in ('token', 'grant')),
        expires_at timestamptz not null,
        revoked_at timestamptz not null default now()
      )`,
      `create index oauth_revocations_expiry on oauth_revocations (expires_at)`,
    ]);
  },
};
