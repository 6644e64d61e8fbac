import { registry } from '../ops/registry.js';

export async function cmdOps(flags: { json?: boolean }): Promise<void> {
  const ops = registry.list();
  if (flags.json) {
    const out = ops.map((o) => ({
      name: o.name,
      category: o.category,
      doc: o.doc,
      loss: !!o.loss,
      params: o.params,
      inputs: o.inputs,
      outputs: o.outputs,
    }));
    process.stdout.write(JSON.stringify(out, null, 2) + '\n');
    return;
  }
  const lines: string[] = [];
  let category = '';
  for (const op of ops) {
    if (op.category !== category) {
      category = op.category;
      lines.push('', `${category}:`);
    }
    lines.push(`  ${op.name.padEnd(24)}${op.doc}`);
    const ins = op.inputs.map((i) => `${i.name}${i.list ? '[]' : ''}${i.optional ? '?' : ''}`).join(', ');
    const params = Object.keys(op.params.properties).join(', ');
    const outs = op.outputs.map((o) => o.name).join(', ');
    lines.push(`  ${''.padEnd(24)}in: ${ins || '-'}   params: ${params || '-'}   out: ${outs}${op.loss ? '   (loss)' : ''}`);
  }
  process.stdout.write(lines.slice(1).join('\n') + '\n');
}
