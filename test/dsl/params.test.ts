import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluateExpression, parseYamlText, substituteParams, toPlain, type LMap } from '../../src/dsl/index.js';
import { UserError } from '../../src/util/errors.js';
import { userError } from './tmp.js';

const sub = (src: string): unknown => toPlain(substituteParams(parseYamlText(src, 'p.yaml') as LMap));
const ev = (s: string, vars: Record<string, number> = {}): number =>
  evaluateExpression(
    s,
    (n) => vars[n]!,
    (i, m) => {
      throw new UserError(`${m} @${i}`);
    },
  );

test('arithmetic: precedence, parentheses, unary minus, scientific notation', () => {
  assert.equal(ev('1 + 2 * 3'), 7);
  assert.equal(ev('(1 + 2) * 3'), 9);
  assert.equal(ev('10 - 4 - 3'), 3, 'left associative');
  assert.equal(ev('8 / 4 / 2'), 1);
  assert.equal(ev('-2 * -3'), 6);
  assert.equal(ev('- (1 + 2)'), -3);
  assert.equal(ev('1e-3 * 2'), 0.002);
  assert.equal(ev('2.5E2 + .5'), 250.5);
  assert.equal(ev('1 - ${a}', { a: 0.7 }), 0.3, 'binary noise rounded away');
});

test('arithmetic errors say what was expected where', () => {
  assert.throws(() => ev('2 * * 3'), /expected a number, \$\{name\} or '\(' at column 5 of '2 \* \* 3', found '\*' @4/);
  assert.throws(() => ev('(1 + 2'), /expected '\)' to close the '\(' at column 1/);
  assert.throws(() => ev('1 2'), /expected an operator \(\+ - \* \/\) at column 3/);
  assert.throws(() => ev('1 / 0'), /evaluates to Infinity/);
  assert.throws(() => ev('3 +'), /found the end/);
});

test('exact reference keeps the type; arithmetic evaluates; other strings interpolate', () => {
  const out = sub(`
params: { alpha: 0.25, dim: 64, a: 1, b: 4, w: 2, tag: big, on: true, list: [1, 2] }
nodes:
  n:
    exact: \${dim}
    flag: \${on}
    lst: \${list}
    mix: [\${alpha}, 1 - \${alpha}]
    dbl: \${dim} * 2
    avg: (\${a} + \${b}) / 2
    neg: -\${alpha}
    small: 1e-3 * \${w}
    prec: 1 + \${b} * 2
    name: run-\${dim}
    text: "\${tag}-\${dim}"
`);
  assert.deepEqual((out as { nodes: unknown }).nodes, {
    n: {
      exact: 64,
      flag: true,
      lst: [1, 2],
      mix: [0.25, 0.75],
      dbl: 128,
      avg: 2.5,
      neg: -0.25,
      small: 0.002,
      prec: 9,
      name: 'run-64',
      text: 'big-64',
    },
  });
});

test('params may reference other params, in any order', () => {
  const out = sub(
    'params: { d2: "${dim} * 2", dim: 16, name: "m${d2}" }\nnodes: { n: { x: "${d2}", y: "${name}" } }\n',
  ) as Record<string, unknown>;
  assert.deepEqual(out.params, { d2: 32, dim: 16, name: 'm32' });
  assert.deepEqual(out.nodes, { n: { x: 32, y: 'm32' } });
});

test('cycles between params are reported with the chain', () => {
  const e = userError(() => sub('params:\n  a: ${b} + 1\n  b: ${a} * 2\n'));
  assert.match(e.message, /cycle: a -> b -> a/);
  assert.equal(e.loc?.line, 2);
});

test('unknown parameter: did you mean, located at the reference', () => {
  const e = userError(() => sub('params: { alpha: 0.5, dim: 8 }\nnodes:\n  n: { w: 1 - ${alpah} }\n'));
  assert.equal(e.message, "unknown parameter 'alpah' (did you mean 'alpha'?); defined parameters: alpha, dim");
  assert.deepEqual([e.loc?.line, e.loc?.col], [3, 15]);
  assert.equal(e.loc?.excerpt, '  n: { w: 1 - ${alpah} }');
});

