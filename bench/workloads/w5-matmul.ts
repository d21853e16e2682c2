/** Workload 5: float32 matmul n×n @ n×n, n = 64 … 1024, in GFLOP/s and as a fraction of the measured peak. */
import { jit as jjit } from "@jax-js/jax";
import { type Array, np } from "../../src/index.js";
import type { Results } from "../check.js";
import { randomFloats } from "../data.js";
import { blockedMatmul, naiveMatmul } from "../hand/matmul.js";
import { type Contender, measure } from "../harness.js";
import { describePeak } from "../peak.js";
import { AXLE, AXLE_EAGER, AXLE_JITS, f32, values } from "../peers/axle.js";
import { jaxReady, jf32, jnp, jsettle, jvalues } from "../peers/jaxjs.js";
import { TF_BACKENDS, tf, tfName, tvalues, useTf } from "../peers/tf.js";
import { atLeastGflops, fasterBy, gflops, type Section, type Target, timeRows } from "../report.js";
import { agreeAll, type Impl, type RunContext, type Workload } from "../workload.js";

export const SIZES = [64, 128, 256, 512, 1024];
const QUICK_SIZES = [64, 128];
const NAIVE = "hand naive i-j-k";
export const BLOCKED = "hand blocked";
const JAX = "jax-js jit";
/** The naive loop is skipped above this size: one call takes many seconds (cache misses on every k). */
const NAIVE_MAX = 512;
export const REF = "float64 reference";

/** Positions the agreement check compares (every entry up to 128², else a fixed sample of 512). */
function positions(n: number): number[] {
  if (n <= 128) return globalThis.Array.from({ length: n * n }, (_, i) => i);
  return globalThis.Array.from(randomFloats(512, 99 + n), (v) => Math.floor(((v + 1) / 2) * n * n));
}

const pick = (c: ArrayLike<number>, pos: readonly number[]): Results => ({ c: pos.map((p) => c[p]) });

/** The product's entries at `pos`, computed in float64 from the same float32 inputs. */
function reference(a: Float32Array, b: Float32Array, n: number, pos: readonly number[]): Results {
  return {
    c: pos.map((p) => {
      const i = Math.floor(p / n);
      const j = p % n;
      let s = 0;
      for (let k = 0; k < n; k++) s += a[i * n + k] * b[k * n + j];
      return s;
    }),
  };
}

export interface MatmulSet {
  /** Include the naive i-j-k loop (default: n ≤ 512). */
  naive?: boolean;
  /** Eager mode only (workload 7): no axle jit, jax-js without jit. */
  eager?: boolean;
}

export const JAX_EAGER = "jax-js eager";

export function matmulImpls(n: number, opts: MatmulSet = {}): Impl[] {
  const eager = opts.eager ?? false;
  const a = randomFloats(n * n, 10 + n);
  const b = randomFloats(n * n, 20 + n);
  const pos = positions(n);
  const axle = (name: string, mm: (x: Array, y: Array) => Array): Impl => {
    const x = f32(a, [n, n]);
    const y = f32(b, [n, n]);
    return { name, check: () => pick(values(mm(x, y)), pos), contender: () => ({ name, run: () => mm(x, y) }) };
  };
  const matmul = (x: Array, y: Array) => np.matmul(x, y);
  const out: Impl[] = [axle(AXLE_EAGER, matmul), ...(eager ? [] : AXLE_JITS.map((v) => axle(v.name, v.jit(matmul))))];
  const jaxName = eager ? JAX_EAGER : JAX;
  const jmatmul = (x: jnp.Array, y: jnp.Array) => jnp.matmul(x, y);
  const jmm = eager ? jmatmul : jjit(jmatmul);
  out.push({
    name: jaxName,
    check: async () => {
      await jaxReady();
      return pick(jvalues(jmm(jf32(a, [n, n]), jf32(b, [n, n]))), pos);
    },
    contender: async () => {
      await jaxReady();
      const x = jf32(a, [n, n]);
      const y = jf32(b, [n, n]);
      return { name: jaxName, run: () => jmm(x.ref, y.ref), settle: jsettle } satisfies Contender;
    },
  });
  // TF.js cpu is plain JS like the hand loops: seconds per call at n = 1024, so it stops at 512 too.
  for (const be of TF_BACKENDS.filter((b) => b === "wasm" || n <= NAIVE_MAX)) {
    const tensors = async () => {
      await useTf(be);
      return [tf.tensor2d(a, [n, n]), tf.tensor2d(b, [n, n])] as const;
    };
    out.push({
      name: tfName(be),
      check: async () => {
        const [x, y] = await tensors();
        const c = tf.matMul(x, y);
        const r = pick(tvalues(c), pos);
        tf.dispose([x, y, c]);
        return r;
      },
      contender: async () => {
        const [x, y] = await tensors();
        return { name: tfName(be), before: () => useTf(be), run: () => tf.matMul(x, y).dispose() };
      },
    });
  }
  if (opts.naive ?? n <= NAIVE_MAX) {
    out.push({
      name: NAIVE,
      check: () => pick(naiveMatmul(a, b, n), pos),
      contender: () => ({ name: NAIVE, run: () => naiveMatmul(a, b, n) }),
    });
  }
  out.push({
    name: BLOCKED,
    check: () => pick(blockedMatmul(a, b, n), pos),
    contender: () => ({ name: BLOCKED, run: () => blockedMatmul(a, b, n) }),
  });
  out.push({ name: REF, check: () => reference(a, b, n, pos), contender: () => ({ name: REF, run: () => 0 }) });
  return out;
}

