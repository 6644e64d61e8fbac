/**
 * The JSON Schema of a pipeline document, and the builder that adds the operator catalogue to it. The schema
 * serves both ajv (validation, defaults) and editors (descriptions and examples on every property). The sections
 * with defaults (data, train, eval) are built with TypeBox, so their TypeScript types (dsl/types.ts) are derived
 * from them rather than written a second time; the rest is plain JSON Schema data.
 */

import { Type } from '@sinclair/typebox';
import { conventionalOrder } from '../util/schema-order.js';
import { Defaulted, Enum } from '../util/typed-schema.js';
import { MAX_BATCH, MAX_CUTOFF, MAX_EPOCHS, MAX_EVAL_BATCH, MAX_SEED, MAX_WIDTH } from '../util/size-limits.js';

export type JsonSchema = Record<string, unknown>;

/** Most entries under params:. */
const MAX_PARAMS = 1000;

/** `node` or `node.port`. */
export const REF_PATTERN = '^[A-Za-z_][A-Za-z0-9_]*(\\.[A-Za-z_][A-Za-z0-9_]*)?$';
export const NAME_PATTERN = '^[A-Za-z_][A-Za-z0-9_]*$';
/**
 * A pipeline's `name` becomes a folder (runs/<name>/): one path segment of letters, digits, '.', '_' and '-',
 * not starting with '.' or '-', so that it can neither leave --out (`../x`, `/etc`) nor hide or pass for a flag.
 */
export const SLUG_PATTERN = '^[A-Za-z0-9_][A-Za-z0-9._-]*$';
export const SLUG_MAX = 100;

const featureSource: JsonSchema = {
  description: "Where a modality's feature matrix comes from.",
  anyOf: [
    { type: 'string', description: 'a file name relative to the dataset folder', examples: ['image_feat.npy'] },
    {
      type: 'object',
      description: 'a file: { file: name.npy }',
      properties: {
        file: { type: 'string', description: 'File name relative to the dataset folder.', examples: ['text_feat.npy'] },
      },
      required: ['file'],
      additionalProperties: false,
    },
    {
      type: 'object',
      description: 'a row-wise concatenation of other modalities: { concat: [v, t] }',
      properties: {
        concat: {
          type: 'array',
          items: { type: 'string', description: 'A modality key declared under features.', examples: ['v'] },
          minItems: 1,
          description: 'Modality keys to concatenate, in order.',
          examples: [['v', 't']],
        },
      },
      required: ['concat'],
      additionalProperties: false,
    },
    {
      type: 'object',
      description: 'generated features of a given width: { synthetic: 64 }',
      properties: {
        synthetic: {
          type: 'integer',
          minimum: 1,
          maximum: MAX_WIDTH,
          description: 'Width of the generated feature matrix.',
          examples: [64],
        },
      },
      required: ['synthetic'],
      additionalProperties: false,
    },
  ],
  examples: ['image_feat.npy', { concat: ['v', 't'] }, { synthetic: 64 }],
};

/**
 * A feature source as the language accepts it: a file name, `{ file }`, `{ concat }` or `{ synthetic: dim }`. The
 * data layer declares the same union for its loaders; dsl/ imports nothing from data/, and the layer above hands
 * one to the other, so the compiler checks that the two still agree.
 */
type FeatureSource = string | { file: string } | { concat: string[] } | { synthetic: number };

const features = Type.Unsafe<Record<string, FeatureSource>>({
  type: 'object',
  description: 'Modality key -> feature source. Only the modalities listed are loaded.',
  propertyNames: { pattern: NAME_PATTERN },
  additionalProperties: featureSource,
  default: {},
  examples: [{ mm: 'mm_feat.npy', t: 'text_feat.npy', v: 'image_feat.npy' }, { mm: { concat: ['v', 't'] } }],
});

const streamKind = (description: string) =>
  Defaulted(Enum(['sfc32', 'pcg64'], { default: 'sfc32', description, examples: ['sfc32', 'pcg64'] }));

