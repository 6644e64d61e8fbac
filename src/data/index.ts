/** The data layer's public API. */
export type { Dataset, DataSpec, FeatureMatrix, FeatureSource, Interactions, UserItems } from './types.js';
export { readNpy, readNpyHeader, writeNpy, encodeNpy, halfToFloat, type NpyArray } from './npy.js';
export { readInter, parseInter, idBound, type InterFile } from './inter.js';
export { checkTrainable } from './trainable.js';
export {
  generateSynthetic,
  graphLatent,
  featuresFromLatent,
  syntheticFeatures,
  graphFeatures,
  SYNTH_PRESETS,
  PAPER_DIMS,
  SHARED_DIM,
  PRIVATE_DIM,
  type SynthPreset,
  type SyntheticData,
} from './synthetic.js';
export { resolveFeatures, type FeatureContext } from './features.js';
export { loadDataset, resolveDataDir, locateDataset, listDatasets, DATA_DIR_ENV } from './dataset.js';
export { buildUserItems, distinctItems, hasItem } from './csr.js';
export {
  epochOrder,
  batchSlices,
  batchCount,
  NegativeSampler,
  allocBatch,
  fillBatch,
  BatchIterator,
  EpochBatches,
  DEFAULT_BATCH_SIZE,
  type Batch,
} from './sampler.js';
export { inspectDataset, formatInspect, type DatasetSummary, type FeatureSummary } from './inspect.js';
