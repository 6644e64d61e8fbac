/**
 * Backend choice. `auto` tries tfjs-node-gpu (CUDA), then tfjs-node, then wasm, then cpu. The two native
 * packages are optionalDependencies: where their install fails (no libtensorflow download, as on this
 * project's machines) npm drops them, so under `auto` each is tried and skipped (native-backend.ts); asked for
 * by name, one that cannot run is a user error that says what is missing and how to install it.
 * The project's own kernels (ops/kernels/registry.ts) serve the wasm backend only; every other backend runs tfjs's
 * stock kernels.
 */
import * as tf from '@tensorflow/tfjs';
import { installKernels } from '../ops/kernels/registry.js';
import { UserError } from '../util/errors.js';
import { describeNativeProblem, loadNativeBackend, summariseNativeProblem } from './native-backend.js';

import { backendChoices, type BackendChoice } from './backend-choice.js';

export { backendChoices, type BackendChoice };

export interface BackendInfo {
  /** What was asked for and what runs: e.g. 'wasm' (tfjs backend 'wasm'). */
  choice: Exclude<BackendChoice, 'auto'>;
  /** tf.getBackend(): 'tensorflow', 'wasm' or 'cpu'. */
  tfBackend: string;
  /** Why the earlier candidates were skipped (auto only). */
  skipped: string[];
}

let active: BackendInfo | undefined;

export async function initBackend(choice: BackendChoice = 'auto'): Promise<BackendInfo> {
  if (active && (choice === 'auto' || choice === active.choice)) return active;
  if (!backendChoices.includes(choice))
    throw new UserError(`unknown backend '${choice}'; choose one of ${backendChoices.join(', ')}`, {
      file: '--backend',
    });
  tf.enableProdMode();
  const skipped: string[] = [];
  const candidates: Exclude<BackendChoice, 'auto'>[] =
    choice === 'auto' ? ['node-gpu', 'node', 'wasm', 'cpu'] : [choice];
  for (const c of candidates) {
    let why: string | undefined;
    if (c === 'node-gpu' || c === 'node') {
      const problem = await loadNativeBackend(c);
      // Asked for by name, a native backend that cannot run is the user's to fix: say what is missing and how
      // to install it. Under auto it is one skipped candidate among others.
      if (problem && choice !== 'auto') throw new UserError(describeNativeProblem(c, problem), { file: '--backend' });
      if (problem) why = summariseNativeProblem(c, problem);
    } else if (c === 'wasm') {
      await import('@tensorflow/tfjs-backend-wasm');
      // setBackend resolves false (while getBackend may still say 'wasm') when initialisation fails: check it.
      if (!(await tf.setBackend('wasm'))) why = 'the wasm backend failed to initialise';
      else installKernels('wasm');
    } else if (!(await tf.setBackend('cpu'))) why = 'the cpu backend failed to initialise';
    if (!why) {
      await tf.ready();
      active = { choice: c, tfBackend: tf.getBackend(), skipped };
      return active;
    }
    skipped.push(why);
  }
  throw new UserError(`backend '${choice}' is not available here: ${skipped.join('; ')}`, { file: '--backend' });
}
