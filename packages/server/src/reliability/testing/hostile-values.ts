import fc from 'fast-check';
import type { JsonSchema } from './openapi-operations.js';

/**
 * fast-check arbitraries for hostile input: the values a careless or malicious client sends, alongside
 * values derived from a route's documented schema (so requests also get past the first check and reach
 * deeper code).
 */

/** Strings that have broken parsers, SQL, path handling and number conversion elsewhere. */
export const HOSTILE_STRINGS: readonly string[] = [
  '',
  ' ',
  '0',
  '-0',
  '-1',
  '1.5',
  '1e3',
  '1e309',
  '-1e309',
  'NaN',
  'Infinity',
  '0x10',
  '2147483648',
  '9007199254740993',
  '-9223372036854775809',
  '99999999999999999999999999999999',
  '9'.repeat(400),
  'null',
  'undefined',
  'true',
  '[]',
  '{}',
  '{"a":1}',
  '__proto__',
  'constructor',
  'prototype',
  '../../../../etc/passwd',
  '..%2f..%2f..%2fadmin',
  '%2e%2e%2f%2e%2e%2f',
  '%00',
  '\u0000',
  'a\u0000b',
  '\r\nX-Injected: 1',
  '\u202e\u0633\u0644\u0627\u0645',
  '\ud800',
  '\udfff\ud800',
  '𝕳𝖊𝖑𝖑𝖔',
  'ٱلْحَمْدُ لِلَّهِ',
  '🕋'.repeat(50),
  "' or 1=1 --",
  "'; drop table user_bookmarks; --",
  '$1',
  '%s%s%s%n',
  '<script>alert(1)</script>',
  '*',
  ':',
  ';',
  ',',
  'translations:*',
  'translations:0',
  'translations:-1',
  'translations:2147483648',
  'translations:1;translations:*',
  'nope:1',
  'x'.repeat(9_000),
];

/** Already-escaped URL fragments sent verbatim: invalid UTF-8, overlong encodings, broken escapes. */
export const RAW_ESCAPES: readonly string[] = ['%ED%A0%80', '%C0%AE%C0%AE%2F', '%FF%FE', '%zz', '%', '%%32%65', '%E2%80%AE'];

const hostileString: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...HOSTILE_STRINGS) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 40 }) },
  { weight: 1, arbitrary: fc.integer().map(String) },
  { weight: 1, arbitrary: fc.double().map(String) },
  { weight: 1, arbitrary: fc.bigInt({ min: -(2n ** 80n), max: 2n ** 80n }).map(String) },
);

/** JSON values of any type, with the boundary numbers JSON.parse produces from hostile text. */
export const hostileJsonValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom<unknown>(null, true, false, 0, -0, -1, 1.5, 2 ** 31, 2 ** 53 + 2, -(2 ** 63), 1e308, Number.MIN_VALUE, '', [], {}) },
  { weight: 3, arbitrary: hostileString },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  { weight: 1, arbitrary: fc.array(hostileString, { maxLength: 4 }) },
);

/**
 * Values for a JSON Schema: mostly valid ones (so validation passes and the handler runs), sometimes a
 * wrong-typed or boundary value in place of any node. Objects sometimes lose required keys or gain
 * unknown ones (`__proto__` included).
 */
export function schemaValue(schema: JsonSchema, depth = 0): fc.Arbitrary<unknown> {
  if (depth > 4) return hostileJsonValue;
  return fc.oneof({ weight: 6, arbitrary: validValue(schema, depth) }, { weight: 1, arbitrary: hostileJsonValue });
}

function validValue(schema: JsonSchema, depth: number): fc.Arbitrary<unknown> {
  if (schema.const !== undefined) return fc.constant(schema.const);
  if (schema.enum) return fc.constantFrom(...schema.enum);
  const alternatives = schema.anyOf ?? schema.oneOf;
  if (alternatives && alternatives.length > 0) return fc.oneof(...alternatives.map((s) => schemaValue(s, depth + 1)));
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  switch (type) {
    case 'string':
      return fc.oneof(
        fc.string({ minLength: schema.minLength ?? 0, maxLength: Math.min(schema.maxLength ?? 30, 30) }),
        fc.constantFrom('1', '1:1', '2:255', 'ayah', 'translations', '1:1-1:7', 'a note body', '__default__'),
      );
    case 'integer':
      return fc.integer({ min: schema.minimum ?? -10, max: Math.min(schema.maximum ?? 700, 700) });
    case 'number':
      return fc.double({ min: schema.minimum ?? -1e6, max: schema.maximum ?? 1e6, noNaN: true });
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'array':
      return fc.array(schemaValue(schema.items ?? {}, depth + 1), { minLength: schema.minItems ?? 0, maxLength: Math.min(schema.maxItems ?? 4, 4) });
    case 'object':
      return objectValue(schema, depth);
    default:
      return hostileJsonValue;
  }
}

