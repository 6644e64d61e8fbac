/**
 * `${name}` substitution. A value that is exactly `${x}` takes the parameter's value with its type; a value that
 * combines references with arithmetic (`1 - ${alpha}`, `${dim} * 2`) is evaluated; any other string is
 * interpolated (`run-${dim}`). Parameters may refer to each other. `params:` keys and `sweep:` are left alone
 * (a sweep lists values *for* parameters, it does not use them).
 */
import { quote, UserError, type SourceLocation } from '../util/errors.js';
import { MAX_EXPRESSION_CHARS, MAX_EXPRESSION_DEPTH, MAX_PARAM_CHAIN, MAX_STRING_CHARS, MAX_VALUES } from './limits.js';
import { didYouMean } from './suggest.js';
import { cloneTree, describeKind, type LMap, type LNode, type LScalar } from './yaml-source.js';

const NAME_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Location of the character at `index` inside a scalar's text, where that can be computed. */
function locAt(node: LScalar, index: number): SourceLocation {
  if (node.textCol === undefined || node.loc.col === undefined) return node.loc;
  return { ...node.loc, col: node.loc.col + node.textCol + index };
}

interface Ref {
  name: string;
  /** Index of `$` in the string. */
  start: number;
  /** Index just past `}`. */
  end: number;
}

/** Finds the `${...}` references in a string, checking their syntax. */
export function scanRefs(s: string, errAt: (index: number, msg: string) => never): Ref[] {
  const refs: Ref[] = [];
  let i = s.indexOf('${');
  while (i >= 0) {
    const close = s.indexOf('}', i + 2);
    if (close < 0) errAt(i, `unclosed '\${' in '${quote(s)}': expected '}'`);
    const inner = s.slice(i + 2, close).trim();
    if (inner === '') errAt(i, `empty reference '\${}' in '${quote(s)}': expected a parameter name, e.g. \${dim}`);
    if (!NAME_RE.test(inner)) {
      errAt(
        i,
        `'\${${quote(inner)}}' is not a parameter reference: expected a name (letters, digits, _); write arithmetic outside the braces, e.g. \${a} + \${b}`,
      );
    }
    refs.push({ name: inner, start: i, end: close + 1 });
    i = s.indexOf('${', close + 1);
  }
  return refs;
}

// ---- arithmetic ------------------------------------------------------------------------------------------------

/**
 * Evaluates `+ - * /`, parentheses, unary minus/plus, numbers (incl. 1e-3) and `${name}` references.
 * Recursive descent; `errAt(index, message)` reports a problem at a character of `s`.
 */
