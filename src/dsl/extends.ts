/**
 * `extends:` resolution. A file names one or more parents (paths relative to itself); parents are merged in order,
 * then the file itself on top. Merging works on located trees, so each value keeps the position of the file that
 * last set it.
 */
import { realpathSync } from 'node:fs';
import { dirname, isAbsolute, join, normalize, resolve } from 'node:path';
import { UserError, type SourceLocation } from '../util/errors.js';
import { MAX_EXTENDS_LOADS } from './limits.js';
import { describeKind, parseYamlFile, type LMap, type LNode, type Path } from './yaml-source.js';

/** Top-level tables whose entries are operator nodes: an entry that names its `op` replaces the parent's whole. */
const NODE_TABLES = new Set(['nodes', 'losses']);

/**
 * Deep merge, `over` winning: mappings merge key by key, lists and scalars are replaced, a null value deletes the
 * key. Under `nodes:`/`losses:`, an entry with an `op` replaces the parent's entry whole, because a different op
 * must not inherit parameters that belong to the old one; an entry without `op` patches the parent's.
 */
export function mergeTrees(base: LNode, over: LNode, path: Path = []): LNode {
  if (base.kind !== 'map' || over.kind !== 'map') return over;
  const entries = new Map(base.entries);
  const nodeTable = path.length === 1 && NODE_TABLES.has(String(path[0]));
  // A feature source is one of several shapes ({ file }, { concat }, { synthetic }); patching one into another
  // (a child's { concat: [v, t] } over the parent's { synthetic: 768 }) yields an object that is neither.
  const featureTable = path[path.length - 1] === 'features' && path[0] === 'data';
  for (const [k, v] of over.entries) {
    if (v.kind === 'scalar' && v.value === null) {
      entries.delete(k);
      continue;
    }
    const prev = entries.get(k);
    const replaceWhole = (nodeTable && v.kind === 'map' && v.entries.has('op')) || featureTable;
    entries.set(k, prev === undefined || replaceWhole ? v : mergeTrees(prev, v, [...path, k]));
  }
  return { kind: 'map', entries, loc: over.loc, keyLoc: over.keyLoc ?? base.keyLoc };
}

export interface ResolvedTree {
  tree: LMap;
  /** Display names of every file that contributed, the leaf first. */
  files: string[];
}

interface Frame {
  abs: string;
  display: string;
}

function canonical(abs: string): string {
  try {
    return realpathSync(abs);
  } catch {
    return abs;
  }
}

export interface ExtendsOptions {
  /** The name the file goes by in messages (default: `file` as given). */
  display?: string;
  /**
   * Set for text that must be self-contained (a queued job's pipeline): `extends` is then an error, with this
   * as the reason, and no file other than `file` itself is read.
   */
  forbidExtends?: string;
}

/** Loads `file` and everything it extends, returning the merged tree (without `extends`). */
export function resolveExtends(file: string, opts: ExtendsOptions = {}): ResolvedTree {
  const files: string[] = [];
  const tree = load(resolve(file), opts.display ?? file, [], files, undefined, opts.forbidExtends, { n: 0 });
  return { tree, files };
}

function load(
  abs: string,
  display: string,
  stack: Frame[],
  files: string[],
  via: SourceLocation | undefined,
  forbid: string | undefined,
  loads: { n: number },
): LMap {
  // A few files that each name the next one several times load exponentially often.
  if (++loads.n > MAX_EXTENDS_LOADS) {
    throw new UserError(
      `extends loads more than ${MAX_EXTENDS_LOADS} files (does a list name the same file repeatedly?)`,
      via,
    );
  }
  const key = canonical(abs);
  const loopAt = stack.findIndex((f) => canonical(f.abs) === key);
  if (loopAt >= 0) {
    const chain = [...stack.slice(loopAt).map((f) => f.display), display].join(' -> ');
    throw new UserError(`extends loop: ${chain}`, via);
  }
  const tree = parseYamlFile(abs, display, via);
  if (!files.includes(display)) files.push(display);

  const ext = tree.entries.get('extends');
  if (ext === undefined || (ext.kind === 'scalar' && ext.value === null)) {
    tree.entries.delete('extends');
    return tree;
  }
  if (forbid !== undefined) throw new UserError(`extends is not allowed here: ${forbid}`, ext.keyLoc ?? ext.loc);
  const refs: { name: string; loc: SourceLocation }[] = [];
  const bad = (n: LNode): never => {
    throw new UserError(`extends must be a file name or a list of file names, got ${describeKind(n)}`, n.loc);
  };
  if (ext.kind === 'scalar') {
    if (typeof ext.value !== 'string' || ext.value === '') bad(ext);
    refs.push({ name: String(ext.value), loc: ext.loc });
  } else if (ext.kind === 'seq') {
    // Caught here, not by the schema (minItems), because the merge below needs at least one parent.
    if (ext.items.length === 0)
      throw new UserError('extends is an empty list; name at least one file, or remove extends', ext.loc);
    for (const it of ext.items) {
      if (it.kind !== 'scalar' || typeof it.value !== 'string' || it.value === '') bad(it);
      refs.push({ name: String((it as { value: string }).value), loc: it.loc });
    }
  } else bad(ext);

  const frame: Frame = { abs, display };
  let base: LNode | undefined;
  for (const r of refs) {
    const pAbs = isAbsolute(r.name) ? r.name : resolve(dirname(abs), r.name);
    const pDisplay = isAbsolute(r.name) ? r.name : normalize(join(dirname(display), r.name));
    const parent = load(pAbs, pDisplay, [...stack, frame], files, r.loc, forbid, loads);
    base = base === undefined ? parent : mergeTrees(base, parent);
  }
  const own: LMap = { ...tree, entries: new Map(tree.entries) };
  own.entries.delete('extends');
  return mergeTrees(base!, own) as LMap;
}
