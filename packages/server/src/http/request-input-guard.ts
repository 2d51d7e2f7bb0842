import type { FastifyInstance } from 'fastify';

/**
 * Input no handler may ever see, refused for every route before validation (found by the fuzz tests in
 * `reliability/`, each of which answered 500 before):
 *
 * - a NUL character, in the URL (`%00`) or in any string or key of a body: PostgreSQL stores neither in
 *   `text` nor in `jsonb` (SQLSTATE 22021 / 22P05), so it surfaced as a database error;
 * - a string that is not well-formed Unicode (a lone surrogate, `"\ud800"`): `jsonb` refuses it (22P02);
 * - a body nested deeper than {@link MAX_BODY_DEPTH} levels: `JSON.parse` builds it without complaint, but
 *   every recursive walk afterwards (`JSON.stringify`, `isDeepStrictEqual`, request hashing for
 *   idempotency, PostgreSQL's `jsonb` input) overflows its stack. No request of the contract nests deeper
 *   than about 6 levels.
 *
 * The refusal is a 400 in the route's envelope (the error handler picks it). The user API's own JSON parser
 * applies {@link bodyInputProblem} too, so a push keeps answering malformed bodies in the sync envelope.
 */
export const MAX_BODY_DEPTH = 64;

/** Why a parsed body must be refused, or null. Iterative, so it cannot overflow on the input it guards against. */
export function bodyInputProblem(value: unknown): string | null {
  // Two parallel stacks, not one of {value, depth} objects: every push walks ~1,000 values.
  const values: unknown[] = [value];
  const depths: number[] = [0];
  while (values.length > 0) {
    const v = values.pop();
    const depth = depths.pop()!;
    if (typeof v === 'string') {
      const problem = stringProblem(v);
      if (problem) return problem;
      continue;
    }
    if (v === null || typeof v !== 'object') continue;
    if (depth >= MAX_BODY_DEPTH) return `Request body nests deeper than ${MAX_BODY_DEPTH} levels`;
    if (Array.isArray(v)) {
      for (const item of v) {
        values.push(item);
        depths.push(depth + 1);
      }
      continue;
    }
    for (const key in v) {
      if (!Object.hasOwn(v, key)) continue;
      const problem = stringProblem(key);
      if (problem) return problem;
      values.push((v as Record<string, unknown>)[key]);
      depths.push(depth + 1);
    }
  }
  return null;
}

/** `String.prototype.isWellFormed` (ES2024, in Node 20; not yet in the ES2023 lib this project compiles against). */
const isWellFormed = (s: string): boolean => (s as string & { isWellFormed(): boolean }).isWellFormed();

function stringProblem(s: string): string | null {
  if (s.includes('\u0000')) return 'Request body contains a NUL character';
  if (!isWellFormed(s)) return 'Request body contains a string that is not well-formed Unicode (lone surrogate)';
  return null;
}

/**
 * Bodies a parser already checked with {@link bodyInputProblem} (the user API's JSON parser does, to answer
 * in its own envelope): the hook below does not walk them a second time.
 */
const checkedBodies = new WeakSet<object>();

/** Records that `body` passed {@link bodyInputProblem}. */
export function markBodyChecked(body: unknown): void {
  if (typeof body === 'object' && body !== null) checkedBodies.add(body);
}

/** A client error the central error handler answers in the route's envelope. */
function badRequest(message: string): Error {
  return Object.assign(new Error(message), { statusCode: 400 });
}

export function installRequestInputGuard(app: FastifyInstance): void {
  app.addHook('onRequest', (request, _reply, done) => {
    if (/%00/i.test(request.url)) done(badRequest('URL contains a NUL character (%00)'));
    else done();
  });
  app.addHook('preValidation', async (request) => {
    const body: unknown = request.body;
    if (body === null || body === undefined || typeof body === 'symbol') return;
    if (typeof body === 'object' && checkedBodies.has(body)) return;
    const problem = bodyInputProblem(body);
    if (problem) throw badRequest(problem);
  });
}