/** The `data:` section. Declared once: its TypeScript type (PipelineData) is derived from it. */
export const dataSchema = conventionalOrder(
  Defaulted(
    Type.Object(
      {
        dataset: Defaulted(
          Type.String({
            minLength: 1,
            default: 'synth:small',
            description:
              'Built-in synthetic data (synth:small, synth:baby) or a dataset folder name under the data root (MMRec layout).',
            examples: ['synth:small', 'baby', 'tiktok'],
          }),
        ),
        features: Defaulted(features),
        profiles: Type.Optional(
          Type.Unsafe<Record<string, { features: Record<string, FeatureSource> }>>({
            type: 'object',
            description: 'Per-dataset overrides of features, chosen by the dataset name.',
            propertyNames: { minLength: 1 },
            additionalProperties: {
              type: 'object',
              description: 'The features to use when this dataset is chosen.',
              additionalProperties: false,
              required: ['features'],
              properties: { features },
              examples: [{ features: { v: 'image_feat.npy', t: 'audio_feat.npy' } }],
            },
            examples: [
              { tiktok: { features: { mm: { concat: ['v', 't'] }, v: 'image_feat.npy', t: 'text_feat.npy' } } },
            ],
          }),
        ),
      },
      {
        description: 'The dataset and the modality features the model reads.',
        additionalProperties: false,
        default: {},
        examples: [{ dataset: 'baby', features: { mm: 'mm_feat.npy', t: 'text_feat.npy', v: 'image_feat.npy' } }],
      },
    ),
  ),
);

/** The `train:` section. Declared once: its TypeScript type (TrainSpec) is derived from it. */
export const trainSchema = conventionalOrder(
  Defaulted(
    Type.Object(
      {
        epochs: Defaulted(
          Type.Integer({
            minimum: 1,
            maximum: MAX_EPOCHS,
            default: 1000,
            description: 'Maximum number of epochs.',
            examples: [1000, 50],
          }),
        ),
        batch_size: Defaulted(
          Type.Integer({
            minimum: 1,
            maximum: MAX_BATCH,
            default: 2048,
            description: 'Training triples per step.',
            examples: [2048],
          }),
        ),
        optimizer: Defaulted(
          Type.Object(
            {
              adam: Type.Object(
                {
                  lr: Defaulted(
                    Type.Number({
                      exclusiveMinimum: 0,
                      default: 0.001,
                      description: 'Learning rate.',
                      examples: [0.001],
                    }),
                  ),
                  eps: Type.Optional(
                    Type.Number({ exclusiveMinimum: 0, description: 'Adam epsilon.', examples: [1e-8] }),
                  ),
                },
                { description: 'Adam.', additionalProperties: false, examples: [{ lr: 0.001 }] },
              ),
            },
            {
              description: 'The optimizer and its settings.',
              additionalProperties: false,
              default: { adam: { lr: 0.001 } },
              examples: [{ adam: { lr: 0.001 } }],
            },
          ),
        ),
        lr_schedule: Defaulted(
          // A fixed pair, written as draft-07 `items: [a, b]`; TypeBox's Tuple would add `additionalItems: false`.
          Type.Unsafe<[number, number]>({
            type: 'array',
            items: [
              {
                type: 'number',
                exclusiveMinimum: 0,
                description: 'a: the decay factor per b epochs.',
                examples: [1.0, 0.96],
              },
              { type: 'number', exclusiveMinimum: 0, description: 'b: epochs per factor a.', examples: [50] },
            ],
            minItems: 2,
            maxItems: 2,
            default: [1.0, 50],
            description: '[a, b]: the learning rate is lr * a^(epoch / b); [1.0, 50] keeps it constant.',
            examples: [
              [1.0, 50],
              [0.96, 50],
            ],
          }),
        ),
        early_stopping: Defaulted(
          Type.Object(
            {
              metric: Defaulted(
                Type.String({
                  default: 'recall@20',
                  description: 'Validation metric to watch, metric@k.',
                  examples: ['recall@20', 'ndcg@20'],
                }),
              ),
              patience: Defaulted(
                Type.Integer({
                  minimum: 1,
                  maximum: MAX_EPOCHS,
                  default: 20,
                  description: 'Evaluations without improvement before stopping.',
                  examples: [20],
                }),
              ),
              // No default: pipelines that do not set it resolve (and hash) exactly as before it existed.
              stop: Type.Optional(
                Type.Boolean({
                  description:
                    'false: never stop early, train all epochs; the best valid epoch is still the one reported (`--protocol official`).',
                  examples: [false],
                }),
              ),
            },
            {
              description: 'Stop when the validation metric has not improved for `patience` evaluations.',
              additionalProperties: false,
              default: {},
              examples: [{ metric: 'recall@20', patience: 20 }],
            },
          ),
        ),
        seed: Defaulted(
          Type.Integer({
            minimum: -MAX_SEED,
            maximum: MAX_SEED,
            default: 999,
            description: 'Random seed for initialisation and sampling.',
            examples: [999, 2024],
          }),
        ),
        eval_every: Defaulted(
          Type.Integer({
            minimum: 1,
            maximum: MAX_EPOCHS,
            default: 1,
            description: 'Evaluate on validation every n epochs.',
            examples: [1, 5],
          }),
        ),
        rng: Type.Optional(
          Type.Object(
            {
              init: streamKind('Weight initialisation.'),
              shuffle: streamKind('The per-epoch shuffle of the train rows.'),
              negatives: streamKind('Negative sampling.'),
              step: streamKind('Per-step noise: dropout masks, Gumbel noise, edge dropout.'),
            },
            {
              description:
                "The generator of each random stream: sfc32 (anchorflow's own, the default) or pcg64 (numpy's default bit generator). Runs stay repeatable per seed either way.",
              additionalProperties: false,
              examples: [
                { negatives: 'pcg64' },
                { init: 'pcg64', shuffle: 'pcg64', negatives: 'pcg64', step: 'pcg64' },
              ],
            },
          ),
        ),
      },
      {
        description: 'Training loop settings.',
        additionalProperties: false,
        default: {},
        examples: [
          {
            epochs: 1000,
            batch_size: 2048,
            optimizer: { adam: { lr: 0.001 } },
            early_stopping: { metric: 'recall@20', patience: 20 },
          },
        ],
      },
    ),
  ),
);

