/** Base64 of a string's UTF-8 bytes with `btoa`, which exists in browsers, workers, Node 16+ and Deno. */
export function base64Utf8(text: string): string {
  const bytes = new TextEncoder().encode(text);
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

/** base64url without padding (RFC 4648 §5), for PKCE. */
export function base64Url(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/**
 * `Authorization: Basic` value for client credentials. RFC 6749 §2.3.1 form-encodes id and secret before
 * base64; for the usual unreserved-character ids and secrets that changes nothing.
 */
export function basicAuthorization(clientId: string, clientSecret: string): string {
  const encode = (value: string): string => encodeURIComponent(value).replace(/%20/g, '+');
  return `Basic ${base64Utf8(`${encode(clientId)}:${encode(clientSecret)}`)}`;
}
