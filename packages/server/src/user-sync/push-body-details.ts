import type { FastifyRequest } from 'fastify';
import { MALFORMED_JSON, malformedJsonReason } from './json-body.js';

/**
 * The `details` of a push refused before any mutation is looked at. QF answers every body that is not a
 * batch with the same `Invalid mutations` (clients match on it, so it stays); `details` says which of the
 * many ways it failed, so a person reading the answer can fix the request. Undefined when the body is a
 * batch of the right size: the message then already names the mutation and the field.
 */
export function pushBodyDetails(request: FastifyRequest, maxMutations: number): string | undefined {
  const body = request.body;
  if (body === MALFORMED_JSON) return clip(malformedJsonReason(request) ?? 'body is not valid JSON');
  if (body === undefined || body === null) return 'the request has no body: send {"mutations": [...]} as application/json';
  if (typeof body !== 'object' || Array.isArray(body)) return `body is ${kindOf(body)}, not an object {"mutations": [...]}`;
  if (!Object.hasOwn(body, 'mutations')) {
    const keys = Object.keys(body);
    return `body has no "mutations" key${keys.length > 0 ? ` (it has ${clip(keys.map((k) => JSON.stringify(k)).join(', '))})` : ''}`;
  }
  const mutations = (body as { mutations: unknown }).mutations;
  if (!Array.isArray(mutations)) return `"mutations" is ${kindOf(mutations)}, not an array`;
  if (mutations.length === 0) return '"mutations" must contain at least one item';
  if (mutations.length > maxMutations) return `"mutations" has ${mutations.length} items; push at most ${maxMutations} per request`;
  return undefined;
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  return `a ${typeof value}`;
}

/** Reasons may quote the client's own input: kept short. */
function clip(text: string): string {
  return text.length > 200 ? `${text.slice(0, 197)}...` : text;
}
