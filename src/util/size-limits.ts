/**
 * Upper bounds on the sizes a pipeline sets, shared by the operator schemas (ops/) and the base schema (dsl/).
 * Without them `dim: 1e9` or `layers: 1e6` passes `check` and then fails `run` deep inside an allocation or a
 * kernel. Each bound sits well above what the published models and the shipped pipelines use.
 */

/**
 * Widths: embedding sizes, layer widths, generated feature widths. The wasm backend keeps every tensor in one
 * 32-bit address space and the heap kernels address a matrix with 32-bit byte offsets, so rows × width × 4 bytes
 * must stay below 2^31. At 8,192 (2^13) columns that holds for up to 65,536 rows: more users or items than any
 * dataset the project uses has. 4,096-wide features (VGG) and 64–1,024-wide embeddings are normal.
 */
export const MAX_WIDTH = 8192;

/**
 * Layers of propagation or of an MLP: each keeps a [rows × width] output for the gradient (and for the layer
 * mean); the published models use 1–4 and over-smooth long before this.
 */
export const MAX_LAYERS = 64;

/** Neighbours (or pseudo-positives) per row of a kNN graph: the graph holds rows × k edges; models use 5–20. */
export const MAX_NEIGHBOURS = 1024;

/** Training triples per step: a batch of 2^20 is already larger than any dataset's training interactions. */
export const MAX_BATCH = 1 << 20;

/**
 * Users scored per block in evaluation: a block is a [users × items] score matrix, which must stay below 2^29
 * elements (2^31 bytes, as for MAX_WIDTH); 16,384 users × 32,768 items is that.
 */
export const MAX_EVAL_BATCH = 1 << 14;

/** Ranking cut-offs: top-K keeps [users × K] per block; metrics beyond K = 1,000 no longer describe a top of a list. */
export const MAX_CUTOFF = 1000;

/** Epochs, patience and evaluation intervals: a million epochs is beyond any training run; more is a typo. */
export const MAX_EPOCHS = 1_000_000;

/** Seeds: the generator takes 32 bits (a seed beyond them would silently collide with a smaller one). */
export const MAX_SEED = 2 ** 32 - 1;
