import OAuth2Server from '@node-oauth/oauth2-server';
import { isKnownScope, scopeGrants } from '@quran-sync/protocol';
import { decodeJwt } from 'jose';
import { signAccessToken } from '../access-token-signer.js';
import { consumeAuthorizationCode, findAuthorizationCode } from './authorization-code-repository.js';
import type { ClientAuthAttempt } from './client-auth-throttle.js';
import type { OAuthClientRecord } from './client-repository.js';
import { createGrant, revokeGrant } from './grant-repository.js';
import { signIdToken } from './id-token.js';
import type { IssuerDependencies } from './issuer-dependencies.js';
import { generateOpaqueToken } from './opaque-token.js';
import { findRefreshToken, retireRefreshToken, saveRefreshToken } from './refresh-token-repository.js';

/**
 * The "user" object @node-oauth/oauth2-server passes between model calls. It carries the grant (login)
 * context too, so that signing the access token can stamp its `gid`, and storing the refresh token can
 * keep the grant's consented scopes even when a refresh narrows the access token's scopes.
 */
export interface IssuerUser {
  /** null for client-credentials tokens. */
  readonly id: string | null;
  readonly grantId: string | null;
  readonly grantScopes: readonly string[];
  readonly authTime: Date | null;
  readonly nonce: string | null;
  /** True on an authorization-code exchange: the grant row is created when its tokens are saved. */
  readonly newGrant: boolean;
}

export interface IssuerClient extends OAuth2Server.Client {
  readonly record: OAuthClientRecord;
}

/** What `saveToken` returns and the token endpoint turns into the response body. */
export interface IssuedTokens extends OAuth2Server.Token {
  readonly scope: string[];
  /** `exp` of the access token (epoch seconds). */
  readonly accessTokenExp: number;
  readonly idToken: string | null;
}

/** Codes are stored by our authorization endpoint, never by the library, hence no `saveAuthorizationCode`. */
export type IssuerModel = Omit<OAuth2Server.AuthorizationCodeModel, 'saveAuthorizationCode'> &
  OAuth2Server.RefreshTokenModel &
  OAuth2Server.ClientCredentialsModel;

const CLIENT_USER: IssuerUser = { id: null, grantId: null, grantScopes: [], authTime: null, nonce: null, newGrant: false };

/**
 * The persistence and token-format half of the OAuth2 grant flows; the library runs the protocol half
 * (parameter checks, PKCE verification, redirect-URI binding, expiry checks, refresh rotation order).
 * The library hands `getClient` no request, so the throttle of the request being served comes through
 * `currentAttempt`.
 *
 * Replay rules enforced here (RFC 6819 §5.2.2.3, OAuth 2.0 Security BCP §4.14):
 * - an authorization code works once; presenting a used code again revokes the grant it started;
 * - a refresh token works once (rotation); presenting a rotated token again revokes its whole grant,
 *   because either the client or an attacker holds a stolen copy and we cannot tell which.
 */
