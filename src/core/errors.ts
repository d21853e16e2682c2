/**
 * Typed errors. Every message names the operation, the shapes/dtypes/tree paths involved,
 * and says how to fix the problem.
 */
export class AxleError extends Error {
  override name = "AxleError";
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
