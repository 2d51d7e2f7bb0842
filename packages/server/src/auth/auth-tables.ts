import type { ColumnType } from 'kysely';

/** Tables of the built-in OAuth2 issuer (migration 0001-auth). */
export interface AuthTables {
  oauth_clients: OAuthClientTable;
  users: UserTable;
  oauth_grants: GrantTable;
  oauth_authorization_codes: AuthorizationCodeTable;
  oauth_refresh_tokens: RefreshTokenTable;
  oauth_revocations: RevocationTable;
}

export interface OAuthClientTable {
  id: string;
  name: string;
  /** scrypt hash (`scrypt$N$r$p$salt$hash`); null for public clients, which authenticate by PKCE only. */
  secret_hash: string | null;
  allowed_scopes: string[];
  redirect_uris: string[];
  grant_types: string[];
  created_at: ColumnType<Date, Date | undefined, never>;
}

export interface UserTable {
  id: string;
  username: string;
  /** scrypt hash (`scrypt$N$r$p$salt$hash`). */
  password_hash: string;
  created_at: ColumnType<Date, Date | undefined, never>;
}

/** A login: the family of refresh tokens (and the access tokens, via `gid`) one authorization started. */
export interface GrantTable {
  id: string;
  client_id: string;
  user_id: string;
  /** Scopes the user consented to; refreshed access tokens may narrow them, never widen. */
  scopes: string[];
  auth_time: Date;
  created_at: ColumnType<Date, Date | undefined, never>;
  revoked_at: Date | null;
}

export interface AuthorizationCodeTable {
  /** SHA-256 of the code: the code itself is never stored. */
  code_hash: string;
  /** The grant the exchange will start (known up front so that replaying the code can revoke it). */
  grant_id: string;
  client_id: string;
  user_id: string;
  redirect_uri: string;
  scopes: string[];
  code_challenge: string;
  code_challenge_method: string;
  /** OIDC `nonce` of the authorization request, echoed in the ID token. */
  nonce: string | null;
  auth_time: Date;
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
  /** Set when the token is rotated (used) or its grant revoked; presenting it again is reuse. */
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
