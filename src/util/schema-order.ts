/**
 * Key order for JSON Schemas built with TypeBox. TypeBox places `type` (and an object's `required` and
 * `properties`, an array's `items`) after the options it is given; schema files and `anchorflow ops --json` are
 * read by people, who expect the order the project's hand-written schemas use: `type` first, an array's `items`
 * next, then the rest as written, with an object's `properties` and `required` (in that order) just before its
 * `examples`. Only the order changes; ajv reads every order the same.
 */

import { Kind } from '@sinclair/typebox';

/** Keywords whose value is a schema. */
const SCHEMA_KEYS = new Set([
  'items',
  'additionalItems',
  'additionalProperties',
  'propertyNames',
  'not',
  'if',
  'then',
  'else',
  'contains',
]);
/** Keywords whose value is a list of schemas. */
const SCHEMA_LIST_KEYS = new Set(['anyOf', 'oneOf', 'allOf', 'prefixItems']);
/** Keywords whose value maps names to schemas. */
const SCHEMA_MAP_KEYS = new Set(['properties', 'patternProperties', 'definitions', '$defs']);

const LEADING = ['type', 'items'];
const CONTENTS = ['properties', 'required'];

/**
 * A copy of `schema` with the conventional key order at every level built by TypeBox. Symbol keys (TypeBox's Kind and
 * Optional
 * markers) are kept, so the copy still works with TypeBox's Value functions.
 */
export function conventionalOrder<T>(schema: T): T {
  if (Array.isArray(schema)) return schema.map((s) => conventionalOrder(s)) as T;
  if (schema === null || typeof schema !== 'object') return schema;
  const src = schema as Record<string | symbol, unknown>;
  // Schemas written out by hand (plain objects, TypeBox's Unsafe) are already in the order they were written.
  if (src[Kind] === undefined || src[Kind] === 'Unsafe') return schema;
  const keys = Object.keys(src);
  const rest = keys.filter((k) => !LEADING.includes(k) && !CONTENTS.includes(k));
  const at = rest.includes('examples') ? rest.indexOf('examples') : rest.length;
  const contents = CONTENTS.filter((k) => k in src);
  const ordered = [...LEADING.filter((k) => k in src), ...rest.slice(0, at), ...contents, ...rest.slice(at)];
  const out: Record<string | symbol, unknown> = {};
  for (const k of ordered) {
    const v = src[k];
    if (SCHEMA_KEYS.has(k) || SCHEMA_LIST_KEYS.has(k)) out[k] = conventionalOrder(v);
    else if (SCHEMA_MAP_KEYS.has(k) && v !== null && typeof v === 'object')
      out[k] = Object.fromEntries(Object.entries(v).map(([name, s]) => [name, conventionalOrder(s)]));
    else out[k] = v;
  }
  for (const sym of Object.getOwnPropertySymbols(src)) out[sym] = src[sym];
  return out as T;
}
