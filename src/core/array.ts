import { ShapedArray } from "./aval.js";
import { allocate, castScalar, type DType, type TypedArray } from "./dtype.js";
import { ConcretizationError, DeletedArrayError, ValueError } from "./errors.js";
import { formatArray } from "./format.js";
import { type Shape, shapeStr, sizeOf } from "./shape.js";

/** What operations accept where an array is expected: an array or a weak JS scalar. */
export type ArrayLike = Array | number | boolean;

/** Nested JS arrays of numbers (or booleans for bool arrays), as `toArray()` returns them. */
export type NestedArray = number | boolean | NestedArray[];

/** Options of reductions. */
export interface ReduceOptions {
  keepdims?: boolean;
}

export type Axis = number | readonly number[] | null;

/**
 * The operations that `Array`'s methods delegate to. They live in the `np` namespace, which is
 * layered above the core, so the table is installed by `numpy/` when it loads.
 */
export interface ArrayMethods {
  add(a: Array, b: ArrayLike): Array;
  subtract(a: Array, b: ArrayLike): Array;
  multiply(a: Array, b: ArrayLike): Array;
  divide(a: Array, b: ArrayLike): Array;
  power(a: Array, b: ArrayLike): Array;
  maximum(a: Array, b: ArrayLike): Array;
  minimum(a: Array, b: ArrayLike): Array;
  equal(a: Array, b: ArrayLike): Array;
  notEqual(a: Array, b: ArrayLike): Array;
  less(a: Array, b: ArrayLike): Array;
  lessEqual(a: Array, b: ArrayLike): Array;
  greater(a: Array, b: ArrayLike): Array;
  greaterEqual(a: Array, b: ArrayLike): Array;
  logicalAnd(a: Array, b: ArrayLike): Array;
  logicalOr(a: Array, b: ArrayLike): Array;
  logicalNot(a: Array): Array;
  negative(a: Array): Array;
  abs(a: Array): Array;
  exp(a: Array): Array;
  log(a: Array): Array;
  sqrt(a: Array): Array;
  square(a: Array): Array;
  tanh(a: Array): Array;
  matmul(a: Array, b: Array): Array;
  dot(a: Array, b: Array): Array;
  sum(a: Array, axis?: Axis, opts?: ReduceOptions): Array;
  mean(a: Array, axis?: Axis, opts?: ReduceOptions): Array;
  prod(a: Array, axis?: Axis, opts?: ReduceOptions): Array;
  max(a: Array, axis?: Axis, opts?: ReduceOptions): Array;
  min(a: Array, axis?: Axis, opts?: ReduceOptions): Array;
  var(a: Array, axis?: Axis, opts?: ReduceOptions): Array;
  std(a: Array, axis?: Axis, opts?: ReduceOptions): Array;
  argmax(a: Array, axis?: number): Array;
  argmin(a: Array, axis?: number): Array;
  reshape(a: Array, shape: readonly number[]): Array;
  transpose(a: Array, perm?: readonly number[]): Array;
  expandDims(a: Array, axis: number | readonly number[]): Array;
  squeeze(a: Array, axis?: Axis): Array;
  astype(a: Array, dtype: DType): Array;
  clip(a: Array, lo: ArrayLike | null, hi: ArrayLike | null): Array;
  take(
    a: Array,
    indices: ArrayLike | readonly number[],
    axis?: number | null,
    opts?: { mode?: "raise" | "clip" | "fill" | "wrap" },
  ): Array;
  broadcastTo(a: Array, shape: readonly number[]): Array;
}

let methods: ArrayMethods | undefined;

/** Called once by `numpy/` to connect `Array`'s methods to the `np` functions. */
export function installArrayMethods(m: ArrayMethods): void {
  methods = m;
}

function ops(): ArrayMethods {
  if (methods === undefined) {
    throw new ValueError("axle: array methods used before the np namespace was loaded; import from 'axle'");
  }
  return methods;
}

/**
 * An immutable n-dimensional array. Concrete arrays and the tracers that transforms pass to
 * user functions are both `Array`s, so the same code runs eagerly and under every transform.
 */
export abstract class Array {
  /** The shape and dtype. */
  abstract get aval(): ShapedArray;

  /**
   * The concrete value behind this array, or a `ConcretizationError` naming `op` when it is an
   * abstract value under `jit`/`vmap`.
   */
  abstract toConcrete(op: string): ConcreteArray;