/** float32 rounding of n-term sums of products of numbers in [−1, 1). */
export const tolFor = (n: number) => ({ atol: n * 2 ** -22, rtol: 0 });

export async function agreeMatmul(n: number): Promise<void> {
  await agreeAll(`workload 5 (n = ${n})`, matmulImpls(n), REF, tolFor(n));
}

export const w5: Workload = {
  id: 5,
  title: "float32 matmul GFLOP/s",
  async agree(tiny) {
    for (const n of tiny ? [8, 37] : SIZES) await agreeMatmul(n);
  },
  async run(ctx: RunContext) {
    const sections: Section[] = [];
    const peak = ctx.peak?.reference.gflops;
    for (const n of ctx.quick ? QUICK_SIZES : SIZES) {
      await agreeMatmul(n);
      const impls = matmulImpls(n).filter((i) => i.name !== REF);
      const list: Contender[] = [];
      for (const i of impls) list.push(await i.contender());
      const stats = await measure(list, ctx.timing);
      const flops = 2 * n ** 3;
      const { header, rows } = timeRows(stats, { axle: AXLE, hand: BLOCKED, flops, peak });
      const targets: Target[] = [];
      const g = (name: string) => {
        const s = stats.get(name);
        return s === undefined ? undefined : gflops(flops, s.median);
      };
      if (n === 512) {
        const ax = stats.get(AXLE)?.median;
        targets.push(
          atLeastGflops(`${AXLE} (both cores)`, g(AXLE), 50),
          fasterBy(`${AXLE} vs jax-js (jax-js time / axle time)`, ax, stats.get(JAX)?.median, 3),
          fasterBy(`${AXLE} vs TF.js wasm (TF.js time / axle time)`, ax, stats.get(tfName("wasm"))?.median, 1.5),
        );
      }
      if (n === 1024) targets.push(atLeastGflops(`${AXLE} (n = 1024 no lower than the n = 512 target)`, g(AXLE), 50));
      sections.push({
        id: `5-${n}`,
        title: `float32 matmul ${n}×${n} @ ${n}×${n}`,
        note: `median time per product; GFLOP/s = 2n³ / time; % peak of the 1-thread Wasm SIMD peak${peak === undefined ? " (not measured in this run)" : ` (${peak.toFixed(1)} GFLOP/s)`}; ratios = time / that contender's time`,
        header,
        rows,
        targets,
        remarks: [
          `Agreement checked first: ${n <= 128 ? "every entry" : "512 sampled entries"} match a float64 reference within ${tolFor(n).atol.toExponential(1)} (n · 2⁻²²).`,
          ...(n > NAIVE_MAX ? [`${NAIVE} and ${tfName("cpu")} skipped above n = ${NAIVE_MAX} (seconds per call).`] : []),
          ...(n === SIZES[0] && ctx.peak !== undefined ? [`Peak used for % peak: ${describePeak(ctx.peak.reference)}.`] : []),
        ],
      });
    }
    return sections;
  },
};