test('malformed expression located at the offending character', () => {
  const e = userError(() => sub('params: { dim: 8 }\nnodes:\n  n: { w: ${dim} * / 2 }\n'));
  assert.match(e.message, /expected a number, \$\{name\} or '\(' at column 10 of '\$\{dim\} \* \/ 2', found '\/'/);
  assert.deepEqual([e.loc?.line, e.loc?.col], [3, 20]);
});

test('bad reference syntax', () => {
  assert.match(userError(() => sub('params: { a: 1 }\nx: "${a"\n')).message, /unclosed '\$\{'/);
  assert.match(userError(() => sub('params: { a: 1 }\nx: "${a + 1}"\n')).message, /is not a parameter reference/);
  assert.match(userError(() => sub('x: "${}"\n')).message, /empty reference/);
});

test('params keys and sweep are left alone', () => {
  const out = sub(
    'params: { dim: 8 }\nsweep: { template: "${dim}", params: { dim: [8, 16] } }\nname: "n${dim}"\n',
  ) as Record<string, unknown>;
  assert.deepEqual(out.sweep, { template: '${dim}', params: { dim: [8, 16] } });
  assert.equal(out.name, 'n8');
});

test('a list param cannot be part of a larger expression', () => {
  const e = userError(() => sub('params: { l: [1] }\nx: 2 * ${l}\n'));
  assert.match(e.message, /parameter 'l' is a list; it can only be used alone/);
});

// ---- limits on hostile input ----------------------------------------------------------------------------------

test('expressions: nesting of parentheses and signs beyond 64, or over 1,000 characters, is an error, not a stack overflow', () => {
  assert.equal(ev(`${'('.repeat(64)}1${')'.repeat(64)}`), 1);
  assert.equal(ev(`${'-'.repeat(64)}2`), 2);
  assert.throws(() => ev(`${'('.repeat(20_000)}1${')'.repeat(20_000)}`), /expression longer than 1000 characters/);
  assert.throws(() => ev(`${'('.repeat(65)}1${')'.repeat(65)}`), /expression nested more than 64 deep @64/);
  assert.throws(() => ev(`${'-'.repeat(500)}1`), /expression nested more than 64 deep/);
});

test('a string doubled through forty parameters stops at 10,000 characters, located at the use', () => {
  const defs = Array.from({ length: 40 }, (_, i) => `  s${i + 1}: "\${s${i}}\${s${i}}"`).join('\n');
  const e = userError(() => sub(`params:\n  s0: ab\n${defs}\ndescription: "\${s40}"\n`));
  assert.match(e.message, /substituting parameters makes a string longer than 10000 characters/);
  assert.equal(e.loc?.line, 2 + 13);
});

test('a list parameter doubled forty times stops at the value budget', () => {
  const defs = Array.from({ length: 40 }, (_, i) => `  l${i + 1}: ["\${l${i}}", "\${l${i}}"]`).join('\n');
  const e = userError(() => sub(`params:\n  l0: [1, 1]\n${defs}\n`));
  assert.match(e.message, /parameters expand to more than 50000 values/);
});

test('parameters defined through one another more than 64 deep are an error; 64 are fine', () => {
  const chain = (n: number) =>
    `params:\n${Array.from({ length: n }, (_, i) => `  p${i}: "\${p${i + 1}}"`).join('\n')}\n  p${n}: 7\nx: "\${p0}"\n`;
  assert.equal((sub(chain(63)) as { x: number }).x, 7);
  const e = userError(() => sub(chain(5000)));
  assert.match(e.message, /parameters are defined through one another more than 64 deep \(p0 -> p1 -> \.\.\.\)/);
});
