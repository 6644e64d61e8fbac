/**
 * YAML with positions. A document is converted into a small located tree (LNode) rather than plain JS, so that
 * every later step (extends merge, --set, ${...} substitution) can carry the position that last set each value,
 * and `locate(path)` still answers after all of them.
 */
import { LineCounter, isAlias, isMap, isScalar, isSeq, parseDocument, type Document } from 'yaml';
import { clip, quote, UserError, type SourceLocation } from '../util/errors.js';
import { MAX_DEPTH, MAX_VALUES } from './limits.js';
import { readPipelineText } from './pipeline-file.js';
import { checkSourceText } from './source-limits.js';

export type Path = (string | number)[];
export type ScalarValue = string | number | boolean | null;

interface Located {
  /** Where the value starts (for a scalar: the value itself; for a collection: its first token). */
  loc: SourceLocation;
  /** Where the mapping key that holds this value starts, when it sits in a mapping. */
  keyLoc?: SourceLocation;
}
export interface LScalar extends Located {
  kind: 'scalar';
  value: ScalarValue;
  /**
   * Offset from `loc.col` to the first character of the string's text, when columns inside the text can be
   * computed (single-line plain: 0, single-line quoted: 1). Lets expression errors point at the exact character.
   */
  textCol?: number;
}
export interface LMap extends Located {
  kind: 'map';
  entries: Map<string, LNode>;
}
export interface LSeq extends Located {
  kind: 'seq';
  items: LNode[];
}
export type LNode = LScalar | LMap | LSeq;

/*
 * In a YAML flow collection `{` and `}` end a plain scalar, so `{ dim: ${dim} }` and `[1 - ${alpha}]` would be
 * syntax errors although they are the language's natural spelling. Before parsing, the braces of `${...}` are
 * swapped for private-use characters (one UTF-16 unit each, so every offset stays the same) and swapped back in
 * the parsed strings.
 */
