/**
 * Backend choice. `auto` tries tfjs-node-gpu (CUDA), then tfjs-node, then wasm, then cpu. The two native
 * packages are optionalDependencies: where their install fails (no libtensorflow download, as on this
 * project's machines) npm drops them and the import fails with MODULE_NOT_FOUND, so each is tried and skipped.
 */
import * as tf from '@tensorflow/tfjs';
import { installWasmCopyKernels } from '../ops/kernels/wasm-copy-kernels.js';
import { UserError } from '../util/errors.js';

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

async function tryNative(pkg: string): Promise<string | undefined> {
  try {
    await import(pkg);
  } catch (e) {
    return `${pkg} not installed (${(e as NodeJS.ErrnoException).code ?? (e as Error).message.split('\n')[0]})`;
  }
  if (!(await tf.setBackend('tensorflow'))) return `${pkg} loaded but its backend did not initialise`;
  return undefined;
}

async function hasCudaDevice(): Promise<boolean> {
  // tfjs-node-gpu falls back to the CPU silently when CUDA is missing; a GPU shows up as a device name.
  try {
    const backend = tf.backend() as unknown as { binding?: { TF_Version?: string }; isUsingGpuDevice?: boolean };
    return backend.isUsingGpuDevice === true;
  } catch {
    return false;
  }
}

export async function initBackend(choice: BackendChoice = 'auto'): Promise<BackendInfo> {
  if (active && (choice === 'auto' || choice === active.choice)) return active;
  if (!backendChoices.includes(choice))
    throw new UserError(`unknown backend '${choice}'; choose one of ${backendChoices.join(', ')}`, { file: '--backend' });
  tf.enableProdMode();
  const skipped: string[] = [];
  const candidates: Exclude<BackendChoice, 'auto'>[] = choice === 'auto' ? ['node-gpu', 'node', 'wasm', 'cpu'] : [choice];
  for (const c of candidates) {
    let why: string | undefined;
    if (c === 'node-gpu') {
      why = await tryNative('@tensorflow/tfjs-node-gpu');
      if (!why && choice === 'auto' && !(await hasCudaDevice())) why = 'tfjs-node-gpu sees no CUDA device';
    } else if (c === 'node') why = await tryNative('@tensorflow/tfjs-node');
    else if (c === 'wasm') {
      await import('@tensorflow/tfjs-backend-wasm');
      // setBackend resolves false (while getBackend may still say 'wasm') when initialisation fails: check it.
      if (!(await tf.setBackend('wasm'))) why = 'the wasm backend failed to initialise';
      else installWasmCopyKernels();
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
