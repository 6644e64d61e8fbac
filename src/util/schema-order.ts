/**
 * Key order for JSON Schemas built with TypeBox. TypeBox places `type` (and an object's `required` and
 * `properties`, an array's `items`) after the options it is given; schema files and `anchorflow ops --json` are
 * read by people, who expect the conventional order: `type` first, then what the value contains (`items`,
 * `properties`), then the rest as written. Only the order changes; ajv reads every order the same.
 */

/** Keywords whose value is a schema. */
const SCHEMA_KEYS = new Set(['items', 'additionalItems', 'additionalProperties', 'propertyNames', 'not', 'if', 'then', 'else', 'contains']);
/** Keywords whose value is a list of schemas. */
const SCHEMA_LIST_KEYS = new Set(['anyOf', 'oneOf', 'allOf', 'prefixItems']);
/** Keywords whose value maps names to schemas. */
const SCHEMA_MAP_KEYS = new Set(['properties', 'patternProperties', 'definitions', '$defs']);

const LEADING = ['type', 'items', 'properties'];

/**
 * A copy of `schema` with the conventional key order at every level. Symbol keys (TypeBox's Kind and Optional
 * markers) are kept, so the copy still works with TypeBox's Value functions.
 */
export function conventionalOrder<T>(schema: T): T {
  if (Array.isArray(schema)) return schema.map((s) => conventionalOrder(s)) as T;
  if (schema === null || typeof schema !== 'object') return schema;
  const src = schema as Record<string | symbol, unknown>;
  const keys = Object.keys(src);
  const ordered = [...LEADING.filter((k) => k in src), ...keys.filter((k) => !LEADING.includes(k))];
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
