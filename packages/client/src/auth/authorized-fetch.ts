import type { TokenProvider } from './token-provider.js';

export type FetchLike = (input: Parameters<typeof fetch>[0], init?: RequestInit) => Promise<Response>;

/**
 * `fetch` that authenticates each call the way the QF APIs want (`x-auth-token` + `x-client-id`) and, when
 * the server answers 401, asks the provider for a new token and retries exactly once (a token revoked or
 * rotated away meanwhile). A second 401 is returned to the caller: retrying further would loop.
 *
 * The retry resends the body, so bodies must be re-readable (string, URLSearchParams, ArrayBuffer, Blob,
 * FormData); a stream body is sent once and a 401 answer to it is returned as is.
 */
export function authorizedFetch(provider: TokenProvider, options: { fetch?: FetchLike } = {}): FetchLike {
  const fetchImpl: FetchLike = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  return async (input, init) => {
    const replayable = !(init?.body instanceof ReadableStream) && !(input instanceof Request && input.body !== null && init?.body === undefined);
    const send = async (accessToken: string, clientId: string): Promise<Response> => {
      const headers = new Headers(input instanceof Request ? input.headers : undefined);
      new Headers(init?.headers).forEach((value, name) => {
        headers.set(name, value);
      });
      headers.set('x-auth-token', accessToken);
      headers.set('x-client-id', clientId);
      return fetchImpl(input instanceof Request ? input.clone() : input, { ...init, headers });
    };
    const first = await provider.getToken();
    const response = await send(first.accessToken, first.clientId);
    if (response.status !== 401 || !replayable) return response;
    provider.invalidate();
    const second = await provider.getToken();
    if (second.accessToken === first.accessToken) return response;
    await response.body?.cancel();
    return send(second.accessToken, second.clientId);
  };
}
