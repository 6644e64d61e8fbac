/**
 * `--set path=value` overrides, applied to the merged document before `${...}` substitution so that
 * `--set params.dim=32` reaches every `${dim}`. The value is YAML (`[1,2]`, `{a: 1}`, `true`, `1e-3`); an empty
 * value or `null` deletes the key, as in extends.
 */
import { quote, UserError, type SourceLocation } from '../util/errors.js';
import { didYouMean } from './suggest.js';
import { baseSchema } from './base-schema.js';
import { parseYamlText, relocate, type LMap, type LNode } from './yaml-source.js';

type Schema = Record<string, unknown>;

function setError(arg: string, col: number, msg: string): UserError {
  return new UserError(`'${quote(arg)}': ${msg}`, { file: '--set', col });
}

/** The sub-schema reached by following `properties` along `path`, if every step is declared there. */
function declaredSchema(schema: Schema, path: string[]): Schema | undefined {
  let s: Schema | undefined = schema;
  for (const seg of path) {
    const props = s?.properties as Record<string, Schema> | undefined;
    s = props?.[seg];
    if (s === undefined) return undefined;
  }
  return s;
}

/** Applies overrides in order; mutates and returns `tree`. */
export function applyOverrides(tree: LMap, sets: readonly string[], schema: object = baseSchema): LMap {
  const top = Object.keys(((schema as Schema).properties ?? {}) as object).filter((k) => k !== 'extends');
  for (const arg of sets) applyOne(tree, arg, schema as Schema, top);
  return tree;
}

function applyOne(tree: LMap, arg: string, schema: Schema, top: string[]): void {
  const eq = arg.indexOf('=');
  if (eq < 0) throw setError(arg, arg.length + 1, `expected path=value (e.g. params.dim=32), found no '='`);
  const pathText = arg.slice(0, eq);
  if (pathText.trim() === '') throw setError(arg, 1, `empty path before '='; expected e.g. train.epochs=5`);

  // Segments with their 1-based column in the argument, for precise error positions.
  const segs: { name: string; col: number }[] = [];
  let col = 1;
  for (const name of pathText.split('.')) {
    if (name.trim() === '') throw setError(arg, col, `empty path segment in '${quote(pathText)}'`);
    segs.push({ name: name.trim(), col });
    col += name.length + 1;
  }
  const head = segs[0]!;
  if (!top.includes(head.name)) {
    throw setError(
      arg,
      head.col,
      `unknown top-level key '${quote(head.name)}'${didYouMean(head.name, top)}; allowed: ${top.join(', ')}`,
    );
  }

  const valueText = arg.slice(eq + 1);
  const where: SourceLocation = { file: `--set ${quote(arg)}` };
  let value: LNode;
  try {
    value = relocate(parseYamlText(valueText, '--set'), where);
  } catch (e) {
    if (e instanceof UserError)
      throw setError(arg, eq + 1 + (e.loc?.col ?? 1), `invalid value '${quote(valueText)}': ${e.message}`);
    throw e;
  }
  value.keyLoc = where;
  const remove = value.kind === 'scalar' && value.value === null;

  let container: LNode = tree;
  for (let i = 0; i < segs.length - 1; i++) {
    const seg = segs[i]!;
    let next = childAt(container, seg.name);
    if (next === undefined) {
      const prefix = segs.slice(0, i + 1).map((s) => s.name);
      // Sections the schema declares (train, train.optimizer, ...) may be absent and filled by defaults later;
      // anything else (a node name, a loss name) must already exist, or it is most likely a typo.
      const declared = declaredSchema(schema, prefix);
      if (
        container.kind === 'map' &&
        declared !== undefined &&
        (declared.type === 'object' || declared.type === undefined)
      ) {
        next = { kind: 'map', entries: new Map(), loc: where, keyLoc: where };
        container.entries.set(seg.name, next);
      } else {
        const known = container.kind === 'map' ? [...container.entries.keys()] : [];
        const hint = known.length ? `${didYouMean(seg.name, known)}; it has: ${known.join(', ')}` : '';
        throw setError(arg, seg.col, `'${prefix.join('.')}' does not exist${hint}`);
      }
    }
    if (next.kind === 'scalar') {
      throw setError(
        arg,
        segs[i + 1]!.col,
        `'${segs
          .slice(0, i + 1)
          .map((s) => s.name)
          .join('.')}' is a single value, not a section`,
      );
    }
    container = next;
  }

  const last = segs[segs.length - 1]!;
  // A parameter takes effect only where the pipeline writes ${name}; setting one it does not declare (a typo,
  // `params.dimm`) would train silently with the declared value, so it is refused.
  if (
    segs.length === 2 &&
    head.name === 'params' &&
    !remove &&
    container.kind === 'map' &&
    !container.entries.has(last.name)
  ) {
    const known = [...container.entries.keys()];
    const near = didYouMean(last.name, known).replace(/'([^']*)'/, `'params.$1'`);
    const list = known.length ? `; declared: ${known.join(', ')}` : '; the pipeline declares no params';
    throw setError(arg, last.col, `'params.${quote(last.name)}' is not a parameter of this pipeline${near}${list}`);
  }
  if (container.kind === 'map') {
    if (remove) container.entries.delete(last.name);
    else container.entries.set(last.name, value);
  } else if (container.kind === 'seq') {
    const idx = /^\d+$/.test(last.name) ? Number(last.name) : NaN;
    if (!Number.isInteger(idx) || idx > container.items.length) {
      throw setError(arg, last.col, `'${last.name}' is not an index of a list of ${container.items.length} items`);
    }
    if (remove) container.items.splice(idx, 1);
    else container.items[idx] = value;
  }
}

function childAt(n: LNode, seg: string): LNode | undefined {
  if (n.kind === 'map') return n.entries.get(seg);
  if (n.kind === 'seq') return /^\d+$/.test(seg) ? n.items[Number(seg)] : undefined;
  return undefined;
}
