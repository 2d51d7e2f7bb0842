/**
 * Outcome of validating one resource payload: the normalised value, or the first field at fault and why.
 * Sync pushes turn a failure into `Invalid <field> at mutation[i]`; direct endpoints into `Invalid <field>`.
 */
export type FieldResult<T> = { readonly ok: true; readonly value: T } | FieldProblem;

export interface FieldProblem {
  readonly ok: false;
  readonly field: string;
  readonly problem: 'missing' | 'invalid';
}

export const ok = <T>(value: T): FieldResult<T> => ({ ok: true, value });
export const missing = (field: string): FieldProblem => ({ ok: false, field, problem: 'missing' });
export const invalid = (field: string): FieldProblem => ({ ok: false, field, problem: 'invalid' });

/** `Missing key` / `Invalid verseNumber`, optionally followed by ` at mutation[i]`. */
export function fieldProblemMessage(problem: FieldProblem, index?: number): string {
  const base = `${problem.problem === 'missing' ? 'Missing' : 'Invalid'} ${problem.field}`;
  return index === undefined ? base : `${base} at mutation[${index}]`;
}

/** A JSON object (not an array, not null). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Own property, or undefined (never inherited, so `__proto__` tricks cannot inject values). */
export function own(data: Record<string, unknown>, key: string): unknown {
  return Object.hasOwn(data, key) ? data[key] : undefined;
}