function objectValue(schema: JsonSchema, depth: number): fc.Arbitrary<unknown> {
  const properties = schema.properties ?? {};
  const required = new Set(schema.required ?? []);
  const entries = Object.entries(properties).map(
    ([name, s]) => [name, fc.option(schemaValue(s, depth + 1), { nil: undefined, freq: required.has(name) ? 8 : 2 })] as const,
  );
  const record = fc.record(Object.fromEntries(entries) as Record<string, fc.Arbitrary<unknown>>);
  const patterned = schema.patternProperties ? Object.values(schema.patternProperties)[0] : undefined;
  const extras = fc.dictionary(
    fc.oneof(fc.constantFrom('__proto__', 'constructor', 'extra', 'data', 'id'), fc.string({ maxLength: 8 })),
    patterned ? schemaValue(patterned, depth + 1) : hostileJsonValue,
    { maxKeys: patterned ? 4 : 2 },
  );
  return fc.tuple(record, extras, fc.boolean()).map(([known, extra, withExtras]) => {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(known)) if (v !== undefined) out[k] = v;
    if (withExtras)
      for (const [k, v] of Object.entries(extra)) Object.defineProperty(out, k, { value: v, enumerable: true, configurable: true, writable: true });
    return out;
  });
}

/** Bodies nobody should send: the parsers and handlers must refuse them with a 4xx, never fall over. */
export const malformedBodies: readonly { readonly name: string; readonly contentType: string; readonly body: string }[] = [
  { name: 'truncated JSON', contentType: 'application/json', body: '{"mutations": [' },
  { name: 'trailing garbage', contentType: 'application/json', body: '{"a": 1} x' },
  { name: 'single quotes', contentType: 'application/json', body: "{'a': 1}" },
  { name: 'NaN literal', contentType: 'application/json', body: '{"a": NaN}' },
  { name: 'JSON string', contentType: 'application/json', body: '"just a string"' },
  { name: 'JSON number', contentType: 'application/json', body: '1e309' },
  { name: 'JSON null', contentType: 'application/json', body: 'null' },
  { name: 'JSON array', contentType: 'application/json', body: '[1,2,3]' },
  { name: 'prototype poisoning', contentType: 'application/json', body: '{"__proto__": {"isAdmin": true}, "constructor": {"prototype": {"x": 1}}}' },
  { name: 'BOM', contentType: 'application/json', body: '\ufeff{"a": 1}' },
  { name: 'invalid UTF-8 escape', contentType: 'application/json', body: '{"a": "\\ud800"}' },
  { name: 'deeply nested arrays', contentType: 'application/json', body: `${'['.repeat(100_000)}${']'.repeat(100_000)}` },
  { name: 'deeply nested objects', contentType: 'application/json', body: `${'{"a":'.repeat(20_000)}1${'}'.repeat(20_000)}` },
  { name: 'text/plain', contentType: 'text/plain', body: 'hello' },
  { name: 'xml', contentType: 'application/xml', body: '<a>1</a>' },
  { name: 'multipart', contentType: 'multipart/form-data; boundary=x', body: '--x\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n--x--\r\n' },
  { name: 'form on a JSON route', contentType: 'application/x-www-form-urlencoded', body: 'a=1&a=2&__proto__[x]=1' },
  { name: 'JSON with charset', contentType: 'application/json; charset=utf-16', body: '{"a": 1}' },
  { name: 'content type with garbage', contentType: 'application/json; ;;; boundary', body: '{"a": 1}' },
];

/**
 * Value nested `depth` levels inside `key`: for bodies that pass validation (unknown keys are ignored)
 * while carrying a structure deep enough to overflow any recursive walk over the body.
 */
export function deeplyNested(depth: number): string {
  return `${'['.repeat(depth)}${']'.repeat(depth)}`;
}
