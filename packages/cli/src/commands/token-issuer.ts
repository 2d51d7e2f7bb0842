import type { KeyRing } from '@quran-sync/server';

export interface TokenIssuerSources {
  /** `--issuer` / `QS_ISSUER`: wins over everything. */
  readonly configured: string | null;
  /** `--url`: a running server, whose discovery document names its issuer. */
  readonly serverUrl: string | null;
  /** The key file the token is signed with: the issuer its servers recorded in it, if any. */
  readonly keys: KeyRing;
  readonly keysFile: string;
  /** What a server would propose for a key file without a recorded issuer (`QS_PUBLIC_URL`, else http://HOST:PORT). */
  readonly fallback: string;
  readonly fetch?: typeof fetch;
}

export interface TokenIssuer {
  readonly issuer: string;
  /** Something the user should know (printed on stderr), or null. */
  readonly warning: string | null;
}

/**
 * The `iss` a CLI-minted token must carry to be accepted: the one the server settled on, which it records in
 * the key file (auth/deployment-issuer.ts in the server). Computing it from HOST and PORT, as before, gave
 * tokens every server on another port refused.
 */
export async function resolveTokenIssuer(sources: TokenIssuerSources): Promise<TokenIssuer> {
  if (sources.configured) return { issuer: sources.configured, warning: null };
  if (sources.serverUrl) return fromDiscovery(sources.serverUrl, sources.keys, sources.fetch ?? fetch);
  if (sources.keys.issuer) return { issuer: sources.keys.issuer, warning: null };
  return {
    issuer: sources.fallback,
    warning:
      `no issuer is recorded in ${sources.keysFile} yet (no server of this version has started with it): ` +
      `signing for ${sources.fallback}; pass --url <server> or --issuer if the server uses another one`,
  };
}

async function fromDiscovery(serverUrl: string, keys: KeyRing, fetchImpl: typeof fetch): Promise<TokenIssuer> {
  const base = serverUrl.replace(/\/+$/, '');
  const discoveryUrl = `${base}/.well-known/openid-configuration`;
  let response: Response;
  try {
    response = await fetchImpl(discoveryUrl, { headers: { accept: 'application/json' }, signal: AbortSignal.timeout(10_000) });
  } catch (error) {
    throw new Error(`cannot reach ${discoveryUrl}: ${(error as Error).message}`);
  }
  if (response.status !== 200) {
    throw new Error(`${discoveryUrl} answered ${response.status}: is --url a Quran Sync server with its built-in issuer (QS_AUTH_MODE=builtin)?`);
  }
  const document = (await response.json().catch(() => null)) as { issuer?: unknown; jwks_uri?: unknown } | null;
  if (!document || typeof document.issuer !== 'string' || document.issuer.length === 0) throw new Error(`${discoveryUrl} names no issuer`);
  return { issuer: document.issuer, warning: await keyWarning(document.jwks_uri, keys, fetchImpl) };
}

/** The server publishes the keys it verifies with: a token signed with another one will be refused. */
async function keyWarning(jwksUri: unknown, keys: KeyRing, fetchImpl: typeof fetch): Promise<string | null> {
  if (typeof jwksUri !== 'string') return null;
  try {
    const response = await fetchImpl(jwksUri, { headers: { accept: 'application/json' }, signal: AbortSignal.timeout(10_000) });
    const jwks = (await response.json()) as { keys?: Array<{ kid?: unknown }> };
    if (!Array.isArray(jwks.keys) || jwks.keys.some((k) => k.kid === keys.active.kid)) return null;
    return `the server does not publish signing key ${keys.active.kid}: it uses another key file, or was not restarted after \`quran-sync keys rotate\`; it will refuse this token`;
  } catch {
    return null; // only a hint: the token is still printed
  }
}
