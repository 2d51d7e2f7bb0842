import { routeFamilyOf, type RouteFamily } from './error-envelope-check.js';

/** A JSON Schema as `/openapi.json` carries it (what the fuzzer reads of it). */
export interface JsonSchema {
  readonly type?: string | readonly string[];
  readonly enum?: readonly unknown[];
  readonly const?: unknown;
  readonly anyOf?: readonly JsonSchema[];
  readonly oneOf?: readonly JsonSchema[];
  readonly properties?: Readonly<Record<string, JsonSchema>>;
  readonly required?: readonly string[];
  readonly patternProperties?: Readonly<Record<string, JsonSchema>>;
  readonly items?: JsonSchema;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly minItems?: number;
  readonly maxItems?: number;
}

export interface OperationParameter {
  readonly name: string;
  readonly in: 'path' | 'query' | 'header';
  readonly required: boolean;
  readonly schema: JsonSchema;
}

/** One method + path of the public API, as the OpenAPI document describes it. */
export interface ApiOperation {
  readonly method: string;
  /** OpenAPI path template, e.g. `/v1/notes/{id}`. */
  readonly path: string;
  readonly family: RouteFamily;
  readonly parameters: readonly OperationParameter[];
  /** Media type → schema of the request body, when the operation documents one. */
  readonly body: Readonly<Record<string, JsonSchema>> | null;
  readonly secured: boolean;
}

interface OpenApiDocument {
  readonly paths: Record<
    string,
    Record<string, { parameters?: OperationParameter[]; requestBody?: { content: Record<string, { schema: JsonSchema }> }; security?: unknown[] }>
  >;
}

/** Every operation of the document (HEAD is left out: Fastify derives it from GET). */
export function operationsOf(doc: unknown): ApiOperation[] {
  const out: ApiOperation[] = [];
  for (const [path, methods] of Object.entries((doc as OpenApiDocument).paths)) {
    for (const [method, op] of Object.entries(methods)) {
      if (!['get', 'post', 'put', 'patch', 'delete'].includes(method)) continue;
      out.push({
        method: method.toUpperCase(),
        path,
        family: routeFamilyOf(path),
        parameters: (op.parameters ?? []).map((p) => ({ name: p.name, in: p.in, required: p.required === true, schema: p.schema ?? {} })),
        body: op.requestBody ? Object.fromEntries(Object.entries(op.requestBody.content).map(([type, c]) => [type, c.schema ?? {}])) : null,
        secured: Array.isArray(op.security) && op.security.length > 0,
      });
    }
  }
  return out;
}
