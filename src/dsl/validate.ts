/**
 * JSON Schema validation with located, human error messages. ajv reports many raw errors per mistake (every
 * branch of an anyOf, the if/then that did not match); this module keeps the one that explains the mistake and
 * says it in the pipeline's own words.
 */
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { clip, quote, UserError, type SourceLocation } from '../util/errors.js';
import { didYouMean } from './suggest.js';
import { pathToString, type Path } from './yaml-source.js';
import { NAME_PATTERN, REF_PATTERN, SLUG_PATTERN } from './base-schema.js';

export interface Locator {
  /** Position of the value at a path (nearest ancestor if absent). */
  locate(path: Path): SourceLocation;
  /** Position of the key holding a path, where different from the value's. */
  locateKey?(path: Path): SourceLocation;
}

const compiled = new WeakMap<object, ValidateFunction>();

function validatorFor(schema: object): ValidateFunction {
  let v = compiled.get(schema);
  if (!v) {
    // strict: false because the schema file may carry editor-only keywords; the base schema is tested strictly.
    // strictNumbers: YAML reads `.inf`, `.nan` and `1e400` as numbers, which no size, rate or weight can be.
    const ajv = new Ajv({
      allErrors: true,
      useDefaults: true,
      verbose: true,
      strict: false,
      allowUnionTypes: true,
      strictNumbers: true,
    });
    v = ajv.compile(schema);
    compiled.set(schema, v);
  }
  return v;
}

/** Compiles a schema, throwing an internal Error (not a UserError) if the schema itself is broken. */
export function compileSchema(schema: object): ValidateFunction {
  return validatorFor(schema);
}

interface Problem {
  rank: number;
  order: number;
  message: string;
  loc: SourceLocation;
}

const RANK = { unknownOp: 0, unknownKey: 1, required: 2, value: 3, anyOf: 4 } as const;

/** Splits an instancePath into segments, numbers where the data at that point is an array. */
function toPath(pointer: string, doc: unknown): Path {
  if (pointer === '') return [];
  const out: Path = [];
  let cur: unknown = doc;
  for (const raw of pointer.slice(1).split('/')) {
    const seg = raw.replaceAll('~1', '/').replaceAll('~0', '~');
    if (Array.isArray(cur)) {
      out.push(Number(seg));
      cur = cur[Number(seg)];
    } else {
      out.push(seg);
      cur = cur !== null && typeof cur === 'object' ? (cur as Record<string, unknown>)[seg] : undefined;
    }
  }
  return out;
}

function show(v: unknown): string {
  if (v === null) return 'null';
  if (typeof v === 'number' && !Number.isFinite(v)) return Number.isNaN(v) ? '.nan' : v > 0 ? '.inf' : '-.inf';
  if (typeof v === 'string') return JSON.stringify(clip(v));
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  return JSON.stringify(v);
}

function article(t: string): string {
  const names: Record<string, string> = {
    integer: 'an integer',
    number: 'a number',
    string: 'a string',
    boolean: 'a boolean (true/false)',
    object: 'a mapping',
    array: 'a list',
    null: 'null',
  };
  return names[t] ?? t;
}

function joinOr(xs: string[]): string {
  return xs.length <= 1 ? (xs[0] ?? '') : `${xs.slice(0, -1).join(', ')} or ${xs[xs.length - 1]}`;
}

/** "node 'cf'", "loss 'bpr'", "inline node at nodes.x.in[1]", or undefined outside node tables. */
function nodeLabel(path: Path): string | undefined {
  if (path.length < 2 || (path[0] !== 'nodes' && path[0] !== 'losses')) return undefined;
  if (path.length === 2) return `${path[0] === 'nodes' ? 'node' : 'loss'} '${quote(String(path[1]))}'`;
  return `inline node at ${quote(pathToString(path))}`;
}

function label(path: Path): string {
  return path.length === 0 ? 'the pipeline' : quote(pathToString(path));
}

function enumOf(schema: object, def: string): string[] {
  const d = (schema as { definitions?: Record<string, { properties?: { op?: { enum?: unknown[] } } }> }).definitions?.[
    def
  ];
  return (d?.properties?.op?.enum ?? []).map(String);
}

/**
 * Validates `doc` (filling defaults in place) and throws one UserError for the most relevant problem, with the
 * others in `related`.
 */
export function validateDocument(doc: unknown, schema: object, where: Locator): void {
  const validate = validatorFor(schema);
  if (validate(doc)) return;
  const errors = pruneErrors(validate.errors ?? [], schema);
  const problems = errors.map((e, order) => explain(e, order, doc, schema, where));
  problems.sort((a, b) => a.rank - b.rank || a.order - b.order);
  const seen = new Set<string>();
  const unique = problems.filter((p) => (seen.has(p.message) ? false : (seen.add(p.message), true)));
  const [first, ...rest] = unique;
  throw new UserError(
    first!.message,
    first!.loc,
    rest.slice(0, 20).map((p) => ({ message: p.message, loc: p.loc })),
  );
}

