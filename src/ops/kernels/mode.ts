/**
 * Reference mode: the straightforward execution that every optimisation is checked against. When on, kernels
 * take their plain route: the JS CSR loop instead of WebAssembly SIMD, composed propagation instead of the
 * fused layer mean, autodiff instead of hand-written gradients (InfoNCE, linear layers), per-step feature
 * cosines and an explicit [B, B] distance instead of the cached cosines and the Gram identity.
 * `anchorflow run --reference` or ANCHORFLOW_REFERENCE=1 turns it on; tests compare the two modes.
 * It is the `reference` flag (util/flags.ts), so setting it here also hands it to the point processes a sweep starts.
 */
import { flag, setFlag } from '../../util/flags.js';

export function referenceMode(): boolean {
  return flag('reference');
}

export function setReferenceMode(value: boolean): void {
  setFlag('reference', value);
}
