/** Human views of a compiled graph: a text summary of the plan, Graphviz dot and Mermaid. */
import { typeToString } from '../ops/types.js';
import type { CompiledGraph, CompiledNode } from './types.js';

function phaseOf(n: CompiledNode): string {
  if (n.constant) return 'constant';
  if (n.isLoss) return 'loss';
  if (n.inStep && (n.inEval || n.inExport)) return 'step+eval';
  if (n.inStep) return 'step';
  if (n.inEval || n.inExport) return 'eval';
  return 'unused';
}

function outTypes(n: CompiledNode): string {
  return Object.entries(n.outputTypes)
    .map(([k, t]) => (Object.keys(n.outputTypes).length > 1 ? `${k}: ${typeToString(t)}` : typeToString(t)))
    .join(', ');
}

export function renderText(g: CompiledGraph, name: string): string {
  const lines: string[] = [];
  const nodes = g.order.map((id) => g.nodes.get(id)!);
  lines.push(`${name}: ${nodes.filter((n) => !n.isLoss).length} nodes, ${g.losses.length} losses`);
  const width = Math.max(...nodes.map((n) => n.label.length)) + 2;
  const opWidth = Math.max(...nodes.map((n) => n.op.name.length)) + 2;
  const row = (n: CompiledNode) =>
    `  ${n.label.padEnd(width)}${n.op.name.padEnd(opWidth)}${outTypes(n)}${n.isLoss && n.weight !== 1 ? `  (weight ${n.weight})` : ''}`;
  const section = (title: string, ids: string[]) => {
    if (!ids.length) return;
    lines.push('', title);
    for (const id of ids) lines.push(row(g.nodes.get(id)!));
  };
  section('computed once (constants):', g.plan.constant);
  if (g.plan.transposes.length) lines.push(`  transposed once: ${g.plan.transposes.join(', ')}`);
  section('per training step:', g.plan.step);
  const pd = g.plan.pushdown;
  if (pd.nodes.length)
    lines.push(
      `  on the batch's items only (row pushdown): ${pd.nodes.map((id) => g.nodes.get(id)!.label).join(', ')} -> ${pd.losses.map((id) => g.nodes.get(id)!.label).join(', ')}`,
    );
  section('at evaluation:', g.plan.eval);
  const exportOnly = g.plan.export.filter((id) => !g.plan.eval.includes(id));
  if (exportOnly.length) section('only when exporting embeddings (extra outputs):', exportOnly);
  if (g.plan.unused.length) section('unused (nothing depends on them):', g.plan.unused);
  lines.push('', 'outputs:');
  for (const [k, ref] of Object.entries(g.outputs))
    lines.push(`  ${k.padEnd(width)}${ref.node}.${ref.port}  ${typeToString(g.outputTypes[k]!)}`);
  return lines.join('\n');
}

const colors: Record<string, string> = {
  constant: '#dfe7f2',
  step: '#fde9c8',
  'step+eval': '#fde9c8',
  eval: '#e3f2df',
  loss: '#f6d5d5',
  unused: '#eeeeee',
};

function edges(g: CompiledGraph): { from: string; to: string; label: string }[] {
  const out: { from: string; to: string; label: string }[] = [];
  for (const n of g.nodes.values())
    for (const [port, refs] of Object.entries(n.inputs))
      for (const r of Array.isArray(refs) ? refs : [refs]) {
        const src = g.nodes.get(r.node)!;
        const fromPort = src.op.outputs.length > 1 ? `${r.port} -> ` : '';
        out.push({ from: r.node, to: n.id, label: `${fromPort}${port}` });
      }
  return out;
}

export function renderDot(g: CompiledGraph, name: string): string {
  const q = (s: string) => JSON.stringify(s);
  const lines = [
    `digraph ${q(name)} {`,
    '  rankdir=TB;',
    '  node [shape=box, style="rounded,filled", fontname="Helvetica"];',
  ];
  for (const id of g.order) {
    const n = g.nodes.get(id)!;
    const label = `${n.label}\\n${n.op.name}${n.isLoss ? ` ×${n.weight}` : ''}\\n${outTypes(n)}`;
    lines.push(`  ${q(id)} [label="${label.replace(/"/g, '\\"')}", fillcolor=${q(colors[phaseOf(n)]!)}];`);
  }
  for (const e of edges(g)) lines.push(`  ${q(e.from)} -> ${q(e.to)} [label=${q(e.label)}];`);
  for (const [k, ref] of Object.entries(g.outputs)) {
    lines.push(`  ${q(`output:${k}`)} [label=${q(`output ${k}`)}, shape=ellipse, fillcolor="#ffffff"];`);
    lines.push(`  ${q(ref.node)} -> ${q(`output:${k}`)};`);
  }
  lines.push('}');
  return lines.join('\n');
}

/**
 * A quoted Mermaid label. Within quotes Mermaid takes brackets, parentheses, `|` and `->` as they are, so
 * the text stays plain. Entity codes (`#91;`, `#quot;`) are avoided altogether: current Mermaid renders them
 * as stray placeholder characters. The two things that cannot be plain are a double quote, which would end
 * the label (written as a single quote), and `#`, which starts an entity code (written as a full-width ＃).
 * Node names and types never contain either; this only keeps an odd name from breaking the diagram.
 */
export function mermaidLabel(s: string): string {
  return `"${s.replace(/"/g, "'").replace(/#/g, '\uff03')}"`;
}

export function renderMermaid(g: CompiledGraph): string {
  const ids = new Map<string, string>();
  [...g.order, ...Object.keys(g.outputs).map((k) => `output:${k}`)].forEach((id, i) => ids.set(id, `n${i}`));
  // Line breaks are inserted after escaping, so that the `<br/>` tags are not escaped with the text.
  const nodeLabel = (...parts: string[]) => mermaidLabel(parts.join('\n')).replace(/\n/g, '<br/>');
  const lines = ['flowchart TD'];
  for (const id of g.order) {
    const n = g.nodes.get(id)!;
    lines.push(`  ${ids.get(id)}[${nodeLabel(n.label, n.op.name, outTypes(n))}]:::${phaseOf(n).replace('+', '_')}`);
  }
  for (const e of edges(g)) lines.push(`  ${ids.get(e.from)} -->|${mermaidLabel(e.label)}| ${ids.get(e.to)}`);
  for (const [k, ref] of Object.entries(g.outputs))
    lines.push(`  ${ids.get(ref.node)} --> ${ids.get(`output:${k}`)}([${mermaidLabel(`output ${k}`)}])`);
  for (const [phase, color] of Object.entries(colors))
    lines.push(`  classDef ${phase.replace('+', '_')} fill:${color}`);
  return lines.join('\n');
}