const OPEN = '\uE000';
const CLOSE = '\uE001';
// Quotes and commas never occur in a reference; excluding them keeps an unclosed `"${dim" }` from swallowing the
// flow mapping's closing brace (which turned a located "unclosed '${'" into a baffling YAML syntax error).
const REF_RE = /\$\{([^{}\n"',]*)\}/g;

function mask(text: string): string {
  return text.replace(REF_RE, (_m, inner: string) => '$' + OPEN + inner + CLOSE);
}
function unmask(s: string): string {
  return s.includes(OPEN) || s.includes(CLOSE) ? s.replaceAll(OPEN, '{').replaceAll(CLOSE, '}') : s;
}

export interface SourceText {
  file: string;
  /** The masked text the parser saw (same offsets as the original). */
  text: string;
  lines: string[];
  pos(offset: number): SourceLocation;
}

function sourceText(file: string, text: string, masked: string, lc: LineCounter): SourceText {
  const lines = text.split(/\r?\n/);
  return {
    file,
    text: masked,
    lines,
    pos(offset: number): SourceLocation {
      const { line, col } = lc.linePos(offset);
      return { file, line, col, excerpt: lines[line - 1] ?? '' };
    },
  };
}

/** yaml's messages end in ` at line L, column C:` followed by its own code frame; we print our own. */
function cleanYamlMessage(message: string): string {
  const first = unmask(message.split('\n')[0] ?? message);
  return first.replace(/\s+at line \d+, column \d+:?\s*$/, '').replace(/:\s*$/, '');
}

/** Parses YAML text into a located tree. `file` is the name used in locations. Throws UserError on bad syntax. */
export function parseYamlText(text: string, file: string): LNode {
  checkSourceText(text, file, text.split(/\r?\n/));
  const lc = new LineCounter();
  const masked = mask(text);
  // uniqueKeys: false because the package compares each key with every earlier one (quadratic in the keys of one
  // mapping); convert() finds duplicates with a Map instead.
  const doc = parseDocument(masked, { lineCounter: lc, merge: true, prettyErrors: false, uniqueKeys: false });
  const src = sourceText(file, text, masked, lc);
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    const p = e.linePos?.[0] ?? lc.linePos(e.pos[0]);
    const message = /Maximum call stack/.test(e.message)
      ? `collections nested too deep to parse`
      : cleanYamlMessage(e.message);
    throw new UserError(`YAML syntax error: ${message}`, {
      file,
      line: p.line,
      col: p.col,
      excerpt: src.lines[p.line - 1] ?? '',
    });
  }
  if (doc.contents === null)
    return { kind: 'scalar', value: null, loc: { file, line: 1, col: 1, excerpt: src.lines[0] ?? '' } };
  const budget: Budget = { values: 0 };
  return convert(doc.contents, doc, src, new Set(), budget, 0);
}

/** Reads and parses a YAML file; the top level must be a mapping (an empty file is an empty mapping). */
export function parseYamlFile(path: string, displayName: string = path, via?: SourceLocation): LMap {
  const text = readPipelineText(path, displayName, via);
  const tree = parseYamlText(text, displayName);
  if (tree.kind === 'scalar' && tree.value === null) return { kind: 'map', entries: new Map(), loc: tree.loc };
  if (tree.kind !== 'map') {
    // The kind only, not the value: the file may not be a pipeline at all, and its text is not ours to print.
    const kind = tree.kind === 'seq' ? 'a list' : tree.value === null ? 'null' : `a ${typeof tree.value}`;
    throw new UserError(`a pipeline file must be a mapping of keys (version, name, nodes, ...), got ${kind}`, tree.loc);
  }
  return tree;
}

export function describeKind(n: LNode): string {
  if (n.kind === 'map') return 'a mapping';
  if (n.kind === 'seq') return 'a list';
  return n.value === null
    ? 'null'
    : `${typeof n.value} ${typeof n.value === 'string' ? JSON.stringify(clip(n.value)) : String(n.value)}`;
}

/** Values converted so far in one document, aliases counted at every use. */
interface Budget {
  values: number;
  /** The outermost alias being expanded, and where it is used: the likely culprit when the budget runs out. */
  alias?: { name: string; loc: SourceLocation };
}

function convert(
  node: unknown,
  doc: Document,
  src: SourceText,
  aliasStack: Set<unknown>,
  budget: Budget,
  depth: number,
  keyLoc?: SourceLocation,
): LNode {
  if (isAlias(node)) {
    const target = node.resolve(doc);
    const here = src.pos(node.range?.[0] ?? 0);
    if (!target) throw new UserError(`unknown YAML alias '*${node.source}'`, here);
    if (aliasStack.has(target)) throw new UserError(`YAML alias '*${node.source}' refers to itself`, here);
    aliasStack.add(target);
    const outer = budget.alias;
    budget.alias ??= { name: node.source, loc: here };
    const out = convert(target, doc, src, aliasStack, budget, depth, keyLoc);
    budget.alias = outer;
    aliasStack.delete(target);
    return out;
  }
  const start = (node as { range?: [number, number, number] }).range?.[0] ?? 0;
  const loc = src.pos(start);
  if (++budget.values > MAX_VALUES) {
    throw new UserError(
      budget.alias !== undefined
        ? `YAML aliases expand to more than ${MAX_VALUES} values (an alias bomb?); alias '*${quote(budget.alias.name)}' is where it ran out`
        : `the document holds more than ${MAX_VALUES} values`,
      budget.alias?.loc ?? loc,
    );
  }
  if (depth > MAX_DEPTH) throw new UserError(`collections nested more than ${MAX_DEPTH} deep`, loc);
  if (isScalar(node)) {
    let value: ScalarValue;
    const v = node.value;
    if (v === null || typeof v === 'number' || typeof v === 'boolean') value = v;
    else if (typeof v === 'string') value = unmask(v);
    else value = unmask(String(v));
    const out: LScalar = { kind: 'scalar', value, loc, keyLoc };
    const range = node.range;
    const singleLine = range !== undefined && range !== null && !src.text.slice(range[0], range[1]).includes('\n');
    if (singleLine && node.type === 'PLAIN') out.textCol = 0;
    else if (singleLine && (node.type === 'QUOTE_DOUBLE' || node.type === 'QUOTE_SINGLE')) out.textCol = 1;
    return out;
  }
  if (isMap(node)) {
    const entries = new Map<string, LNode>();
    const merges: LNode[] = [];
    for (const pair of node.items) {
      const k = pair.key;
      if (isScalar(k) && typeof k.value === 'symbol') {
        // YAML merge key `<<: *base`: entries written explicitly win over merged ones.
        if (pair.value !== null) merges.push(convert(pair.value, doc, src, aliasStack, budget, depth + 1));
        continue;
      }
      const kStart = (k as { range?: [number, number, number] } | null)?.range?.[0] ?? start;
      const kLoc = src.pos(kStart);
      if (!isScalar(k)) throw new UserError('only plain keys are supported in a pipeline (no complex keys)', kLoc);
      const name = unmask(String(k.value));
      if (entries.has(name)) throw new UserError('YAML syntax error: Map keys must be unique', kLoc);
      const value: LNode =
        pair.value === null || pair.value === undefined
          ? { kind: 'scalar', value: null, loc: kLoc, keyLoc: kLoc }
          : convert(pair.value, doc, src, aliasStack, budget, depth + 1, kLoc);
      value.keyLoc = kLoc;
      entries.set(name, value);
    }
    for (const m of merges) {
      const maps = m.kind === 'seq' ? m.items : [m];
      for (const mm of maps) {
        if (mm.kind !== 'map')
          throw new UserError('a YAML merge key (<<) needs a mapping or a list of mappings', mm.loc);
        for (const [k, v] of mm.entries) if (!entries.has(k)) entries.set(k, v);
      }
    }
    return { kind: 'map', entries, loc, keyLoc };
  }
  if (isSeq(node)) {
    const items = node.items.map((it) =>
      it === null
        ? ({ kind: 'scalar', value: null, loc } as LScalar)
        : convert(it, doc, src, aliasStack, budget, depth + 1),
    );
    return { kind: 'seq', items, loc, keyLoc };
  }
  throw new UserError('unsupported YAML node', loc);
}

// ---- paths into a located tree -------------------------------------------------------------------------------

export function childOf(node: LNode, seg: string | number): LNode | undefined {
  if (node.kind === 'map') return node.entries.get(String(seg));
  if (node.kind === 'seq') {
    const i = typeof seg === 'number' ? seg : /^\d+$/.test(seg) ? Number(seg) : NaN;
    return Number.isInteger(i) ? node.items[i] : undefined;
  }
  return undefined;
}

export function nodeAt(root: LNode, path: Path): LNode | undefined {
  let n: LNode | undefined = root;
  for (const seg of path) {
    if (!n) return undefined;
    n = childOf(n, seg);
  }
  return n;
}

/**
 * The position for a path: a scalar's value, a collection's key (its value often starts on the next line), or,
 * when the path does not exist (e.g. a default filled in later), the nearest ancestor that does.
 */
export function locateIn(root: LNode, path: Path): SourceLocation {
  let n: LNode = root;
  for (const seg of path) {
    const next = childOf(n, seg);
    if (!next) return n.keyLoc ?? n.loc;
    n = next;
  }
  return n.kind === 'scalar' ? n.loc : (n.keyLoc ?? n.loc);
}

/** The position of the key that holds `path` (falls back like locateIn). */
export function locateKeyIn(root: LNode, path: Path): SourceLocation {
  const n = nodeAt(root, path);
  if (n?.keyLoc) return n.keyLoc;
  return locateIn(root, path);
}

export function toPlain(n: LNode): unknown {
  if (n.kind === 'scalar') return n.value;
  if (n.kind === 'seq') return n.items.map(toPlain);
  const out: Record<string, unknown> = {};
  for (const [k, v] of n.entries) {
    // defineProperty so that a key named __proto__ stays data.
    Object.defineProperty(out, k, { value: toPlain(v), enumerable: true, writable: true, configurable: true });
  }
  return out;
}

/** Gives every location in a tree the same position (used for values that come from the command line). */
export function relocate(n: LNode, loc: SourceLocation): LNode {
  if (n.kind === 'scalar') return { kind: 'scalar', value: n.value, loc };
  if (n.kind === 'seq') return { kind: 'seq', items: n.items.map((i) => relocate(i, loc)), loc };
  const entries = new Map<string, LNode>();
  for (const [k, v] of n.entries) entries.set(k, { ...relocate(v, loc), keyLoc: loc });
  return { kind: 'map', entries, loc };
}

export function cloneTree(n: LNode): LNode {
  if (n.kind === 'scalar') return { ...n };
  if (n.kind === 'seq') return { ...n, items: n.items.map(cloneTree) };
  const entries = new Map<string, LNode>();
  for (const [k, v] of n.entries) entries.set(k, cloneTree(v));
  return { ...n, entries };
}

export function pathToString(path: Path): string {
  let s = '';
  for (const seg of path) {
    if (typeof seg === 'number') s += `[${seg}]`;
    else s += s === '' ? seg : `.${seg}`;
  }
  return s;
}
