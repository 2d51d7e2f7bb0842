import type { Kysely, Migration } from 'kysely';
import { runStatements } from '../run-statements.js';

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
      `create table oauth_authorization_codes (
        code_hash text primary key,
        client_id text not null references oauth_clients(id) on delete cascade,
        user_id text not null references users(id) on delete cascade,
        redirect_uri text not null,
        scopes text[] not null,
        code_challenge text not null,
        code_challenge_method text not null,
        expires_at timestamptz not null,
        consumed_at timestamptz
      )`,
      `create table oauth_refresh_tokens (
        token_hash text primary key,
        grant_id text not null,
        client_id text not null references oauth_clients(id) on delete cascade,
        user_id text not null,
        scopes text[] not null,
        expires_at timestamptz not null,
        revoked_at timestamptz,
        created_at timestamptz not null default now()
      )`,
      `create index oauth_refresh_tokens_grant on oauth_refresh_tokens (grant_id)`,
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
