/**
 * The two native TensorFlow backends (tfjs-node, tfjs-node-gpu): loading one, and saying exactly what is
 * missing when it cannot run.
 *
 * Why a module of its own: both packages are optionalDependencies whose install script downloads libtensorflow
 * at `npm install` time. Where that download is unreachable, npm drops the package without failing, so the
 * usual state of a fresh install is "not there", and a user who asked for one of them needs to learn what it
 * takes (a library, a driver, CUDA) and the one command that installs it, not an import error. Three failures
 * look different and are fixed differently, so they are told apart: the package is absent; it is present but
 * its native binding (tfjs_binding.node, linked against libtensorflow) does not load; or tfjs-node-gpu loads
 * but TensorFlow found no CUDA device, in which case it runs every op on the CPU without a word.
 */
import { createRequire } from 'node:module';
import * as tf from '@tensorflow/tfjs';
import { quote } from '../util/errors.js';

export type NativeChoice = 'node-gpu' | 'node';

/** The version every @tensorflow/* package is pinned to (package.json), and the libtensorflow it fetches. */
const TFJS_VERSION = '4.22.0';
const LIBTENSORFLOW_VERSION = '2.9.1';

interface NativePackage {
  pkg: string;
  /** The libtensorflow build the package's install script downloads. */
  build: string;
  /** What the machine must have besides the package. */
  needs: string;
}

const NATIVE: Record<NativeChoice, NativePackage> = {
  'node-gpu': {
    pkg: '@tensorflow/tfjs-node-gpu',
    build: 'GPU build',
    needs:
      'It needs Linux x86-64, an NVIDIA driver >= 450, CUDA 11.2 and cuDNN 8.1 ' +
      '(libcudart.so.11.0 and libcudnn.so.8 on the library path, e.g. in LD_LIBRARY_PATH).',
  },
  node: {
    pkg: '@tensorflow/tfjs-node',
    build: 'CPU build',
    needs: 'It needs no GPU: TensorFlow runs on the CPU, multi-threaded.',
  },
};

/** Why a native backend cannot run; `detail` is the first line the loader reported, where there is one. */
export type NativeProblem =
  { kind: 'missing' } | { kind: 'binding'; detail: string } | { kind: 'no-init' } | { kind: 'no-gpu' };

export function nativePackage(choice: NativeChoice): string {
  return NATIVE[choice].pkg;
}

function installLine(choice: NativeChoice): string {
  const { pkg } = NATIVE[choice];
  const where =
    choice === 'node-gpu'
      ? 'on a machine that can download, with CUDA 11.2 and cuDNN 8.1 installed'
      : 'on a machine that can download';
  return `To install it, run \`npm install ${pkg}@${TFJS_VERSION}\` ${where}.`;
}

/** The full explanation a user gets for `--backend node-gpu` / `--backend node`: what is missing and how to get it. */
export function describeNativeProblem(choice: NativeChoice, problem: NativeProblem): string {
  const { pkg, build, needs } = NATIVE[choice];
  const fetches = `libtensorflow ${LIBTENSORFLOW_VERSION} (${build})`;
  const lines: string[] = [];
  switch (problem.kind) {
    case 'missing':
      lines.push(
        `backend '${choice}' is not available: ${pkg} is not installed.`,
        `It is an optional dependency (${TFJS_VERSION}) whose install script downloads ${fetches} during \`npm install\`; ` +
          'where that download cannot be reached, npm skips the package without an error.',
        needs,
        installLine(choice),
      );
      break;
    case 'binding':
      lines.push(
        `backend '${choice}' is not available: ${pkg} is installed, but its native binding failed to load:`,
        `  ${quote(problem.detail)}`, // indented once more under the block: the loader's own words
        `The binding links against ${fetches}, which the package's install script downloads into the package; ` +
          'a failed or skipped download leaves it missing.',
        needs,
        installLine(choice).replace('To install it', 'To reinstall it'),
      );
      break;
    case 'no-init':
      lines.push(
        `backend '${choice}' is not available: ${pkg} loaded, but its TensorFlow backend did not initialise.`,
        needs,
        installLine(choice),
      );
      break;
    case 'no-gpu':
      lines.push(
        `backend '${choice}' is not available: ${pkg} loaded, but TensorFlow found no CUDA device; ` +
          'without one, tfjs-node-gpu silently runs every op on the CPU.',
        needs,
        'Check that `nvidia-smi` lists the GPU and that both libraries are on the library path. ' +
          `For TensorFlow on the CPU, use --backend node (\`npm install @tensorflow/tfjs-node@${TFJS_VERSION}\`).`,
      );
      break;
  }
  lines.push('--backend auto (the default) skips what is missing and falls back to wasm.');
  // The first line follows the CLI's "--backend: "; the explanation under it is indented as a block.
  return lines.map((l, i) => (i === 0 ? l : `  ${l}`)).join('\n');
}

/** One line for `--backend auto`'s list of skipped candidates. */
export function summariseNativeProblem(choice: NativeChoice, problem: NativeProblem): string {
  const { pkg } = NATIVE[choice];
  switch (problem.kind) {
    case 'missing':
      return `${pkg} not installed`;
    case 'binding':
      return `${pkg} native binding failed to load (${quote(problem.detail, 120)})`;
    case 'no-init':
      return `${pkg} loaded but its backend did not initialise`;
    case 'no-gpu':
      return `${pkg} sees no CUDA device`;
  }
}

/** The first non-empty line of a loader error (dlopen's message, tfjs-node's "native addon ... not found"). */
function firstLine(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  return (
    text
      .split('\n')
      .find((l) => l.trim() !== '')
      ?.trim() ?? text
  );
}

/** Whether tfjs-node-gpu's backend runs on a CUDA device (it reports this itself; on the CPU it says false). */
function usesCudaDevice(): boolean {
  try {
    return (tf.backend() as unknown as { isUsingGpuDevice?: boolean }).isUsingGpuDevice === true;
  } catch {
    return false;
  }
}

/**
 * Loads a native package and makes its 'tensorflow' backend active; undefined on success, else what is wrong.
 * Resolving first tells "not installed" apart from "installed, but loading it failed" (its binding, or one of
 * the dependencies npm dropped with it), which an import error alone does not reliably do.
 */
export async function loadNativeBackend(choice: NativeChoice): Promise<NativeProblem | undefined> {
  const { pkg } = NATIVE[choice];
  try {
    createRequire(import.meta.url).resolve(pkg);
  } catch {
    return { kind: 'missing' };
  }
  try {
    await import(pkg);
  } catch (e) {
    return { kind: 'binding', detail: firstLine(e) };
  }
  if (!(await tf.setBackend('tensorflow'))) return { kind: 'no-init' };
  if (choice === 'node-gpu' && !usesCudaDevice()) return { kind: 'no-gpu' };
  return undefined;
}