export function createOAuth2Model(deps: IssuerDependencies, currentAttempt: () => ClientAuthAttempt | undefined = () => undefined): IssuerModel {
  const revoke = async (grantId: string, reason: string): Promise<void> => {
    deps.log.warn({ grantId, reason }, 'oauth2 grant revoked');
    await revokeGrant(deps.db, deps.revocations, grantId, deps.accessTokenTtlSeconds);
  };

  return {
    async getClient(clientId: string, clientSecret: string | null | undefined) {
      const record = await deps.clients.authenticate(clientId, clientSecret ?? null, currentAttempt());
      if (!record) return null;
      const client: IssuerClient = { id: record.id, grants: [...record.grantTypes], redirectUris: [...record.redirectUris], record };
      return client;
    },

    async getUserFromClient() {
      return { ...CLIENT_USER };
    },

    async validateScope(_user: OAuth2Server.User, client: OAuth2Server.Client, scope?: string[]) {
      const requested = [...new Set(scope ?? [])];
      if (requested.length === 0) throw new OAuth2Server.InvalidScopeError('Missing parameter: `scope`');
      const unknown = requested.filter((s) => !isKnownScope(s));
      if (unknown.length > 0) throw new OAuth2Server.InvalidScopeError(`Unknown scope: ${unknown.join(' ')}`);
      const allowed = (client as IssuerClient).record.allowedScopes;
      const refused = requested.filter((s) => !scopeGrants(allowed, s));
      if (refused.length > 0) throw new OAuth2Server.InvalidScopeError(`Scope not allowed for this client: ${refused.join(' ')}`);
      return requested;
    },

    async getAuthorizationCode(code: string) {
      const record = await findAuthorizationCode(deps.db, code);
      if (!record) return null;
      if (record.consumedAt) {
        await revoke(record.grantId, 'authorization code replayed');
        return null;
      }
      const user: IssuerUser = {
        id: record.userId,
        grantId: record.grantId,
        grantScopes: record.scopes,
        authTime: record.authTime,
        nonce: record.nonce,
        newGrant: true,
      };
      return {
        authorizationCode: code,
        expiresAt: record.expiresAt,
        redirectUri: record.redirectUri,
        scope: [...record.scopes],
        client: { id: record.clientId, grants: [] },
        user,
        codeChallenge: record.codeChallenge,
        codeChallengeMethod: record.codeChallengeMethod,
        grantId: record.grantId,
      };
    },

    async revokeAuthorizationCode(code: OAuth2Server.AuthorizationCode) {
      if (await consumeAuthorizationCode(deps.db, code.authorizationCode)) return true;
      // Lost a race with another exchange of the same code: that is a replay too.
      await revoke((code.user as IssuerUser).grantId!, 'authorization code exchanged twice concurrently');
      return false;
    },

    async getRefreshToken(refreshToken: string) {
      const record = await findRefreshToken(deps.db, refreshToken);
      if (!record) return null;
      if (record.grantRevokedAt) return null;
      if (record.revokedAt) {
        await revoke(record.grantId, 'rotated refresh token reused');
        return null;
      }
      const user: IssuerUser = {
        id: record.userId,
        grantId: record.grantId,
        grantScopes: record.scopes,
        authTime: record.authTime,
        nonce: null,
        newGrant: false,
      };
      return {
        refreshToken,
        refreshTokenExpiresAt: record.expiresAt,
        scope: [...record.scopes],
        client: { id: record.clientId, grants: [] },
        user,
      };
    },

    async revokeToken(token: OAuth2Server.RefreshToken | OAuth2Server.Token) {
      if (await retireRefreshToken(deps.db, token.refreshToken!)) return true;
      await revoke((token.user as IssuerUser).grantId!, 'refresh token used twice concurrently');
      return false;
    },

    async generateAccessToken(client: OAuth2Server.Client, user: OAuth2Server.User, scope: string[]) {
      const u = user as IssuerUser;
      const signed = await signAccessToken(deps.keys, {
        issuer: deps.issuer,
        clientId: client.id,
        userId: u.id,
        scopes: scope,
        ttlSeconds: deps.accessTokenTtlSeconds,
        grantId: u.grantId,
      });
      return signed.token;
    },

    // Only logins that asked for `offline_access` get a refresh token; the library then omits it.
    async generateRefreshToken(_client: OAuth2Server.Client, user: OAuth2Server.User) {
      const u = user as IssuerUser;
      return (u.id !== null && u.grantScopes.includes('offline_access') ? generateOpaqueToken() : undefined) as string;
    },

    async saveToken(token: OAuth2Server.Token, client: OAuth2Server.Client, user: OAuth2Server.User) {
      const u = user as IssuerUser;
      if (u.id !== null && u.grantId !== null) {
        if (u.newGrant)
          await createGrant(deps.db, { id: u.grantId, clientId: client.id, userId: u.id, scopes: u.grantScopes, authTime: u.authTime ?? new Date() });
        if (token.refreshToken && token.refreshTokenExpiresAt) {
          // The new refresh token keeps the grant's scopes (RFC 6749 §6), whatever the access token narrowed to.
          await saveRefreshToken(deps.db, token.refreshToken, {
            grantId: u.grantId,
            clientId: client.id,
            userId: u.id,
            scopes: u.grantScopes,
            expiresAt: token.refreshTokenExpiresAt,
          });
        }
      }
      const scope = [...(token.scope ?? [])];
      const idToken =
        u.id !== null && scope.includes('openid')
          ? await signIdToken(deps.keys, {
              issuer: deps.issuer,
              clientId: client.id,
              userId: u.id,
              accessToken: token.accessToken,
              ttlSeconds: deps.accessTokenTtlSeconds,
              authTime: u.authTime,
              nonce: u.nonce,
            })
          : null;
      const issued: IssuedTokens = { ...token, scope, client, user, accessTokenExp: decodeJwt(token.accessToken).exp!, idToken };
      return issued;
    },

    // Bearer-token authentication is done by our own guard, never through the library.
    async getAccessToken() {
      return null;
    },
  };
}
