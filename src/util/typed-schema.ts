/**
 * Settings declared once, with TypeBox: a property's type, default, bounds, description and examples sit in one
 * JSON Schema object, and the TypeScript type of the validated value is derived from it. Shared by the op
 * parameters (ops/) and the pipeline's own sections (dsl/).
 */
import {
  Type,
  type Static,
  type TObject,
  type TOptional,
  type TProperties,
  type TSchema,
  type TUnsafe,
} from '@sinclair/typebox';

declare const DEFAULTED: unique symbol;

/** A property with a schema default: optional to write, always present once defaults are applied. */
export type TDefaulted<T extends TSchema> = TOptional<T> & { readonly [DEFAULTED]: true };

/**
 * Marks a property whose schema has a `default`: the user may leave it out (it is not `required`), and code reads
 * it without a fallback because validation (ajv's useDefaults) or `defineOp` fills it in.
 */
export function Defaulted<T extends TSchema>(schema: T): TDefaulted<T> {
  if (!('default' in schema)) throw new Error(`Defaulted(): the schema ${JSON.stringify(schema)} has no default`);
  return Type.Optional(schema) as TDefaulted<T>;
}

/**
 * A string from a fixed list, as JSON Schema's `enum` (TypeBox's own Union of Literals would be an anyOf of
 * consts, which reads worse in editors and in the validator's "must be one of" messages).
 */
export function StringEnum<const V extends readonly string[]>(
  values: V,
  options: Record<string, unknown> = {},
): TUnsafe<V[number]> {
  return Type.Unsafe<V[number]>({ type: 'string', enum: [...values], ...options });
}

/** One of a fixed list of values, with no `type` of its own (`enum` alone), for settings written that way. */
export function Enum<const V extends readonly string[]>(
  values: V,
  options: Record<string, unknown> = {},
): TUnsafe<V[number]> {
  return Type.Unsafe<V[number]>({ enum: [...values], ...options });
}

type DefaultedKeys<P extends TProperties> = {
  [K in keyof P]: P[K] extends { readonly [DEFAULTED]: true } ? K : never;
}[keyof P];
type OptionalKeys<P extends TProperties> = { [K in keyof P]: P[K] extends TOptional<TSchema> ? K : never }[keyof P];

/**
 * The value a schema describes once defaults are applied: `Static<S>`, except that a Defaulted property, at any
 * depth of nested objects, is always present.
 */
export type Resolved<S extends TSchema> = S extends TObject<infer P> ? ResolvedProps<P> : Static<S>;
type ResolvedProps<P extends TProperties> = { [K in DefaultedKeys<P>]-?: Resolved<P[K]> } & {
  [K in Exclude<OptionalKeys<P>, DefaultedKeys<P>>]?: Resolved<P[K]>;
} & { [K in Exclude<keyof P, OptionalKeys<P>>]: Resolved<P[K]> };
