/**
 * Recognises errors that mean "a backing service (the database, an external issuer) cannot be reached right now" (connection refused or reset,
 * server shutting down or starting, pool timeout), which the server answers with 503 + Retry-After
 * rather than 500: the client did nothing wrong and should simply retry.
 */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH']);
// PostgreSQL SQLSTATE classes 08 (connection exception) and 57P0x (operator intervention), 53300 (too many connections).
const SQLSTATE = /^(08...|57P0[1-4]|53300)$/;
const MESSAGES = [
  'Connection terminated',
  'timeout exceeded when trying to connect',
  'Client has encountered a connection error',
  'Connection terminated unexpectedly',
  'the database system is starting up',
  'the database system is shutting down',
  'Client was closed and is not queryable',
  'Cannot use a pool after calling end on the pool',
  'driver has already been destroyed',
];

/** Thrown when a service we depend on (an external token issuer, Redis) cannot be reached. */
export class DependencyUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DependencyUnavailableError';
  }
}

export function isDependencyUnavailableError(error: unknown): boolean {
  if (error instanceof DependencyUnavailableError) return true;
  for (let e: unknown = error, depth = 0; e && depth < 5; depth++) {
    const err = e as { code?: unknown; message?: unknown; cause?: unknown };
    if (typeof err.code === 'string' && (NETWORK_CODES.has(err.code) || SQLSTATE.test(err.code))) return true;
    if (typeof err.message === 'string' && MESSAGES.some((m) => (err.message as string).includes(m))) return true;
    e = err.cause;
  }
  return false;
}