export function evaluateExpression(
  s: string,
  lookup: (name: string, index: number) => number,
  errAt: (index: number, msg: string) => never,
): number {
  let i = 0;
  const skip = (): void => {
    while (i < s.length && /\s/.test(s[i]!)) i++;
  };
  const describeHere = (): string => (i >= s.length ? 'the end' : `'${quote(s[i]!)}'`);
  if (s.length > MAX_EXPRESSION_CHARS) errAt(0, `expression longer than ${MAX_EXPRESSION_CHARS} characters`);
  // Parentheses and signs recurse; bounding their nesting keeps a hostile expression off the end of the stack.
  let depth = 0;
  const deeper = (): void => {
    if (++depth > MAX_EXPRESSION_DEPTH) errAt(i, `expression nested more than ${MAX_EXPRESSION_DEPTH} deep`);
  };

  const primary = (): number => {
    skip();
    const c = s[i];
    if (c === '(') {
      deeper();
      const open = i;
      i++;
      const v = sum();
      skip();
      if (s[i] !== ')')
        errAt(i, `expected ')' to close the '(' at column ${open + 1} of '${quote(s)}', found ${describeHere()}`);
      i++;
      depth--;
      return v;
    }
    if (c === '$' && s[i + 1] === '{') {
      const start = i;
      const close = s.indexOf('}', i);
      const name = s.slice(i + 2, close).trim();
      i = close + 1;
      return lookup(name, start);
    }
    const m = /^(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?/.exec(s.slice(i));
    if (m) {
      i += m[0].length;
      return Number(m[0]);
    }
    return errAt(i, `expected a number, \${name} or '(' at column ${i + 1} of '${quote(s)}', found ${describeHere()}`);
  };
  const unary = (): number => {
    skip();
    if (s[i] === '-' || s[i] === '+') {
      const sign = s[i];
      deeper();
      i++;
      const v = unary();
      depth--;
      return sign === '-' ? -v : v;
    }
    return primary();
  };
  const product = (): number => {
    let v = unary();
    for (;;) {
      skip();
      const op = s[i];
      if (op !== '*' && op !== '/') return v;
      i++;
      const r = unary();
      v = op === '*' ? v * r : v / r;
    }
  };
  const sum = (): number => {
    let v = product();
    for (;;) {
      skip();
      const op = s[i];
      if (op !== '+' && op !== '-') return v;
      i++;
      const r = product();
      v = op === '+' ? v + r : v - r;
    }
  };

  const v = sum();
  skip();
  if (i < s.length)
    errAt(i, `expected an operator (+ - * /) at column ${i + 1} of '${quote(s)}', found ${describeHere()}`);
  if (!Number.isFinite(v)) errAt(0, `'${quote(s)}' evaluates to ${v} (division by zero?)`);
  // Rounding to 15 significant digits removes binary noise such as 1 - 0.7 = 0.30000000000000004.
  return Number(v.toPrecision(15));
}

/** Only digits, operators, parentheses, dots, exponents and spaces between the references: an expression. */
function looksArithmetic(s: string, refs: Ref[]): boolean {
  let rest = '';
  let last = 0;
  for (const r of refs) {
    rest += s.slice(last, r.start) + ' ';
    last = r.end;
  }
  rest += s.slice(last);
  return /[-+*/()]/.test(rest) && /^[\s\d.eE+\-*/()]*$/.test(rest);
}

// ---- substitution ----------------------------------------------------------------------------------------------

const SKIP_SECTIONS = new Set(['params', 'sweep']);

/** Substitutes params throughout the document; returns a new tree (params resolved in place too). */
export function substituteParams(tree: LMap): LMap {
  const paramsNode = tree.entries.get('params');
  if (
    paramsNode !== undefined &&
    paramsNode.kind !== 'map' &&
    !(paramsNode.kind === 'scalar' && paramsNode.value === null)
  ) {
    throw new UserError(`params must be a mapping of name: value, got ${describeKind(paramsNode)}`, paramsNode.loc);
  }
  const defs = paramsNode?.kind === 'map' ? paramsNode.entries : new Map<string, LNode>();
  const resolved = new Map<string, LNode>();
  const resolving: string[] = [];
  let copied = 0;

  const param = (name: string, node: LScalar, index: number): LNode => {
    const done = resolved.get(name);
    if (done) return done;
    const def = defs.get(name);
    if (def === undefined) {
      const known = [...defs.keys()];
      const list = known.length ? `defined parameters: ${known.join(', ')}` : 'there is no params: section';
      throw new UserError(`unknown parameter '${name}'${didYouMean(name, known)}; ${list}`, locAt(node, index));
    }
    if (resolving.includes(name)) {
      const chain = [...resolving.slice(resolving.indexOf(name)), name].join(' -> ');
      throw new UserError(`parameters refer to each other in a cycle: ${chain}`, def.loc);
    }
    if (resolving.length >= MAX_PARAM_CHAIN) {
      throw new UserError(
        `parameters are defined through one another more than ${MAX_PARAM_CHAIN} deep (${resolving[0]} -> ${resolving[1]} -> ...)`,
        def.loc,
      );
    }
    resolving.push(name);
    const v = subst(def);
    resolving.pop();
    resolved.set(name, v);
    return v;
  };

  const substString = (node: LScalar & { value: string }): LNode => {
    const s = node.value;
    const errAt = (index: number, msg: string): never => {
      throw new UserError(msg, locAt(node, index));
    };
    const refs = scanRefs(s, errAt);
    if (refs.length === 0) return node;
    if (refs.length === 1 && refs[0]!.start === 0 && refs[0]!.end === s.length) {
      // The whole value is one reference: keep the parameter's type; the position stays at the use.
      const p = param(refs[0]!.name, node, 0);
      // Each use copies the parameter's value: a list parameter used twice in the next one doubles, and so on.
      copied += countValues(p);
      if (copied > MAX_VALUES) errAt(0, `parameters expand to more than ${MAX_VALUES} values`);
      return relocateShallow(cloneTree(p), node);
    }
    const values = refs.map((r) => {
      const v = param(r.name, node, r.start);
      if (v.kind !== 'scalar') {
        errAt(
          r.start,
          `parameter '${r.name}' is ${describeKind(v)}; it can only be used alone, as the whole value '\${${r.name}}'`,
        );
      }
      return (v as LScalar).value;
    });
    if (looksArithmetic(s, refs) && values.every((v) => typeof v === 'number')) {
      const value = evaluateExpression(
        s,
        (name, index) => (param(name, node, index) as LScalar).value as number,
        errAt,
      );
      return { ...node, value, textCol: undefined };
    }
    let out = '';
    let last = 0;
    refs.forEach((r, k) => {
      out += s.slice(last, r.start) + String(values[k]);
      last = r.end;
      // Checked as it grows: a string that doubles itself through forty parameters would not fit in memory.
      if (out.length > MAX_STRING_CHARS)
        errAt(r.start, `substituting parameters makes a string longer than ${MAX_STRING_CHARS} characters`);
    });
    out += s.slice(last);
    if (out.length > MAX_STRING_CHARS)
      errAt(0, `substituting parameters makes a string longer than ${MAX_STRING_CHARS} characters`);
    return { ...node, value: out, textCol: undefined };
  };

  const subst = (n: LNode): LNode => {
    if (n.kind === 'scalar') {
      return typeof n.value === 'string' && n.value.includes('${') ? substString(n as LScalar & { value: string }) : n;
    }
    if (n.kind === 'seq') return { ...n, items: n.items.map(subst) };
    const entries = new Map<string, LNode>();
    for (const [k, v] of n.entries) entries.set(k, subst(v));
    return { ...n, entries };
  };

  const out = new Map<string, LNode>();
  for (const [k, v] of tree.entries) {
    if (k === 'params' && v.kind === 'map') {
      const ps = new Map<string, LNode>();
      for (const name of v.entries.keys()) ps.set(name, param(name, v.entries.get(name) as LScalar, 0));
      out.set(k, { ...v, entries: ps });
    } else out.set(k, SKIP_SECTIONS.has(k) ? v : subst(v));
  }
  return { ...tree, entries: out };
}

/** A substituted value is reported where it was used, not where the parameter was defined. */
function relocateShallow(v: LNode, at: LScalar): LNode {
  return { ...v, loc: at.loc, keyLoc: at.keyLoc, ...(v.kind === 'scalar' ? { textCol: undefined } : {}) };
}

function countValues(n: LNode): number {
  if (n.kind === 'scalar') return 1;
  let c = 1;
  if (n.kind === 'seq') for (const it of n.items) c += countValues(it);
  else for (const v of n.entries.values()) c += countValues(v);
  return c;
}
