/**
 * The JSON Schema of a pipeline file *as written*, derived from the resolved-document schema (buildPipelineSchema)
 * so that the two cannot drift. Editors validate the text a user types, before `extends` is merged and `${...}`
 * substituted; the resolved schema would reject much of it:
 *  - `dim: "${dim}"` or `1 - ${alpha}` where a number, integer or boolean goes: an expression string is accepted
 *    wherever a scalar value goes (the value it stands for is checked after substitution, by the resolved schema);
 *  - a file that `extends` another is a patch: any key may be left out, `null` deletes an inherited one, and a
 *    node without `op` changes some of the parent's node's parameters; so is a fragment of shared settings
 *    (no nodes, outputs or losses) that other files extend.
 * Everything else is as strict as in the resolved schema: names, op names, keys of a node that names its op,
 * literal values. Written as JSON Schema draft 2020-12.
 */
import type { JsonSchema } from './base-schema.js';

export const DRAFT_2020_12 = 'https://json-schema.org/draft/2020-12/schema';
export const SOURCE_SCHEMA_ID = 'https://anchorflow.dev/schemas/pipeline-source.schema.json';

/** A string holding at least one `${name}` reference (the syntax params.ts resolves; it trims the name). */
export const EXPRESSION_PATTERN = '\\$\\{\\s*[A-Za-z_][A-Za-z0-9_]*\\s*\\}';

const EXPRESSION = '#/$defs/expression';

/** Keywords whose value is one subschema / a list of subschemas / a map of name -> subschema. */
const ONE = [
  'additionalProperties',
  'items',
  'additionalItems',
  'not',
  'if',
  'then',
  'else',
  'propertyNames',
  'contains',
];
const LIST = ['anyOf', 'allOf', 'oneOf', 'prefixItems'];
const MAP = ['properties', 'definitions', '$defs', 'patternProperties'];

const isObj = (x: unknown): x is JsonSchema => x !== null && typeof x === 'object' && !Array.isArray(x);

function clone<T>(x: T): T {
  return JSON.parse(JSON.stringify(x)) as T;
}

