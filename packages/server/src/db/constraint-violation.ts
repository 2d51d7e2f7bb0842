/**
 * True when `error` is PostgreSQL's unique_violation (SQLSTATE 23505) on the index or constraint `name`. Both
 * drivers (pg, PGlite) report the violated constraint by name.
 */
export function isUniqueViolation(error: unknown, name: string): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code, constraint } = error as { code?: unknown; constraint?: unknown };
  return code === '23505' && constraint === name;
}
