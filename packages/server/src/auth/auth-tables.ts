import type { ColumnType } from 'kysely';

/** Tables of the built-in OAuth2 issuer (migration 0001-auth). */
export interface AuthTables {
  oauth_clients: OAuthClientTable;
  users: UserTable;
  oauth_authorization_codes: AuthorizationCodeTable;
  oauth_refresh_tokens: RefreshTokenTable;
  oauth_revocations: RevocationTable;
}

export interface OAuthClientTable {
  id: string;
  name: string;
  /** scrypt hash (`scrypt$N$salt$hash`); null for public clients, which authenticate by PKCE only. */
  secret_hash: string | null;
  allowed_scopes: string[];
  redirect_uris: string[];
  grant_types: string[];
  created_at: ColumnType<Date, Date | undefined, never>;
}

export interface UserTable {
  id: string;
  username: string;
  password_hash: string;
  created_at: ColumnType<Date, Date | undefined, never>;
}

export interface AuthorizationCodeTable {
  /** SHA-256 of the code: the code itself is never stored. */
  code_hash: string;
  client_id: string;
  user_id: string;
  redirect_uri: string;
  scopes: string[];
  code_challenge: string;
  code_challenge_method: string;
  expires_at: Date;
  consumed_at: Date | null;
}

export interface RefreshTokenTable {
  /** SHA-256 of the token. */
  token_hash: string;
  /** The grant (login) this token belongs to; every rotation keeps it, revocation kills the whole grant. */
  grant_id: string;
  client_id: string;
  user_id: string;
  scopes: string[];
  expires_at: Date;
  revoked_at: Date | null;
  created_at: ColumnType<Date, Date | undefined, never>;
}

/** Revoked access-token ids (`jti`) and grant ids (`gid`), kept until the last token they cover expires. */
export interface RevocationTable {
  id: string;
  kind: 'token' | 'grant';
  expires_at: Date;
  revoked_at: ColumnType<Date, Date | undefined, never>;
}