/**
 * Drops ajv's bookkeeping errors: failed `if`s, `propertyNames` wrappers, and for an anyOf the branches that do
 * not fit the value. A branch fits when its type matches the value's kind; among several that fit (e.g. the
 * object forms of a feature source) the one with the fewest errors is the likely intent. When no branch fits,
 * one summary of the anyOf explains what was expected.
 */
function pruneErrors(all: ErrorObject[], schema: object): ErrorObject[] {
  let errs = all.filter((e) => e.keyword !== 'if' && e.keyword !== 'propertyNames');
  const under = (p: string, base: string): boolean => p === base || p.startsWith(base + '/');
  const anyOfs = errs
    .filter((e) => e.keyword === 'anyOf')
    .sort((a, b) => a.instancePath.length - b.instancePath.length);
  for (const a of anyOfs) {
    if (!errs.includes(a)) continue;
    const scope = errs.filter((e) => e !== a && under(e.instancePath, a.instancePath));
    const branches = ((a.parentSchema as { anyOf?: object[] } | undefined)?.anyOf ?? []).map((b) =>
      resolveRef(b, schema),
    );
    const fitting = branches.map((b, k) => ({ b, k })).filter(({ b }) => fitsKind(b, a.data));
    if (fitting.length === 0) {
      errs = errs.filter((e) => !scope.includes(e));
      continue;
    }
    let drop = scope.filter((e) => e.instancePath === a.instancePath && e.keyword === 'type');
    if (fitting.length > 1) {
      // Errors are attributed to a branch by schema path; keep only the best-fitting branch's.
      const prefix = a.schemaPath + '/';
      const branchOf = (e: ErrorObject): number | undefined => {
        if (!e.schemaPath.startsWith(prefix)) return undefined;
        const k = Number(e.schemaPath.slice(prefix.length).split('/')[0]);
        return Number.isInteger(k) ? k : undefined;
      };
      const count = (k: number): number => scope.filter((e) => branchOf(e) === k).length;
      const best = fitting.reduce((x, y) => (count(y.k) < count(x.k) ? y : x)).k;
      drop = scope
        .filter((e) => {
          const k = branchOf(e);
          return k !== undefined && k !== best;
        })
        .concat(drop);
    }
    errs = errs.filter((e) => e !== a && !drop.includes(e));
  }
  return errs;
}

function resolveRef(b: object, root: object): Record<string, unknown> {
  const ref = (b as { $ref?: unknown }).$ref;
  if (typeof ref === 'string' && ref.startsWith('#/definitions/')) {
    const def = (root as { definitions?: Record<string, object> }).definitions?.[ref.slice('#/definitions/'.length)];
    if (def) return def as Record<string, unknown>;
  }
  return b as Record<string, unknown>;
}

function fitsKind(b: Record<string, unknown>, data: unknown): boolean {
  const t = b.type;
  if (t === undefined) return true;
  const types = Array.isArray(t) ? t.map(String) : [String(t)];
  const kind =
    data === null ? 'null' : Array.isArray(data) ? 'array' : typeof data === 'object' ? 'object' : typeof data;
  return types.some((x) => x === kind || (x === 'integer' && kind === 'number'));
}

