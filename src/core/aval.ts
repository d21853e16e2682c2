import { type DType, shortName } from "./dtype.js";
import { type Shape, shapesEqual, sizeOf } from "./shape.js";

/** An abstract value: what is known about an array while tracing (its shape and dtype). */
export class ShapedArray {
  readonly shape: Shape;
  readonly dtype: DType;

  constructor(shape: Shape, dtype: DType) {
    this.shape = Object.freeze(shape.slice());
    this.dtype = dtype;
  }

  get ndim(): number {
    return this.shape.length;
  }

  get size(): number {
    return sizeOf(this.shape);
  }

  equals(other: ShapedArray): boolean {
    return this.dtype === other.dtype && shapesEqual(this.shape, other.shape);
  }

  /** `f32[2,3]`, as in JAX's jaxpr listings. */
  str(): string {
    return `${shortName(this.dtype)}[${this.shape.join(",")}]`;
  }

  toString(): string {
    return this.str();
  }
}
