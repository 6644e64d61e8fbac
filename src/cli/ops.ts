import { registry } from '../ops/registry.js';
import { listKernels } from '../ops/kernels/registry.js';

/** `ops --kernels`: ops/kernels/registry.ts's list, one kernel or gradient closure a line, then why. */
function printKernels(json: boolean): void {
  const rows = listKernels();
  if (json) {
    process.stdout.write(JSON.stringify(rows, null, 2) + '\n');
    return;
  }
  const lines: string[] = [];
  for (const kind of ['registered', 'closure'] as const) {
    lines.push(
      '',
      kind === 'registered' ? 'registered kernels (tf.registerKernel):' : 'gradient closures (tf.customGrad):',
    );
    for (const r of rows.filter((x) => x.kind === kind)) {
      const tags = [r.backend, `gradient: ${r.gradient}`, ...(r.replacesStock ? ['replaces stock'] : [])].join(', ');
      lines.push(`  ${r.name.padEnd(26)}${tags}   ${r.file}`);
      lines.push(`  ${''.padEnd(26)}${r.why}`);
    }
  }
  process.stdout.write(lines.slice(1).join('\n') + '\n');
}

export async function cmdOps(flags: { json?: boolean; kernels?: boolean }): Promise<void> {
  if (flags.kernels) return printKernels(!!flags.json);
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
    lines.push(
      `  ${''.padEnd(24)}in: ${ins || '-'}   params: ${params || '-'}   out: ${outs}${op.loss ? '   (loss)' : ''}`,
    );
  }
  process.stdout.write(lines.slice(1).join('\n') + '\n');
}
