import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';

/**
 * Checks real answers against the served `/openapi.json`: the status is listed for the operation, the
 * Content-Type is one the listed answer names (none for a bodiless answer), and the body is valid against
 * that media type's schema. Objects in the schemas are checked CLOSED (no key beyond the documented ones,
 * unless the schema says otherwise), so a key a handler adds without documenting it fails as well.
 */
interface DocumentedAnswer {
  readonly description: string;
  readonly content?: Record<string, { schema?: unknown }>;
}

interface DocumentedOperation {
  readonly security?: unknown[];
  readonly responses?: Record<string, DocumentedAnswer>;
}

export interface CheckedAnswer {
  readonly status: number;
  readonly contentType: string | null;
  readonly text: string;
}

const METHODS = ['get', 'post', 'put', 'patch', 'delete'];

export class OpenApiAnswerCheck {
  /** `METHOD /path/{template}` of every operation in the document. */
  readonly operations: readonly string[];
  private readonly byKey = new Map<string, DocumentedOperation>();
  private readonly answered = new Map<string, Set<number>>();
  private readonly validators = new Map<string, ValidateFunction>();
  private readonly ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });
  readonly problems: string[] = [];

  constructor(doc: { paths: Record<string, Record<string, DocumentedOperation>> }) {
    for (const [path, methods] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(methods)) if (METHODS.includes(method)) this.byKey.set(`${method.toUpperCase()} ${path}`, op);
    }
    this.operations = [...this.byKey.keys()];
  }

  isSecured(key: string): boolean {
    return (this.byKey.get(key)?.security ?? []).length > 0;
  }

  /** Records the answer of operation `key` and any way in which it departs from the document. */
  check(key: string, answer: CheckedAnswer): void {
    const op = this.byKey.get(key);
    const what = `${key} → ${answer.status}`;
    if (!op) return void this.problems.push(`${what}: no such operation in the document`);
    const seen = this.answered.get(key) ?? new Set<number>();
    seen.add(answer.status);
    this.answered.set(key, seen);
    const documented = op.responses?.[String(answer.status)];
    if (!documented) return void this.problems.push(`${what}: status not documented (documented: ${Object.keys(op.responses ?? {}).join(', ')})`);
    const media = answer.contentType ? answer.contentType.split(';')[0]!.trim().toLowerCase() : null;
    if (!documented.content) {
      if (answer.text !== '') this.problems.push(`${what}: documented without a body, answered ${media}: ${answer.text.slice(0, 200)}`);
      return;
    }
    const entry = Object.entries(documented.content).find(([type]) => type.split(';')[0]!.trim().toLowerCase() === media);
    if (!entry) return void this.problems.push(`${what}: Content-Type ${media} not documented (documented: ${Object.keys(documented.content).join(', ')})`);
    const [type, { schema }] = entry;
    if (schema === undefined) return void this.problems.push(`${what}: ${type} has no schema`);
    let body: unknown = answer.text;
    if (media === 'application/json') {
      try {
        body = JSON.parse(answer.text);
      } catch {
        return void this.problems.push(`${what}: body is not JSON: ${answer.text.slice(0, 200)}`);
      }
    }
    const validate = this.validator(`${key} ${answer.status} ${type}`, schema);
    if (!validate(body)) {
      const errors = (validate.errors ?? [])
        .slice(0, 5)
        .map(
          (e) =>
            `${e.instancePath || '/'} ${e.message ?? ''}${e.params && 'additionalProperty' in e.params ? ` (${String(e.params.additionalProperty)})` : ''}`,
        );
      this.problems.push(`${what}: body invalid against the ${type} schema: ${errors.join('; ')} — ${answer.text.slice(0, 300)}`);
    }
  }

  /** Operations no request reached. */
  unexercised(): string[] {
    return this.operations.filter((key) => !this.answered.has(key));
  }

  /** Operations answered only with successes (no error answer was exercised). */
  withoutErrorAnswer(): string[] {
    return this.operations.filter((key) => ![...(this.answered.get(key) ?? [])].some((s) => s >= 400));
  }

  /** Operations answered only with errors. */
  withoutSuccessAnswer(): string[] {
    return this.operations.filter((key) => ![...(this.answered.get(key) ?? [])].some((s) => s < 400));
  }

  private validator(id: string, schema: unknown): ValidateFunction {
    let validate = this.validators.get(id);
    if (!validate) {
      validate = this.ajv.compile(closeObjects(schema) as object);
      this.validators.set(id, validate);
    }
    return validate;
  }
}

/** A copy of `schema` where objects that list properties and say nothing about others allow no others. */
export function closeObjects(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(closeObjects);
  if (schema === null || typeof schema !== 'object') return schema;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(schema)) out[k] = k === 'enum' || k === 'const' || k === 'examples' || k === 'default' ? v : closeObjects(v);
  if (out.properties && typeof out.properties === 'object' && out.additionalProperties === undefined && out.patternProperties === undefined)
    out.additionalProperties = false;
  return out;
}