/** The `eval:` section. Declared once: its TypeScript type (EvalSpec) is derived from it. */
export const evalSchema = conventionalOrder(
  Defaulted(
    Type.Object(
      {
        metrics: Defaulted(
          Type.Array(
            Enum(['recall', 'ndcg', 'precision', 'map'], {
              description: 'A ranking metric.',
              examples: ['recall', 'ndcg'],
            }),
            {
              minItems: 1,
              default: ['recall', 'ndcg', 'precision', 'map'],
              description: 'Metrics to compute.',
              examples: [['recall', 'ndcg', 'precision', 'map']],
            },
          ),
        ),
        k: Defaulted(
          Type.Array(
            Type.Integer({
              minimum: 1,
              maximum: MAX_CUTOFF,
              description: 'A cut-off K (top-K of the ranking).',
              examples: [20],
            }),
            {
              minItems: 1,
              default: [5, 10, 20, 50],
              description: 'Cut-offs for every metric.',
              examples: [[5, 10, 20, 50]],
            },
          ),
        ),
        batch_users: Defaulted(
          Type.Integer({
            minimum: 1,
            maximum: MAX_EVAL_BATCH,
            default: 2048,
            description: 'Users scored per block during full ranking.',
            examples: [2048],
          }),
        ),
      },
      {
        description: 'Evaluation by full ranking.',
        additionalProperties: false,
        default: {},
        examples: [{ metrics: ['recall', 'ndcg'], k: [10, 20] }],
      },
    ),
  ),
);

/** A node as the base schema knows it: any object with an `op`; buildPipelineSchema narrows it per op. */
const baseNode = (what: string, example: JsonSchema): JsonSchema => ({
  type: 'object',
  description: `A ${what}: \`op\` plus the op's parameters and input references.`,
  required: ['op'],
  properties: {
    op: { type: 'string', description: `The operator this ${what} runs.`, examples: [example.op] },
  },
  examples: [example],
});

