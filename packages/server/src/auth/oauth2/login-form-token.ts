import { createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * CSRF protection of the login form (double-submit cookie, signed). The GET sets a random cookie
 * (`SameSite=Lax`, so browsers do not send it with a cross-site POST) and embeds in the form a token that
 * is an HMAC over that cookie, an expiry and every parameter of the authorization request. The POST is
 * accepted only with the same cookie, an unexpired token and unchanged parameters: another site can
 * neither submit the form on the user's behalf nor swap the client, redirect URI, scopes or PKCE
 * challenge the user saw on the consent page.
 */
export const LOGIN_COOKIE = 'qs_oauth2_login';
export const LOGIN_FORM_TTL_S = 600;

export class LoginFormTokens {
  private readonly key: Buffer;

  constructor(secret: Buffer) {
    // A key of its own, derived from the server secret, so this MAC can never be confused with another.
    this.key = Buffer.from(hkdfSync('sha256', secret, Buffer.alloc(0), 'quran-sync/oauth2-login-form', 32));
  }

  newBrowserSecret(): string {
    return randomBytes(32).toString('base64url');
  }

  issue(browserSecret: string, bound: readonly (string | null)[], now = Date.now()): string {
    const expires = Math.floor(now / 1000) + LOGIN_FORM_TTL_S;
    return `${expires}.${this.mac(browserSecret, expires, bound)}`;
  }

  verify(token: string, browserSecret: string | null, bound: readonly (string | null)[], now = Date.now()): boolean {
    if (!browserSecret) return false;
    const match = /^(\d{1,12})\.([A-Za-z0-9_-]{43})$/.exec(token);
    if (!match) return false;
    const expires = Number(match[1]);
    if (expires * 1000 < now) return false;
    const expected = Buffer.from(this.mac(browserSecret, expires, bound), 'base64url');
    return timingSafeEqual(expected, Buffer.from(match[2]!, 'base64url'));
  }

  private mac(browserSecret: string, expires: number, bound: readonly (string | null)[]): string {
    return createHmac('sha256', this.key)
      .update(JSON.stringify([browserSecret, expires, ...bound]))
      .digest('base64url');
  }
}

/** The value of one cookie from a `Cookie` header (RFC 6265 §5.4 syntax), or null. */
export function readCookie(header: string | undefined, name: string): string | null {
  if (!header) return null;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim() || null;
  }
  return null;
}
