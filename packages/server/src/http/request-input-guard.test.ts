import { describe, expect, it } from 'vitest';
import { bodyInputProblem, MAX_BODY_DEPTH } from './request-input-guard.js';

describe('bodyInputProblem', () => {
  const nest = (depth: number): unknown => (depth === 0 ? 'leaf' : depth % 2 ? [nest(depth - 1)] : { a: nest(depth - 1) });

  it('passes ordinary bodies and refuses NUL and lone surrogates in any string or key, however deep', () => {
    expect(bodyInputProblem({ mutations: [{ type: 'CREATE', data: { body: 'سلام 😀', ranges: ['1:1'] } }] })).toBeNull();
    expect(bodyInputProblem({ a: [{ b: ['x', 'y\u0000'] }] })).toMatch(/NUL/);
    expect(bodyInputProblem({ a: [{ 'k\u0000': 1 }] })).toMatch(/NUL/);
    expect(bodyInputProblem([1, { c: 'abc\ud800' }])).toMatch(/surrogate/);
    expect(bodyInputProblem('plain')).toBeNull();
  });

  it(`refuses nesting deeper than ${MAX_BODY_DEPTH} levels, objects and arrays alike`, () => {
    expect(bodyInputProblem(nest(MAX_BODY_DEPTH))).toBeNull();
    expect(bodyInputProblem(nest(MAX_BODY_DEPTH + 1))).toMatch(/nests deeper/);
  });
});
