/**
 * How much memory this process may plan to use, so that a plan that cannot fit is refused with its figure
 * before anything is allocated (a huge typed array otherwise ends in a RangeError or the process being killed).
 */
import { readFileSync } from 'node:fs';
import { totalmem } from 'node:os';

export function formatBytes(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(n >= 1e11 ? 0 : 1)} GB`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(n >= 1e8 ? 0 : 1)} MB`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(0)} kB`;
  return `${n} bytes`;
}

/** tfjs indexes a tensor's elements with 32-bit integers. */
const MAX_TENSOR_ELEMENTS = 2 ** 31 - 1;

/**
 * Why a float32 matrix of `elements` values cannot be allocated here, or undefined when it can: checked before
 * allocating, so the refusal carries the figure instead of a RangeError.
 */
export function float32Refusal(elements: number): string | undefined {
  if (elements > MAX_TENSOR_ELEMENTS)
    return `${elements.toExponential(2)} values, more than one tensor can hold (2^31 - 1)`;
  const mem = machineMemory();
  if (elements * 4 > mem.bytes) return `${formatBytes(elements * 4)} as float32; ${mem.what}`;
  return undefined;
}

/** A container's memory limit (cgroup v2, then v1) when it is below the machine's. */
function cgroupLimit(): number | undefined {
  for (const f of ['/sys/fs/cgroup/memory.max', '/sys/fs/cgroup/memory/memory.limit_in_bytes']) {
    try {
      const n = Number(readFileSync(f, 'utf8').trim());
      if (Number.isFinite(n) && n > 0) return n;
    } catch {
      // not in a cgroup that limits memory, or not Linux
    }
  }
  return undefined;
}

/** The memory of the machine, or of the container when that is smaller, with the words to name it. */
export function machineMemory(): { bytes: number; what: string } {
  const total = totalmem();
  const limit = cgroupLimit();
  if (limit !== undefined && limit < total)
    return { bytes: limit, what: `the container is limited to ${formatBytes(limit)}` };
  return { bytes: total, what: `the machine has ${formatBytes(total)}` };
}
