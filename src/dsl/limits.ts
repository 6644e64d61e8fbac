/**
 * Bounds on what the pipeline language reads. A pipeline is a hand-written page of YAML; each limit is far above
 * what one needs and far below what would let a hostile or broken file (an alias bomb, a device, a megabyte-long
 * line, thousands of nested brackets) take minutes, gigabytes or the stack. Crossing one is a located UserError.
 */

/**
 * Largest pipeline file, in bytes; checked before reading, so a huge or endless file is never read whole. The
 * shipped pipelines are a few KB, and the yaml package's parse time grows with the text, so the bound stays small.
 */
export const MAX_FILE_BYTES = 256 << 10;

/** Longest source line, in characters. Long enough for any flow mapping or list a person writes on one line. */
export const MAX_LINE_CHARS = 10_000;

/**
 * Deepest nesting of collections. The yaml package parses flow collections recursively: tens of thousands of
 * `[` exhaust its stack or its memory before it returns, so flow nesting is measured before parsing.
 */
export const MAX_DEPTH = 64;

/**
 * Most values (scalars and collections) one document may expand to, aliases counted at every use. An alias
 * bomb is a few hundred bytes that expand exponentially; the budget stops it after this many values.
 */
export const MAX_VALUES = 50_000;

/** Most files one `extends` resolution may load (a list that names a file twice loads it twice). */
export const MAX_EXTENDS_LOADS = 100;

/**
 * Longest string that `${...}` interpolation may build (a string that doubles itself forty times would not fit in
 * memory).
 */
export const MAX_STRING_CHARS = 10_000;

/** Longest arithmetic expression, and the deepest nesting of parentheses and signs in one. */
export const MAX_EXPRESSION_CHARS = 1_000;
export const MAX_EXPRESSION_DEPTH = 64;

/** Longest chain of parameters defined through one another (a -> b -> c ...); resolution recurses along it. */
export const MAX_PARAM_CHAIN = 64;
