import { createRemoteJWKSet, customFetch, errors as joseErrors, type JWTVerifyGetKey } from 'jose';

export interface RemoteKeySetOptions {
  /** Least time between two fetches caused by tokens naming a `kid` the cached keys do not have. */
  readonly unknownKidRefetchIntervalMs: number;
  /** Keys older than this are fetched again before use. */
  readonly cacheMaxAgeMs: number;
  readonly fetch?: typeof fetch;
}

/**
 * An external issuer's JWKS, fetched when first needed, again when older than `cacheMaxAgeMs`, and again
 * when a token names an unknown `kid`, which is how a rotation shows: the issuer publishes a new key and
 * signs with it at once.
 *
 * jose's own policy refuses unknown kids for `cooldownDuration` after *any* fetch, so a key rotated in
 * just after a fetch (the first token of the day, say) was refused for 30 s. Here jose never refetches by
 * itself; instead an unknown kid causes
 * - no fetch when the keys were fetched after the token arrived (they are current: the kid is unknown);
 * - no new fetch when one is in flight: the token waits for it (a burst right after a rotation costs one);
 * - otherwise a fetch right away, unless an unknown kid already caused one less than
 *   `unknownKidRefetchIntervalMs` ago: then the token is refused (401). Tokens with made-up kids thus cost
 *   the issuer at most one fetch per interval, however many arrive.
 */
export function createRemoteKeySet(url: URL, options: RemoteKeySetOptions): JWTVerifyGetKey {
  const fetchImpl = options.fetch ?? fetch;
  let lastFetchStartedAt = Number.NEGATIVE_INFINITY;
  let lastUnknownKidFetchAt = Number.NEGATIVE_INFINITY;
  const remote = createRemoteJWKSet(url, {
    cooldownDuration: Number.POSITIVE_INFINITY,
    cacheMaxAge: options.cacheMaxAgeMs,
    [customFetch]: (resource, init) => {
      lastFetchStartedAt = performance.now();
      return fetchImpl(resource, init);
    },
  });

  return async (protectedHeader, token) => {
    const arrivedAt = performance.now();
    try {
      return await remote(protectedHeader, token);
    } catch (error) {
      if (!(error instanceof joseErrors.JWKSNoMatchingKey)) throw error;
      if (remote.reloading) {
        await remote.reload();
        try {
          return await remote(protectedHeader, token);
        } catch (retryError) {
          if (!(retryError instanceof joseErrors.JWKSNoMatchingKey)) throw retryError;
        }
      }
      if (lastFetchStartedAt >= arrivedAt) throw error;
      const now = performance.now();
      if (now - lastUnknownKidFetchAt < options.unknownKidRefetchIntervalMs) throw error;
      lastUnknownKidFetchAt = now;
      await remote.reload();
      return remote(protectedHeader, token);
    }
  };
}
