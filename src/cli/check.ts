import { statSync } from 'node:fs';
import { checkPipelinePath, pipelinesIn } from './pipeline-path.js';
import { compileSymbolic, loadChecked } from '../graph/stages.js';
import { formatUserError, isUserError } from '../util/errors.js';

/** Pipeline files under the given paths (folders are searched recursively for .yaml / .yml). */
export function pipelineFiles(paths: string[]): string[] {
  return paths.flatMap((p) => (statSync(checkPipelinePath(p, { folders: true })).isDirectory() ? pipelinesIn(p) : [p]));
}

export async function cmdCheck(
  paths: string[],
  flags: { set: string[]; watch?: boolean; plain?: boolean },
): Promise<void> {
  // Imported on demand: chokidar and the watch screen are only needed in watch mode.
  if (flags.watch) return (await import('./watch.js')).checkWatch(paths, { set: flags.set, plain: flags.plain });
  let failed = 0;
  for (const file of pipelineFiles(paths)) {
    try {
      const loaded = loadChecked(file, flags.set);
      const g = compileSymbolic(loaded);
      const nodes = [...g.nodes.values()].filter((n) => !n.isLoss).length;
      process.stdout.write(`ok  ${file}: ${loaded.pipeline.name}, ${nodes} nodes, ${g.losses.length} losses\n`);
    } catch (e) {
      if (!isUserError(e)) throw e;
      failed++;
      process.stderr.write(formatUserError(e) + '\n');
    }
  }
  if (failed) process.exitCode = 2;
}
