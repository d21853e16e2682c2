/**
 * Typed errors. Every message names the operation, the shapes/dtypes/tree paths involved,
 * and says how to fix the problem.
 */
import { SourceInfo } from "./source.js";

export class AxleError extends Error {
  override name = "AxleError";
  constructor(message?: string, options?: ErrorOptions) {
    // Deep enough to reach the user's frame from inside a transform: its note names that line.
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = Math.max(limit, 32);
    super(message, options);
    Error.stackTraceLimit = limit;
  }
}

/** Shapes that do not fit the operation (broadcasting, contraction, reshape sizes…). */
export class ShapeError extends AxleError {
  override name = "ShapeError";
}

/** An axis argument out of range, repeated, or not an integer. */
export class AxisError extends ShapeError {
  override name = "AxisError";
}

/** A dtype the operation does not accept, or an unknown dtype name. */
export class DTypeError extends AxleError {
  override name = "DTypeError";
}

/** A value the operation cannot take (ragged nested input, item() on a non-scalar, bad option). */
export class ValueError extends AxleError {
  override name = "ValueError";
}

/** A traced (abstract) value was used where a concrete JS value is required. */
export class ConcretizationError extends AxleError {
  override name = "ConcretizationError";
}

/** A tracer escaped the transform that created it and was used afterwards. */
export class LeakedTracerError extends AxleError {
  override name = "LeakedTracerError";
}

/** Two pytrees whose structures differ, or a leaf that is not an array. */
export class TreeError extends AxleError {
  override name = "TreeError";
}

/** A transform was given arguments or options it cannot use (argnums, inAxes, static args…). */
export class TransformError extends AxleError {
  override name = "TransformError";
}

/**
 * An array whose buffer was donated (`jit(f, { donateArgnums })`) was used after the call: its
 * buffer may now hold one of that call's outputs.
 */
export class DeletedArrayError extends AxleError {
  override name = "DeletedArrayError";
}

/**
 * A NaN or ±Infinity appeared where `debugNans` / `debugInfs` (or `checkify`) watches for it: the
 * message names the primitive that produced it from inputs without one, its input avals, the
 * transforms it ran under and the user's source line.
 */
export class FloatingPointError extends AxleError {
  override name = "FloatingPointError";
}

/**
 * The transforms whose user function (or backward pass) is running now, outermost first: what a
 * `FloatingPointError` names. `withTransformContext` maintains it.
 */
const activeTransforms: string[] = [];

/** The running transforms, innermost first ("grad", "jit"), empty when eager. */
export function transformStack(): string[] {
  return [...activeTransforms].reverse();
}

const NONE: readonly string[] = Object.freeze([]);

/** The running transforms, outermost first, as a snapshot (cheap: no copy when eager). */
export function transformSnapshot(): readonly string[] {
  return activeTransforms.length === 0 ? NONE : activeTransforms.slice();
}

/** Run `fn` as part of transform `name` (e.g. grad's backward pass) without annotating its errors. */
export function inTransform<T>(name: string, fn: () => T): T {
  activeTransforms.push(name);
  try {
    return fn();
  } finally {
    activeTransforms.pop();
  }
}

const CONTEXT = Symbol("axle.transformContext");
type WithContext = AxleError & { [CONTEXT]?: { message: string; transforms: string[]; site: string | null } };

/**
 * Run `fn` (the user's function, called by transform `name`); an `AxleError` it raises gains a
 * note naming the transforms it was raised under, innermost first: `(raised while tracing under
 * grad, inside jit, at src/model.ts:12:5)`, with the user's line that made the failing call.
 * Errors raised outside any transform keep their message as it is.
 */
export function withTransformContext<T>(name: string, fn: () => T): T {
  activeTransforms.push(name);
  try {
    return fn();
  } catch (e) {
    if (e instanceof AxleError) {
      const err = e as WithContext;
      const ctx = err[CONTEXT] ?? { message: err.message, transforms: [], site: new SourceInfo(err).location };
      ctx.transforms.push(name);
      err[CONTEXT] = ctx;
      const at = ctx.site === null ? "" : `, at ${ctx.site}`;
      err.message = `${ctx.message} (raised while tracing under ${ctx.transforms.join(", inside ")}${at})`;
    }
    throw e;
  } finally {
    activeTransforms.pop();
  }
}