  get shape(): Shape {
    return this.aval.shape;
  }
  get dtype(): DType {
    return this.aval.dtype;
  }
  get ndim(): number {
    return this.aval.shape.length;
  }
  get size(): number {
    return sizeOf(this.aval.shape);
  }
  /** Whether this array is weakly typed (made from JS numbers only; see `ShapedArray`). */
  get weakType(): boolean {
    return this.aval.weakType;
  }

  /**
   * JS coercion. Numeric coercion (`x < 1`, `Number(x)`, `Math.sqrt(x)`, `x * 2`) gives the value
   * of a concrete size-1 array and throws for anything else — a larger array, or a traced array
   * under jit/vmap (`ConcretizationError`) — instead of the silent NaN JS would produce. String
   * coercion (`${x}`, and `"x = " + x`, whose hint is "default") prints the array.
   */
  [Symbol.toPrimitive](hint: "number" | "string" | "default"): number | string {
    if (hint !== "number") return this.toString();
    if (this.size !== 1) {
      const what = this.aval.str();
      this.toConcrete("number conversion"); // a tracer explains itself first
      throw new ValueError(
        `number conversion: an array ${what} with ${this.size} elements was used as a JS number (a comparison, ` +
          "arithmetic operator, Number(x) or Math.*); only size-1 arrays convert. Reduce it first (x.sum(), " +
          "x.max()), compare elementwise with x.lt(...)/np.less, or use np.where",
      );
    }
    return this.toConcrete("number conversion").item();
  }

  /** `JSON.stringify` gives the nested values (a traced array, its aval). */
  toJSON(): NestedArray | string {
    try {
      return this.toConcrete("toJSON").toArray();
    } catch (e) {
      if (e instanceof ConcretizationError) return this.toString();
      throw e;
    }
  }

  /** `console.log(x)` and Node's `util.inspect` print like `toString()`, also inside objects. */
  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return this.toString();
  }

  /** The values as nested JS arrays (booleans for bool arrays). */
  toArray(): NestedArray {
    return this.toConcrete("toArray").toArray();
  }
  /** A copy of the values as a flat typed array, row-major. */
  data(): TypedArray {
    return this.toConcrete("data").data();
  }
  /** The single value of a size-1 array. */
  item(): number {
    return this.toConcrete("item").item();
  }

  add(other: ArrayLike): Array {
    return ops().add(this, other);
  }
  sub(other: ArrayLike): Array {
    return ops().subtract(this, other);
  }
  mul(other: ArrayLike): Array {
    return ops().multiply(this, other);
  }
  div(other: ArrayLike): Array {
    return ops().divide(this, other);
  }
  pow(other: ArrayLike): Array {
    return ops().power(this, other);
  }
  maximum(other: ArrayLike): Array {
    return ops().maximum(this, other);
  }
  minimum(other: ArrayLike): Array {
    return ops().minimum(this, other);
  }
  eq(other: ArrayLike): Array {
    return ops().equal(this, other);
  }
  ne(other: ArrayLike): Array {
    return ops().notEqual(this, other);
  }
  lt(other: ArrayLike): Array {
    return ops().less(this, other);
  }
  le(other: ArrayLike): Array {
    return ops().lessEqual(this, other);
  }
  gt(other: ArrayLike): Array {
    return ops().greater(this, other);
  }
  ge(other: ArrayLike): Array {
    return ops().greaterEqual(this, other);
  }
  and(other: ArrayLike): Array {
    return ops().logicalAnd(this, other);
  }
  or(other: ArrayLike): Array {
    return ops().logicalOr(this, other);
  }
  not(): Array {
    return ops().logicalNot(this);
  }
  neg(): Array {
    return ops().negative(this);
  }
  abs(): Array {
    return ops().abs(this);
  }
  exp(): Array {
    return ops().exp(this);
  }
  log(): Array {
    return ops().log(this);
  }
  sqrt(): Array {
    return ops().sqrt(this);
  }
  square(): Array {
    return ops().square(this);
  }
  tanh(): Array {
    return ops().tanh(this);
  }
  matmul(other: Array): Array {
    return ops().matmul(this, other);
  }
  dot(other: Array): Array {
    return ops().dot(this, other);
  }
  sum(axis?: Axis, opts?: ReduceOptions): Array {
    return ops().sum(this, axis, opts);
  }
  mean(axis?: Axis, opts?: ReduceOptions): Array {
    return ops().mean(this, axis, opts);
  }
  prod(axis?: Axis, opts?: ReduceOptions): Array {
    return ops().prod(this, axis, opts);
  }
  max(axis?: Axis, opts?: ReduceOptions): Array {
    return ops().max(this, axis, opts);
  }
  min(axis?: Axis, opts?: ReduceOptions): Array {
    return ops().min(this, axis, opts);
  }
  var(axis?: Axis, opts?: ReduceOptions): Array {
    return ops().var(this, axis, opts);
  }
  std(axis?: Axis, opts?: ReduceOptions): Array {
    return ops().std(this, axis, opts);
  }
  argmax(axis?: number): Array {
    return ops().argmax(this, axis);
  }
  argmin(axis?: number): Array {
    return ops().argmin(this, axis);
  }
  /** `x.reshape([2, -1])` or `x.reshape(2, -1)`. */
  reshape(...shape: number[] | [readonly number[]]): Array {
    const s = (Array_isArray(shape[0]) ? shape[0] : shape) as readonly number[];
    return ops().reshape(this, s);
  }
  /** Reverse the axes (a matrix transpose for 2-D arrays). */
  get T(): Array {
    return ops().transpose(this);
  }
  transpose(perm?: readonly number[]): Array {
    return ops().transpose(this, perm);
  }
  expandDims(axis: number | readonly number[]): Array {
    return ops().expandDims(this, axis);
  }
  squeeze(axis?: Axis): Array {
    return ops().squeeze(this, axis);
  }
  flatten(): Array {
    return ops().reshape(this, [-1]);
  }
  astype(dtype: DType): Array {
    return ops().astype(this, dtype);
  }
  clip(lo: ArrayLike | null, hi: ArrayLike | null): Array {
    return ops().clip(this, lo, hi);
  }
  /** `np.take(this, indices, axis, opts)`; `opts.mode` says what out-of-range indices do. */
  take(
    indices: ArrayLike | readonly number[],
    axis?: number | null,
    opts?: { mode?: "raise" | "clip" | "fill" | "wrap" },
  ): Array {
    return ops().take(this, indices, axis, opts);
  }
  broadcastTo(shape: readonly number[]): Array {
    return ops().broadcastTo(this, shape);
  }
}

