import { type DType, shortName } from "./dtype.js";
import { type Shape, shapesEqual, sizeOf } from "./shape.js";

/**
 * An abstract value: what is known about an array while tracing (its shape and dtype), and
 * whether it is *weakly typed*: a JS number (or a value computed only from JS numbers), which
 * adopts the dtype of the strongly typed operand it meets, as Python scalars do in JAX.
 */
export class ShapedArray {
  readonly shape: Shape;
  readonly dtype: DType;
  readonly weakType: boolean;

  constructor(shape: Shape, dtype: DType, weakType = false) {
    this.shape = Object.freeze(shape.slice());
    this.dtype = dtype;
    this.weakType = weakType;
  }

  get ndim(): number {
    return this.shape.length;
  }

  get size(): number {
    return sizeOf(this.shape);
  }

  /** The same aval with the weak flag set to `weak` (this one when it already is). */
  withWeak(weak: boolean): ShapedArray {
    return weak === this.weakType ? this : new ShapedArray(this.shape, this.dtype, weak);
  }

  /** Same shape and dtype. Weak types are ignored, as in JAX's type compatibility checks. */
  equals(other: ShapedArray): boolean {
    return this.dtype === other.dtype && shapesEqual(this.shape, other.shape);
  }

  /**
   * `f32[2,3]`, as in JAX's jaxpr listings; a weakly typed value carries a `*` after its dtype
   * (`i32*[]`), after the `i*`/`f*` of JAX's type-promotion docs.
   */
  str(): string {
    // Avals are immutable: the text is built once (jit's cache key reads it on every call).
    if (this.#str === undefined) this.#str = `${shortName(this.dtype)}${this.weakType ? "*" : ""}[${this.shape.join(",")}]`;
    return this.#str;
  }
  #str: string | undefined;

  toString(): string {
    return this.str();
  }
}