function explain(e: ErrorObject, order: number, doc: unknown, schema: object, where: Locator): Problem {
  const path = toPath(e.instancePath, doc);
  const at = where.locate(path);
  const keyAt = (p: Path): SourceLocation => (where.locateKey ?? where.locate)(p);
  const P = (rank: number, message: string, loc: SourceLocation = at): Problem => ({ rank, order, message, loc });
  const params = e.params as Record<string, unknown>;
  const parent = (e.parentSchema ?? {}) as Record<string, unknown>;
  const data = e.data;
  // Set by ajv on errors about a key (propertyNames), where instancePath is the object holding it.
  const propertyName = (e as { propertyName?: string }).propertyName;
  if (propertyName !== undefined && e.keyword !== 'pattern') {
    return P(
      RANK.value,
      `invalid name '${quote(propertyName)}' in ${label(path)}: ${e.message ?? 'not allowed'}`,
      keyAt([...path, propertyName]),
    );
  }

  switch (e.keyword) {
    case 'enum': {
      const allowed = ((params.allowedValues as unknown[]) ?? []).map(String);
      const last = path[path.length - 1];
      const owner = nodeLabel(path.slice(0, -1));
      if (last === 'op' && owner !== undefined && typeof data === 'string') {
        const isLossTable = path[0] === 'losses' && path.length === 3;
        const other = enumOf(schema, isLossTable ? 'node' : 'loss');
        if (other.includes(data)) {
          const msg = isLossTable
            ? `op '${data}' in ${owner} is not a loss; put it under nodes:`
            : `op '${data}' in ${owner} is a loss; put it under losses:`;
          return P(RANK.unknownOp, msg);
        }
        return P(
          RANK.unknownOp,
          `unknown op '${quote(data)}' in ${owner}${didYouMean(data, allowed)}; known ops: ${allowed.join(', ')}`,
        );
      }
      return P(
        RANK.value,
        `${label(path)} must be one of ${allowed.join(', ')}, got ${show(data)}${typeof data === 'string' ? didYouMean(data, allowed) : ''}`,
      );
    }
    case 'const':
      return P(RANK.value, `${label(path)} must be ${JSON.stringify(params.allowedValue)}, got ${show(data)}`);
    case 'additionalProperties': {
      const key = String(params.additionalProperty);
      const shown = quote(key);
      const known = Object.keys((parent.properties as object | undefined) ?? {});
      const loc = keyAt([...path, key]);
      const owner = nodeLabel(path);
      const op = data !== null && typeof data === 'object' ? (data as Record<string, unknown>).op : undefined;
      if (owner !== undefined && typeof op === 'string') {
        const names = known.filter((k) => k !== 'op');
        const list = names.length ? `its parameters: ${names.join(', ')}` : 'it takes no parameters';
        return P(
          RANK.unknownKey,
          `${owner} (op ${op}) has no parameter '${shown}'${didYouMean(key, names)}; ${list}`,
          loc,
        );
      }
      if (path.length === 0) {
        return P(
          RANK.unknownKey,
          `unknown top-level key '${shown}'${didYouMean(key, known)}; allowed: ${known.join(', ')}`,
          loc,
        );
      }
      const allowed = known.length ? `; allowed: ${known.join(', ')}` : '';
      return P(RANK.unknownKey, `${label(path)} has no key '${shown}'${didYouMean(key, known)}${allowed}`, loc);
    }
    case 'required': {
      const missing = String(params.missingProperty);
      const owner = nodeLabel(path);
      const op = data !== null && typeof data === 'object' ? (data as Record<string, unknown>).op : undefined;
      if (owner !== undefined && missing === 'op')
        return P(RANK.required, `${owner} has no 'op'; every node names its operator`);
      if (owner !== undefined && typeof op === 'string') {
        return P(RANK.required, `${owner} (op ${op}) is missing required '${missing}'`);
      }
      return P(RANK.required, `${label(path)} is missing required key '${missing}'`);
    }
    case 'type': {
      const t = params.type;
      const types = Array.isArray(t) ? t.map(String) : String(t).split(',');
      if (typeof data === 'number' && !Number.isFinite(data) && types.some((x) => x === 'number' || x === 'integer')) {
        return P(RANK.value, `${label(path)} must be a finite number, got ${show(data)}`);
      }
      return P(RANK.value, `${label(path)} must be ${joinOr(types.map(article))}, got ${show(data)}`);
    }
    case 'anyOf': {
      const branches = ((parent.anyOf as Record<string, unknown>[] | undefined) ?? []).map((b) =>
        typeof b.description === 'string' ? b.description : article(String(b.type ?? 'value')),
      );
      return P(RANK.anyOf, `${label(path)} must be ${joinOr(branches)}, got ${show(data)}`);
    }
    case 'pattern': {
      if (propertyName !== undefined) {
        return P(
          RANK.value,
          `invalid name '${quote(propertyName)}' in ${label(path)}: names start with a letter or _ and contain only letters, digits and _`,
          keyAt([...path, propertyName]),
        );
      }
      // A property's description is hover text ("Port holding the user embeddings."), not the expected form.
      const what =
        params.pattern === REF_PATTERN
          ? "a reference 'node' or 'node.port'"
          : params.pattern === NAME_PATTERN
            ? 'a name (letters, digits and _, not starting with a digit)'
            : params.pattern === SLUG_PATTERN
              ? "one folder name (letters, digits, '.', '_' and '-', not starting with '.' or '-')"
              : `text matching ${String(params.pattern)}`;
      return P(RANK.value, `${label(path)} must be ${what}, got ${show(data)}`);
    }
    case 'minItems':
    case 'maxItems': {
      const n = Number(params.limit);
      const have = Array.isArray(data) ? data.length : 0;
      const bound =
        e.keyword === 'minItems'
          ? n === 1
            ? 'must not be empty'
            : `needs at least ${n} entries`
          : `takes at most ${n} entries`;
      return P(RANK.value, `${label(path)} ${bound}, got ${have}`);
    }
    case 'minLength':
      return P(
        RANK.value,
        Number(params.limit) === 1
          ? `${label(path)} must not be empty`
          : `${label(path)} ${e.message ?? 'is too short'}, got ${show(data)}`,
      );
    default:
      return P(RANK.value, `${label(path)} ${e.message ?? 'is invalid'}, got ${show(data)}`);
  }
}
