/** Runs the Wasm math kernels over arrays, scalar and vector, for the accuracy tests. */
import { ModuleBuilder } from "../../../src/compile/backends/wasm/encoder.js";
import { MATH_FUNCTIONS, type MathFunction, mathFunction } from "../../../src/compile/backends/wasm/math.js";

export interface MathKernels {
  /** fn applied to every element of xs with the scalar (width 1) or vector (width 4) code. */
  run(fn: MathFunction, xs: Float32Array, width: 1 | 4): Float32Array;
}

export function buildMathKernels(): MathKernels {
  const m = new ModuleBuilder();
  m.importMemory("env", "memory", { initial: 1 });
  for (const fn of MATH_FUNCTIONS) {
    for (const vector of [false, true]) {
      const f = mathFunction(m, fn, vector);
      const step = vector ? 16 : 4;
      const name = `${fn}_${vector ? 4 : 1}`;
      // (in, out, bytes): out[i] = fn(in[i]) for i < bytes/4.
      m.exportFunc(
        m.func(name, { params: ["i32", "i32", "i32"], results: [] }, (c, [src, dst, bytes]) => {
          const i = c.local("i32");
          c.block("void", (done) => {
            c.loop("void", (top) => {
              c.get(i).get(bytes).i32.ge_u().br_if(done);
              c.get(dst).get(i).i32.add();
              c.get(src).get(i).i32.add();
              if (vector) c.v128.load().call(f).v128.store();
              else c.f32.load().call(f).f32.store();
              c.get(i).i32.const(step).i32.add().set(i).br(top);
            });
          });
        }),
      );
    }
  }
  const bytes = m.toBytes();
  const memory = new WebAssembly.Memory({ initial: 1 });
  const inst = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } });
  return {
    run(fn, xs, width) {
      const n = Math.ceil(xs.length / 4) * 4;
      const need = 8 * n + 64;
      if (memory.buffer.byteLength < need) memory.grow(Math.ceil((need - memory.buffer.byteLength) / 65536));
      const view = new Float32Array(memory.buffer);
      view.fill(0, 0, 2 * n);
      view.set(xs, 0);
      (inst.exports[`${fn}_${width}`] as (a: number, b: number, c: number) => void)(0, 4 * n, 4 * n);
      return new Float32Array(memory.buffer, 4 * n, xs.length).slice();
    },
  };
}

/** Math.* reference in float64 (rounded to float32 by the caller). */
export const REFERENCE: Record<MathFunction, (x: number) => number> = {
  exp: Math.exp,
  expm1: Math.expm1,
  log: Math.log,
  log1p: Math.log1p,
  sin: Math.sin,
  cos: Math.cos,
  tanh: Math.tanh,
  sigmoid: (x) => 1 / (1 + Math.exp(-x)),
};

const bitsView = new Int32Array(1);
const floatView = new Float32Array(bitsView.buffer);

/** Position on the number line of float32s (−0 and +0 share 0). */
function ordinal(v: number): number {
  floatView[0] = v;
  const b = bitsView[0];
  return b < 0 ? -(b & 0x7fffffff) : b;
}

/** Distance in float32 ulps between a result and the float32-rounded reference (NaN must match NaN). */
export function ulpDistance(got: number, want: number): number {
  const w = Math.fround(want);
  if (Number.isNaN(w) || Number.isNaN(got)) return Number.isNaN(w) && Number.isNaN(got) ? 0 : Number.POSITIVE_INFINITY;
  return Math.abs(ordinal(got) - ordinal(w));
}
