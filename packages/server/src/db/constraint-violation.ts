/** SQLSTATE of an error from either driver (pg, PGlite), when it has one. */
function sqlState(error: unknown): string | undefined {
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  return typeof code === 'string' ? code : undefined;
}

/**
 * True when `error` is PostgreSQL's unique_violation (SQLSTATE 23505) on the index or constraint `name`. Both
 * drivers report the violated constraint by name.
 */
export function isUniqueViolation(error: unknown, name: string): boolean {
  return sqlState(error) === '23505' && (error as { constraint?: unknown }).constraint === name;
}

/** True for any integrity constraint violation (SQLSTATE class 23): unique, foreign key, not null, check. */
export function isIntegrityViolation(error: unknown): boolean {
  return sqlState(error)?.startsWith('23') ?? false;
}