const EMPTY_SHAPE: Shape = [];

// `Array` shadows the global inside this module.
const Array_isArray = globalThis.Array.isArray;

/**
 * A computation whose result is an array's buffer, run when the buffer is first needed (eager
 * elementwise fusion, `src/primitives/eager-fusion.ts`). `force()` computes the buffer once and
 * returns the same one on every later call.
 */
export interface Pending {
  force(): TypedArray;
}

/**
 * An array whose values are computed. Its buffer is private and never written. The buffer may
 * be pending (eager fusion defers elementwise results until something reads them); every read
 * goes through `buffer`, which computes it first, so no path can see a missing buffer.
 */
/**
 * The memory behind every concrete array's buffer, and which of it more than one array wraps.
 * Donation (`jit`'s `donateArgnums`) may only hand a buffer to an output when no other array can
 * see it, so sharing is recorded where it happens — when an array gets its buffer (constructed,
 * or a pending one computed) — rather than at the places that share (reshape, weak-flag changes,
 * views over Wasm memory), where one missed call would let a donated output overwrite another
 * array.
 */
const WRAPS = Symbol("axle.wraps");
/**
 * How many arrays wrap the memory, kept on the memory object itself: the two WeakSets this
 * replaced cost ~0.5 µs per call of a tiny jitted function (3.7 → 3.2 µs for x·2+1 on f32[100]).
 * Memory that takes no properties (a frozen or shared buffer) counts as shared.
 */
type Counted = ArrayBufferLike & { [WRAPS]?: number };

function noteWrapped(mem: ArrayBufferLike, adopt: boolean): void {
  const m = mem as Counted;
  if (!Object.isExtensible(m)) return;
  m[WRAPS] = adopt ? 1 : (m[WRAPS] ?? 0) + 1;
}

function wrappedOnce(mem: ArrayBufferLike): boolean {
  return (mem as Counted)[WRAPS] === 1;
}

export class ConcreteArray extends Array {
  #aval: ShapedArray;
  #buf: TypedArray | undefined;
  #pending: Pending | null = null;
  /** Why the array can no longer be read (it was donated), or null. */
  #deleted: string | null = null;

  /**
   * Internal: wraps `buf` without copying. Callers hand over ownership and never write to it.
   */
  constructor(shape: Shape, dtype: DType, buf: TypedArray, weakType = false, adopt = false, aval?: ShapedArray) {
    super();
    this.#aval = aval ?? new ShapedArray(shape, dtype, weakType);
    this.#buf = buf;
    noteWrapped(buf.buffer, adopt);
  }

