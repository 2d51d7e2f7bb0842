import type { FastifyInstance } from 'fastify';
import { bodyInputProblem, markBodyChecked } from '../http/request-input-guard.js';

/**
 * The App State JSON body parser. A body it cannot accept parses to {@link MALFORMED_BODY}, so the route
 * answers 400 `invalid_json` in the App State envelope rather than the framework's error. Besides malformed
 * JSON that is: a value nested deeper than 64 containers (QF's limit, counted from the value itself), a lone
 * surrogate, or a number too large for a double (`1e999` would be stored as `null`). NUL characters are
 * accepted inside the value: it is stored as JSON text, where they stay escaped.
 */
export const MALFORMED_BODY: unique symbol = Symbol('unusable App State body');

export function installAppStateJsonParser(app: FastifyInstance): void {
  const parse = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    if (typeof body !== 'string' || body.trim() === '') {
      done(null, undefined);
      return;
    }
    parse(request, body, (error, value) => {
      if (error || bodyProblem(value)) return done(null, MALFORMED_BODY);
      markBodyChecked(value);
      done(null, value);
    });
  });
}

function bodyProblem(body: unknown): boolean {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return bodyInputProblem(body) !== null;
  const { value, ...rest } = body as Record<string, unknown>;
  return bodyInputProblem(rest) !== null || valueProblem(value);
}

/** Nesting, lone surrogates and non-finite numbers, walked without recursion (the input may be hostile). */
function valueProblem(value: unknown): boolean {
  const values: unknown[] = [value];
  const depths: number[] = [1];
  while (values.length > 0) {
    const v = values.pop();
    const depth = depths.pop()!;
    if (typeof v === 'string') {
      if (!isWellFormed(v)) return true;
      continue;
    }
    if (typeof v === 'number') {
      if (!Number.isFinite(v)) return true;
      continue;
    }
    if (v === null || typeof v !== 'object') continue;
    if (depth > 64) return true;
    for (const [k, child] of Array.isArray(v) ? v.entries() : Object.entries(v as Record<string, unknown>)) {
      if (typeof k === 'string' && !isWellFormed(k)) return true;
      values.push(child);
      depths.push(depth + 1);
    }
  }
  return false;
}

const isWellFormed = (s: string): boolean => (s as string & { isWellFormed(): boolean }).isWellFormed();
