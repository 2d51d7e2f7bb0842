/** Hosts of the loopback interface, where RFC 8252 §7.3 lets native apps pick any port at run time. */
const LOOPBACK_HOSTS = new Set(['127.0.0.1', '[::1]', 'localhost']);

/**
 * Whether `requested` may be used as the redirect URI of a client that registered `registered`.
 *
 * Exact string comparison (RFC 6749 §3.1.2.3, OAuth 2.0 Security BCP §4.1.3: no prefix or pattern
 * matching), with one exception from RFC 8252 §7.3: for an `http` loopback URI the port may differ,
 * because native and development apps listen on whatever port is free. Everything else (scheme, host,
 * path, query) must still be identical, so a code can only ever go to the same machine the browser is on.
 * `localhost` is treated like the loopback addresses as many development setups register it.
 */
export function redirectUriMatches(requested: string, registered: readonly string[]): boolean {
  if (registered.includes(requested)) return true;
  const candidate = parseLoopback(requested);
  if (!candidate) return false;
  return registered.some((uri) => {
    const allowed = parseLoopback(uri);
    return allowed !== null && allowed.host === candidate.host && allowed.rest === candidate.rest;
  });
}

function parseLoopback(uri: string): { host: string; rest: string } | null {
  const match = /^http:\/\/(127\.0\.0\.1|\[::1\]|localhost)(?::(\d{1,5}))?(\/[^#]*)?$/.exec(uri);
  if (!match) return null;
  const port = match[2] === undefined ? null : Number(match[2]);
  if (port !== null && (port < 1 || port > 65535)) return null;
  if (!LOOPBACK_HOSTS.has(match[1]!)) return null;
  return { host: match[1]!, rest: match[3] ?? '/' };
}