/** draft-07 -> 2020-12 spelling: `definitions` -> `$defs`, tuple `items: [...]` -> `prefixItems`. */
function to2020(s: JsonSchema): JsonSchema {
  const out: JsonSchema = {};
  for (const [k, v] of Object.entries(s)) {
    if (k === '$ref' && typeof v === 'string') out.$ref = v.replace(/^#\/definitions\//, '#/$defs/');
    else if (k === 'definitions' && isObj(v)) out.$defs = mapValues(v, to2020);
    else if (k === 'items' && Array.isArray(v)) out.prefixItems = v.map((x) => (isObj(x) ? to2020(x) : x));
    else if (k === 'additionalItems' && isObj(v)) out.items = to2020(v);
    else if (ONE.includes(k) && isObj(v)) out[k] = to2020(v);
    else if (LIST.includes(k) && Array.isArray(v)) out[k] = v.map((x) => (isObj(x) ? to2020(x) : x));
    else if (MAP.includes(k) && isObj(v)) out[k] = mapValues(v, (x) => (isObj(x) ? to2020(x) : x));
    else out[k] = v;
  }
  return out;
}

function mapValues(m: JsonSchema, f: (x: JsonSchema) => unknown): JsonSchema {
  return Object.fromEntries(Object.entries(m).map(([k, v]) => [k, isObj(v) ? f(v) : v]));
}

/** A schema for one scalar value that a plain `${...}` string would not satisfy. */
function constrainsScalar(s: JsonSchema): boolean {
  if ('enum' in s || 'const' in s) return true;
  const types = Array.isArray(s.type) ? s.type.map(String) : typeof s.type === 'string' ? [s.type] : [];
  if (types.length === 0 || types.includes('object') || types.includes('array')) return false;
  if (!types.includes('string')) return true;
  return 'pattern' in s || 'minLength' in s || 'maxLength' in s || 'format' in s;
}

/** `{ anyOf: [s, ...more] }` with s's hover text lifted to the top, where editors look for it. */
function either(s: JsonSchema, ...more: JsonSchema[]): JsonSchema {
  const branches =
    isObj(s) && Array.isArray(s.anyOf) && Object.keys(s).every((k) => ['anyOf', 'description', 'examples'].includes(k))
      ? [...(s.anyOf as JsonSchema[]), ...more]
      : [s, ...more];
  return {
    ...(typeof s.description === 'string' ? { description: s.description } : {}),
    ...(Array.isArray(s.examples) ? { examples: s.examples } : {}),
    anyOf: branches,
  };
}

/**
 * Accepts an expression wherever a scalar value goes. Not under `if` (a condition, not a value), `propertyNames`
 * (keys are never substituted) or a property named `op` (which op a node runs must be literal: it decides which
 * parameters the node takes).
 */
function withExpressions(s: JsonSchema): JsonSchema {
  const out: JsonSchema = {};
  for (const [k, v] of Object.entries(s)) {
    if (k === 'if' || k === 'propertyNames') out[k] = v;
    else if (ONE.includes(k) && isObj(v)) out[k] = withExpressions(v);
    else if (LIST.includes(k) && Array.isArray(v)) out[k] = v.map((x) => (isObj(x) ? withExpressions(x) : x));
    else if (k === 'properties' && isObj(v)) {
      out[k] = Object.fromEntries(
        Object.entries(v).map(([name, p]) => [name, isObj(p) && name !== 'op' ? withExpressions(p) : p]),
      );
    } else if (MAP.includes(k) && isObj(v)) out[k] = mapValues(v, withExpressions);
    else out[k] = v;
  }
  return constrainsScalar(out) ? either(out, { $ref: EXPRESSION }) : out;
}

const NULL: JsonSchema = { type: 'null', description: 'null: delete the inherited value' };

/**
 * The form of a section in a file that extends another: mappings merge key by key, so any key may be left out
 * and any may be null (deleted). Lists, scalars and anyOf forms (a feature source) are replaced whole, so they
 * keep their full schema.
 */
function patchOf(s: JsonSchema): JsonSchema {
  if (s.type !== 'object') return s;
  const out: JsonSchema = { ...s };
  delete out.required;
  if (isObj(s.properties)) out.properties = mapValues(s.properties, (p) => either(patchOf(p), NULL));
  if (isObj(s.additionalProperties)) out.additionalProperties = either(patchOf(s.additionalProperties), NULL);
  return out;
}

/** The parameter and input names of every op in a table: what a node patch (no `op`) may set. */
function keysOfOps(defs: JsonSchema, table: 'node' | 'loss'): string[] {
  const ops = ((defs[table] as JsonSchema).properties as { op: { enum?: string[] } }).op.enum ?? [];
  const keys = new Set<string>();
  for (const op of ops)
    for (const k of Object.keys(((defs[`op_${op}`] as JsonSchema).properties as object) ?? {}))
      if (k !== 'op') keys.add(k);
  return [...keys].sort();
}

function nodePatch(defs: JsonSchema, table: 'node' | 'loss'): JsonSchema {
  const what = table === 'node' ? 'node' : 'loss';
  return {
    type: 'object',
    description: `A change to the inherited ${what} of this name: only the keys given are replaced, null deletes one. (A ${what} that names its \`op\` replaces the inherited one whole.)`,
    not: { required: ['op'] },
    propertyNames: { enum: keysOfOps(defs, table) },
    examples: table === 'node' ? [{ dims: [128, 64] }] : [{ weight: 0.1 }],
  };
}

/** The source-file schema for a resolved-document schema built by buildPipelineSchema. */
export function buildSourceSchema(resolved: JsonSchema): JsonSchema {
  const full = withExpressions(to2020(clone(resolved)));
  const defs = full.$defs as JsonSchema;
  defs.expression = {
    type: 'string',
    pattern: EXPRESSION_PATTERN,
    description:
      'An expression with ${param} references (e.g. "${dim}", "1 - ${alpha}"), checked once the parameters are substituted. Quote it inside { } and [ ].',
    examples: ['${dim}', '1 - ${alpha}'],
  };
  defs.node_patch = nodePatch(defs, 'node');
  defs.loss_patch = nodePatch(defs, 'loss');

  const props = full.properties as Record<string, JsonSchema>;
  const table = (what: 'node' | 'loss', s: JsonSchema): JsonSchema => ({
    ...s,
    additionalProperties: either({ $ref: `#/$defs/${what}` }, { $ref: `#/$defs/${what}_patch` }, NULL),
  });
  // Any file may be extended, so the top-level properties take the patch form (a superset of the full form);
  // a file that extends nothing must also be complete, which the `else` below adds.
  const patched: Record<string, JsonSchema> = {};
  const complete: Record<string, JsonSchema> = {};
  for (const [k, s] of Object.entries(props)) {
    if (k === 'extends' || k === 'sweep') {
      patched[k] = s;
      continue;
    }
    patched[k] = k === 'nodes' ? table('node', s) : k === 'losses' ? table('loss', s) : either(patchOf(s), NULL);
    complete[k] = s;
  }
  const required = ((resolved.else as JsonSchema | undefined)?.required as string[] | undefined) ?? [];
  return {
    $schema: DRAFT_2020_12,
    $id: SOURCE_SCHEMA_ID,
    title: 'anchorflow pipeline file',
    description: `${String(resolved.description)} This schema checks a file as written: \${param} expressions and, in a file that extends another, partial sections.`,
    type: 'object',
    $defs: defs,
    properties: patched,
    additionalProperties: false,
    // Completeness is asked only of a file that defines a model on its own. A file that extends another is a
    // patch; one with neither a model nor `extends` is a fragment of shared settings (_mmrec.yaml) that others
    // extend. `extends: null` is the same as no extends.
    if: {
      anyOf: [
        { required: ['extends'], properties: { extends: { not: { type: 'null' } } } },
        { not: { anyOf: [{ required: ['nodes'] }, { required: ['outputs'] }, { required: ['losses'] }] } },
      ],
    },
    else: { required, properties: complete },
    ...(Array.isArray(resolved.examples) ? { examples: resolved.examples } : {}),
  };
}