  /**
   * Internal: wraps `buf` (ownership handed over) with an aval that is already built. `adopt`
   * says the buffer comes from an array being deleted by donation, so this array owns it alone.
   */
  static ofAval(aval: ShapedArray, buf: TypedArray, adopt = false): ConcreteArray {
    return new ConcreteArray(EMPTY_SHAPE, "float32", buf, false, adopt, aval);
  }

  /** Internal: an array whose buffer `pending` computes when it is first read. */
  static ofPending(aval: ShapedArray, pending: Pending): ConcreteArray {
    const a = new ConcreteArray(EMPTY_SHAPE, "float32", EMPTY_BUF, false, false, aval);
    a.#buf = undefined;
    a.#pending = pending;
    return a;
  }

  get aval(): ShapedArray {
    return this.#aval;
  }

  /**
   * Internal read-only view of the buffer for kernels (computed first if pending). Never write
   * to it. The only way to the buffer: every accessor below reads it through here.
   */
  get buffer(): TypedArray {
    if (this.#deleted !== null) throw this.#deletedError();
    const b = this.#buf;
    if (b !== undefined) return b;
    const computed = (this.#pending as Pending).force();
    noteWrapped(computed.buffer, false);
    this.#buf = computed;
    this.#pending = null; // drop the computation, so what it read can be collected
    return computed;
  }

  /** Internal: the computation of a buffer not yet computed through this array, else null. */
  get pending(): Pending | null {
    return this.#pending;
  }

  #deletedError(): DeletedArrayError {
    return new DeletedArrayError(
      `this ${this.#aval.str()} array was ${this.#deleted}, so its buffer may now hold one of that call's outputs ` +
        "and it cannot be read or used again. Use the jitted function's outputs instead (e.g. `params = step(params, batch)`), " +
        "or pass a copy, or leave the argument out of donateArgnums",
    );
  }

  /** Whether the array was donated (its shape and dtype stay readable; its values do not). */
  get isDeleted(): boolean {
    return this.#deleted !== null;
  }

  /**
   * Internal: the buffer, when this array alone can see it — no other array wraps the same
   * memory, it is not a view into a larger or shared buffer — so a donated call may write an
   * output into it. Null otherwise.
   */
  exclusiveBuffer(): TypedArray | null {
    const b = this.buffer;
    const mem = b.buffer;
    if (!wrappedOnce(mem) || !(mem instanceof ArrayBuffer)) return null;
    return b.byteOffset === 0 && b.byteLength === mem.byteLength ? b : null;
  }

  /** Internal: marks the array deleted by donation (`why` completes "this array was …"). */
  markDeleted(why: string): void {
    this.#deleted = why;
  }

  toConcrete(): ConcreteArray {
    return this;
  }

  override data(): TypedArray {
    return this.buffer.slice();
  }

  override item(): number {
    const buf = this.buffer;
    if (this.size !== 1) {
      throw new ValueError(
        `item: the array has shape ${shapeStr(this.shape)} (${this.size} elements); item() needs exactly one. ` +
          "Index or reduce it first (e.g. x.sum() or x.reshape(-1).take(0))",
      );
    }
    return buf[0];
  }

  override toArray(): NestedArray {
    const buf = this.buffer;
    const isBool = this.dtype === "bool";
    const shape = this.shape;
    let pos = 0;
    const build = (dim: number): NestedArray => {
      if (dim === shape.length) {
        const v = buf[pos++];
        return isBool ? v !== 0 : v;
      }
      const out: NestedArray[] = [];
      for (let i = 0; i < shape[dim]; i++) out.push(build(dim + 1));
      return out;
    };
    return build(0);
  }

  override toString(): string {
    if (this.#deleted !== null) return `Array(<deleted: ${this.#deleted}>, ${this.#aval.str()})`;
    return formatArray(this.shape, this.dtype, this.buffer, this.weakType);
  }

  /**
   * This array's values with the weak flag set to `weak` (the buffer is shared, never copied; a
   * pending one stays pending, computed once for both arrays).
   */
  withWeak(weak: boolean): ConcreteArray {
    if (weak === this.weakType) return this;
    const p = this.#pending;
    if (p !== null) return ConcreteArray.ofPending(this.#aval.withWeak(weak), p);
    return new ConcreteArray(this.shape, this.dtype, this.buffer, weak);
  }
}

const EMPTY_BUF = new Float32Array(0);

/** A scalar or filled array of `dtype`. */
export function fullConcrete(shape: Shape, dtype: DType, value: number, weakType = false): ConcreteArray {
  const buf = allocate(dtype, sizeOf(shape));
  const v = castScalar(dtype, value);
  if (v !== 0) buf.fill(v);
  return new ConcreteArray(shape, dtype, buf, weakType);
}