export const baseSchema: JsonSchema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: 'https://anchorflow.dev/schemas/pipeline.schema.json',
  title: 'anchorflow pipeline',
  description: 'A recommender model as a graph of typed tensor operators, its losses, training and evaluation.',
  type: 'object',
  definitions: {
    node: baseNode('node', { op: 'lightgcn', dim: 64, layers: 2 }),
    loss: baseNode('loss', { op: 'bpr', user: 'cf.users', item: 'cf.items' }),
  },
  properties: {
    version: {
      const: 1,
      default: 1,
      description: 'Version of the pipeline language.',
      examples: [1],
    },
    name: {
      type: 'string',
      minLength: 1,
      maxLength: SLUG_MAX,
      pattern: SLUG_PATTERN,
      description: 'Name of the model; runs are stored under runs/<name>/ (letters, digits, ., _ and -).',
      examples: ['anchorrec', 'ablation-noproj'],
    },
    description: {
      type: 'string',
      description: 'One or two sentences on what this pipeline is.',
      examples: ['Anchor-based indirect alignment in a projection domain.'],
    },
    extends: {
      description:
        "Another pipeline file (relative to this one) to start from; this file's keys win. A list merges several in order.",
      anyOf: [
        { type: 'string', minLength: 1, description: 'a pipeline file, relative to this one' },
        {
          type: 'array',
          items: {
            type: 'string',
            minLength: 1,
            description: 'A pipeline file, relative to this one.',
            examples: ['_mmrec.yaml'],
          },
          minItems: 1,
          description: 'a list of pipeline files, merged in order',
        },
      ],
      examples: ['anchorrec.yaml', ['base.yaml', 'tiktok.yaml']],
    },
    data: dataSchema,
    params: {
      type: 'object',
      description:
        'Named values referenced elsewhere as ${name} (also inside arithmetic: 1 - ${alpha}); every parameter can be swept.',
      propertyNames: { pattern: NAME_PATTERN },
      // A few dozen is typical; the bound keeps a generated file with thousands from being taken for a pipeline.
      maxProperties: MAX_PARAMS,
      additionalProperties: {
        type: ['number', 'string', 'boolean'],
        description:
          'A parameter value: a number, a string or a boolean; it may refer to other parameters (2 * ${dim}).',
        examples: [64, 0.5, 'relu', '2 * ${dim}'],
      },
      default: {},
      examples: [{ dim: 64, tau: 0.2, alpha: 0.5 }],
    },
    nodes: {
      type: 'object',
      description:
        'The operator graph: node name -> { op, parameters, inputs }. An input is written `node` or `node.port`.',
      propertyNames: { pattern: NAME_PATTERN },
      additionalProperties: { $ref: '#/definitions/node' },
      examples: [{ cf: { op: 'lightgcn', dim: 64, layers: 2 }, p_id: { op: 'mlp', in: 'cf.items', dims: [64, 64] } }],
    },
    outputs: {
      type: 'object',
      description: 'Which node ports hold the final user and item embeddings used for ranking.',
      required: ['user', 'item'],
      // Each output is saved as embeddings/<name>.npy, so its name must be a plain name too.
      propertyNames: { pattern: NAME_PATTERN },
      properties: {
        user: {
          type: 'string',
          pattern: REF_PATTERN,
          description: 'Port holding the user embeddings.',
          examples: ['cf.users'],
        },
        item: {
          type: 'string',
          pattern: REF_PATTERN,
          description: 'Port holding the item embeddings.',
          examples: ['item_out'],
        },
      },
      additionalProperties: {
        type: 'string',
        pattern: REF_PATTERN,
        description: 'A further port saved with each run (embeddings for `anchorflow analyze`).',
        examples: ['h_mm', 'cf.items'],
      },
      examples: [{ user: 'cf.users', item: 'item_out' }],
    },
    losses: {
      type: 'object',
      description: 'Training objectives: loss name -> { op, inputs, weight }. The total loss is the weighted sum.',
      propertyNames: { pattern: NAME_PATTERN },
      additionalProperties: { $ref: '#/definitions/loss' },
      examples: [{ bpr: { op: 'bpr', user: 'cf.users', item: 'item_out', l2: 0.001 } }],
    },
    train: trainSchema,
    eval: evalSchema,
    sweep: {
      type: 'object',
      description: 'Parameter sweep, interpreted by the experiment runner (e.g. param name -> list of values).',
      examples: [{ params: { lambda_aal: [0.001, 0.01, 0.1] } }],
    },
  },
  additionalProperties: false,
  // A file that extends another may be partial; the merged document (which no longer has `extends`) is complete.
  if: { required: ['extends'] },
  else: { required: ['name', 'nodes', 'outputs', 'losses'] },
  examples: [
    {
      version: 1,
      name: 'lightgcn',
      nodes: { cf: { op: 'lightgcn' } },
      outputs: { user: 'cf.users', item: 'cf.items' },
      losses: { bpr: { op: 'bpr', user: 'cf.users', item: 'cf.items' } },
    },
  ],
};

