import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { PIPELINES } from '../helpers.js';
import { compileSymbolic, loadChecked } from '../../src/experiments/run.js';
import { mermaidLabel, renderMermaid } from '../../src/graph/render.js';
import { typeToString } from '../../src/ops/types.js';

/** Every shipped pipeline that compiles on its own (files starting with '_' are fragments to extend). */
function shippedPipelines(): string[] {
  const walk = (d: string): string[] =>
    readdirSync(d, { withFileTypes: true }).flatMap((e) =>
      e.isDirectory()
        ? walk(join(d, e.name))
        : e.name.endsWith('.yaml') && !e.name.startsWith('_')
          ? [join(d, e.name)]
          : [],
    );
  return walk(PIPELINES).sort();
}

// The statements renderMermaid writes, with every label quoted. Within the quotes Mermaid rejects only a
// double quote (it ends the label), and it reads `#name;` as an entity code, which current Mermaid renders
// as stray placeholder characters, so neither may appear; brackets and the rest are taken as they are.
const LABEL = '"([^"]*)"';
const STATEMENTS: [RegExp, string][] = [
  [new RegExp(`^  (n\\d+)\\[${LABEL}\\]:::(constant|step|step_eval|eval|loss|unused)$`), 'node'],
  [new RegExp(`^  (n\\d+) -->\\|${LABEL}\\| (n\\d+)$`), 'edge'],
  [new RegExp(`^  (n\\d+) --> (n\\d+)\\(\\[${LABEL}\\]\\)$`), 'output'],
  [/^ {2}classDef (constant|step|step_eval|eval|loss|unused) fill:#[0-9a-f]{6}$/, 'classDef'],
];
const ENTITY = /#\w+;/;

test('mermaid: every shipped pipeline renders to quoted labels Mermaid accepts, with plain brackets', () => {
  const files = shippedPipelines();
  assert.ok(files.length >= 10, `only ${files.length} pipelines found`);
  let bracketed = 0;
  for (const file of files) {
    const where = basename(file);
    const g = compileSymbolic(loadChecked(file));
    const lines = renderMermaid(g).split('\n');
    assert.equal(lines[0], 'flowchart TD', where);
    const nodeLabels: string[] = [];
    for (const line of lines.slice(1)) {
      const hit = STATEMENTS.map(([re, kind]) => [re.exec(line), kind] as const).find(([m]) => m);
      assert.ok(hit, `${where}: not a statement the renderer should write: ${line}`);
      const [m, kind] = hit;
      const label = kind === 'node' ? m![2]! : kind === 'edge' ? m![2]! : kind === 'output' ? m![3]! : undefined;
      if (label === undefined) continue;
      assert.doesNotMatch(label, ENTITY, `${where}: entity code in ${line}`);
      if (kind === 'node') nodeLabels.push(label);
    }
    // Each node's label is its name, op and output types verbatim: `[items, 64]`, not `#91;items, 64#93;`.
    const expected = g.order.map((id) => {
      const n = g.nodes.get(id)!;
      const types = Object.entries(n.outputTypes).map(([k, t]) =>
        Object.keys(n.outputTypes).length > 1 ? `${k}: ${typeToString(t)}` : typeToString(t),
      );
      return `${n.label}<br/>${n.op.name}<br/>${types.join(', ')}`;
    });
    assert.deepEqual(nodeLabels, expected, where);
    bracketed += nodeLabels.filter((l) => l.includes('[')).length;
  }
  assert.ok(bracketed > files.length, 'the shipped graphs have bracketed types to check');
});

test('mermaid: a label with a double quote or an entity-like # stays one quoted label', () => {
  for (const raw of ['say "hi"', 'a #91; b', '#quot;', 'x[1] (y) {z} a|b -> c']) {
    const q = mermaidLabel(raw);
    assert.match(q, /^"[^"]*"$/, raw);
    assert.doesNotMatch(q, ENTITY, raw);
  }
  assert.equal(mermaidLabel('x[1] (y) {z} a|b -> c'), '"x[1] (y) {z} a|b -> c"');
  assert.equal(mermaidLabel('say "hi"'), `"say 'hi'"`);
});
