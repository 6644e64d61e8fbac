/**
 * `anchorflow run --profile`: where a run's time goes, per phase of a training step (sampling, forward,
 * backward, optimiser, reading the losses) and evaluation, and per operator of the forward pass. Backward
 * time is not split by operator: tfjs runs the whole tape in one call.
 */
export interface ProfileReport {
  phases: Record<string, number>;
  ops: { node: string; op: string; ms: number; calls: number }[];
  totalMs: number;
}

export class Profiler {
  private readonly phases = new Map<string, number>();
  private readonly ops = new Map<string, { op: string; ms: number; calls: number }>();

  add(phase: string, ms: number): void {
    this.phases.set(phase, (this.phases.get(phase) ?? 0) + ms);
  }

  time<T>(phase: string, fn: () => T): T {
    const t = performance.now();
    try {
      return fn();
    } finally {
      this.add(phase, performance.now() - t);
    }
  }

  op(node: string, op: string, ms: number): void {
    const e = this.ops.get(node) ?? { op, ms: 0, calls: 0 };
    e.ms += ms;
    e.calls++;
    this.ops.set(node, e);
  }

  report(): ProfileReport {
    const phases = Object.fromEntries(this.phases);
    const totalMs = [...this.phases.values()].reduce((a, b) => a + b, 0);
    const ops = [...this.ops].map(([node, e]) => ({ node, ...e })).sort((a, b) => b.ms - a.ms);
    return { phases, ops, totalMs };
  }
}

/** A readable table: each phase's share of the run, then the forward time of the heaviest operators. */
export function formatProfile(r: ProfileReport, topOps = 12): string {
  const pct = (ms: number) => `${((100 * ms) / Math.max(r.totalMs, 1e-9)).toFixed(1).padStart(5)} %`;
  const lines = ['profile (share of measured time):'];
  for (const [k, ms] of Object.entries(r.phases).sort((a, b) => b[1] - a[1]))
    lines.push(`  ${k.padEnd(12)} ${pct(ms)}  ${(ms / 1000).toFixed(2)} s`);
  const fwd = r.phases.forward ?? 0;
  if (r.ops.length) {
    lines.push('forward time by node (share of the forward phase):');
    for (const o of r.ops.slice(0, topOps))
      lines.push(
        `  ${o.node.padEnd(16)} ${o.op.padEnd(24)} ${((100 * o.ms) / Math.max(fwd, 1e-9)).toFixed(1).padStart(5)} %  ${(o.ms / o.calls).toFixed(1)} ms/call`,
      );
  }
  return lines.join('\n');
}