// ---- the full schema ----------------------------------------------------------------------------------------------

export interface OpSchemaInput {
  name: string;
  doc: string;
  /**
   * The op's parameters: either a JSON Schema object `{ type: 'object', properties, required? }`, or a plain map
   * name -> schema, in which case a parameter without a `default` is required.
   */
  params: object;
  inputs: { name: string; list?: boolean; optional?: boolean; doc: string }[];
  /** Loss ops go under `losses:` (and take a `weight`); the others under `nodes:`. */
  loss?: boolean;
}

function clone<T>(x: T): T {
  return JSON.parse(JSON.stringify(x)) as T;
}

function paramsOf(op: OpSchemaInput): { props: Record<string, JsonSchema>; required: string[] } {
  const p = op.params as JsonSchema;
  if (p.type === 'object' && typeof p.properties === 'object' && p.properties !== null) {
    return {
      props: clone(p.properties as Record<string, JsonSchema>),
      required: [...((p.required as string[] | undefined) ?? [])],
    };
  }
  const props = clone(p as Record<string, JsonSchema>);
  return { props, required: Object.keys(props).filter((k) => props[k]?.default === undefined) };
}

/** Returns the base schema with the operator catalogue: op enums and per-op parameter/input schemas. */
export function buildPipelineSchema(ops: readonly OpSchemaInput[]): JsonSchema {
  const schema = clone(baseSchema);
  const defs = schema.definitions as Record<string, JsonSchema>;

  defs.input = {
    description: 'An input: a reference `node` or `node.port`, or an inline node { op: ... }.',
    anyOf: [
      { type: 'string', pattern: REF_PATTERN, description: "a reference 'node' or 'node.port'" },
      { $ref: '#/definitions/node', description: 'an inline node { op: ... }' },
    ],
  };
  defs.inputList = {
    description: 'A list input: references (`node` or `node.port`) or inline nodes; a single one is a list of one.',
    anyOf: [
      { type: 'string', pattern: REF_PATTERN, description: "a reference 'node' or 'node.port'" },
      { $ref: '#/definitions/node', description: 'an inline node { op: ... }' },
      {
        type: 'array',
        minItems: 1,
        items: { $ref: '#/definitions/input' },
        description: 'a list of references or inline nodes',
      },
    ],
  };

  for (const op of ops) {
    const { props, required } = paramsOf(op);
    const properties: Record<string, JsonSchema> = {
      op: { const: op.name, description: op.doc, examples: [op.name] },
      ...props,
    };
    for (const inp of op.inputs) {
      properties[inp.name] = {
        $ref: inp.list ? '#/definitions/inputList' : '#/definitions/input',
        description: inp.doc,
      };
      if (!inp.optional) required.push(inp.name);
    }
    if (op.loss) {
      properties.weight = {
        type: 'number',
        default: 1,
        description: 'Weight of this loss in the total.',
        examples: [1, 0.01],
      };
    }
    defs[`op_${op.name}`] = {
      type: 'object',
      description: op.doc,
      properties,
      additionalProperties: false,
      ...(required.length ? { required: [...new Set(required)] } : {}),
    };
  }

  const narrow = (what: 'node' | 'loss', list: readonly OpSchemaInput[]): void => {
    const def = defs[what]!;
    (def.properties as Record<string, JsonSchema>).op = {
      type: 'string',
      enum: list.map((o) => o.name),
      description: `The operator this ${what} runs.`,
      examples: list.slice(0, 3).map((o) => o.name),
    };
    def.allOf = list.map((o) => ({
      if: { required: ['op'], properties: { op: { const: o.name } } },
      then: { $ref: `#/definitions/op_${o.name}` },
    }));
  };
  narrow(
    'node',
    ops.filter((o) => !o.loss),
  );
  narrow(
    'loss',
    ops.filter((o) => o.loss),
  );
  return schema;
}
