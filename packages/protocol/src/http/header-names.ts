/** Header names of the wire contract, lower-case as Node presents them. */
export const HEADERS = {
  authToken: 'x-auth-token',
  clientId: 'x-client-id',
  authorization: 'authorization',
  requestId: 'x-request-id',
  mutationAt: 'x-mutation-at',
  /** Extension on push answers: how many mutations the push recorded, side effects included. */
  mutationsRecorded: 'x-mutations-recorded',
  idempotencyKey: 'idempotency-key',
  retryAfter: 'retry-after',
  etag: 'etag',
  ifNoneMatch: 'if-none-match',
} as const;

/** URL prefixes each API answers under (spec README, "URL layout"). */
export const API_PREFIXES = {
  content: ['/content/api/v4', '/api/v4'],
  user: ['/auth/v1', '/v1'],
  oauth2: '/oauth2',
  admin: '/admin/v1',
} as const;

/** Links the content API returns are relative and start with this prefix, as QF's do. */
export const CONTENT_LINK_PREFIX = '/api/v4';
