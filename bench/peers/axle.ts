/**
 * axle's contenders. Every workload builds one contender per entry of AXLE_JITS for its jitted
 * functions, and the first entry is what the "÷ axle" columns divide by. A new compiled backend
 * is one line here, e.g. `{ name: "axle jit js", jit: jitOn("js") }`.
 */
import { ConcreteArray } from "../../src/core/array.js";
import { Array as AxArray, jit, np } from "../../src/index.js";

type Array = AxArray;

// biome-ignore lint/suspicious/noExplicitAny: any function shape is jitted; each call site keeps its own type
type Fn = (...args: any[]) => any;

export interface AxleJit {
  /** Row label in the tables. */
  name: string;
  /** Compile `f` with this backend; must return a function with f's signature. */
  jit: <F extends Fn>(f: F) => F;
  /**
   * Compile a training step whose arguments `donate` (parameters, optimizer state) are dead
   * after each call, as a JAX user writes it: `jit(step, { donateArgnums })`.
   */
  step: <F extends Fn>(f: F, donate: readonly number[]) => F;
}

// A Jitted<F> has F's call signature (plus .lower); the cast drops the extra member.
const jitOn =
  (backend: "js" | "wasm" | "reference") =>
  <F extends Fn>(f: F): F =>
    jit(f, { backend }) as unknown as F;

const stepOn =
  (backend: "js" | "wasm" | "reference") =>
  <F extends Fn>(f: F, donate: readonly number[]): F =>
    jit(f, { backend, donateArgnums: donate }) as unknown as F;

export const AXLE_JITS: readonly AxleJit[] = [
  // The default backend (wasm, falling back to js where it cannot compile) is what ratios divide by.
  { name: "axle jit", jit: jitOn("wasm"), step: stepOn("wasm") },
  { name: "axle jit js", jit: jitOn("js"), step: stepOn("js") },
  { name: "axle jit reference", jit: jitOn("reference"), step: stepOn("reference") },
];

/** The name the ratio columns divide by. */
export const AXLE = AXLE_JITS[0].name;
export const AXLE_EAGER = "axle eager";

/** An axle float32 array of `shape` over a copy of `data`. */
export function f32(data: Float32Array, shape: readonly number[]): Array {
  return np.array(data).reshape([...shape]);
}

/** A float32 copy of an axle array's values. */
export function values(a: Array): Float32Array {
  return Float32Array.from(a.data() as ArrayLike<number>);
}

/**
 * Computes every axle array in `out` (nested in plain arrays and objects): eager elementwise
 * results are pending until read, so a timed call must read them, as `block_until_ready` does in
 * JAX. Reads the internal buffer (no copy). Returns `out`.
 */
export function ready<T>(out: T): T {
  const visit = (v: unknown, depth: number): void => {
    if (v instanceof ConcreteArray) void v.buffer;
    else if (v instanceof AxArray || depth > 8 || v === null || typeof v !== "object") return;
    else if (globalThis.Array.isArray(v)) for (const x of v) visit(x, depth + 1);
    else if (Object.getPrototypeOf(v) === Object.prototype) for (const x of Object.values(v)) visit(x, depth + 1);
  };
  visit(out, 0);
  return out;
}
