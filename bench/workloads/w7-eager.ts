/**
 * Workload 7: eager mode. (a) a 10-op elementwise chain on 1e6 float32s; (b) eager matmul 256;
 * (c) single eager elementwise ops on 1e6 floats against a hand loop (the earlier bench table).
 */
import { type Array, np } from "../../src/index.js";
import { F32_STEP } from "../check.js";
import { randomFloats } from "../data.js";
import { type Contender, measure } from "../harness.js";
import { AXLE_EAGER, AXLE_JITS, f32, values } from "../peers/axle.js";
import { jaxReady, jf32, jnp, jsettle, jvalues } from "../peers/jaxjs.js";
import { TF_BACKENDS, tf, tfName, tvalues, useTf } from "../peers/tf.js";
import { atLeastGflops, fmtMs, fmtRatio, gflops, type Section, timeRows, within } from "../report.js";
import { agreeAll, agreeAndMeasure, type Impl, type Workload } from "../workload.js";
import { BLOCKED, JAX_EAGER as JAX_MM, matmulImpls, REF, tolFor } from "./w5-matmul.js";

const HAND = "hand fused loop";
const HAND_OPS = "hand op-by-op loops";
const JAX_EAGER = "jax-js eager";

/** −max(√(|(1.5x + 0.5)² − x| + 1)·0.25, x): ten elementwise ops. */
export function chain(x: Array): Array {
  let t = x.mul(1.5).add(0.5);
  t = t.mul(t).sub(x);
  t = np.sqrt(np.abs(t).add(1)).mul(0.25);
  return np.negative(np.maximum(t, x));
}

export function handFused(x: Float32Array): Float32Array {
  const out = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const v = x[i];
    const t = v * 1.5 + 0.5;
    const u = Math.sqrt(Math.abs(t * t - v) + 1) * 0.25;
    out[i] = -(u > v ? u : v);
  }
  return out;
}

/**
 * The same chain as ten separate loops, each allocating its result: what an unfused eager library
 * can do at best. Each loop is written out, so every loop is monomorphic (a shared helper taking
 * the op as a callback would make V8's call site polymorphic and the loops several times slower).
 */
function handOps(x: Float32Array): Float32Array {
  const n = x.length;
  const t1 = new Float32Array(n);
  for (let i = 0; i < n; i++) t1[i] = x[i] * 1.5;
  const t2 = new Float32Array(n);
  for (let i = 0; i < n; i++) t2[i] = t1[i] + 0.5;
  const t3 = new Float32Array(n);
  for (let i = 0; i < n; i++) t3[i] = t2[i] * t2[i];
  const t4 = new Float32Array(n);
  for (let i = 0; i < n; i++) t4[i] = t3[i] - x[i];
  const t5 = new Float32Array(n);
  for (let i = 0; i < n; i++) t5[i] = Math.abs(t4[i]);
  const t6 = new Float32Array(n);
  for (let i = 0; i < n; i++) t6[i] = t5[i] + 1;
  const t7 = new Float32Array(n);
  for (let i = 0; i < n; i++) t7[i] = Math.sqrt(t6[i]);
  const t8 = new Float32Array(n);
  for (let i = 0; i < n; i++) t8[i] = t7[i] * 0.25;
  const t9 = new Float32Array(n);
  for (let i = 0; i < n; i++) t9[i] = t8[i] > x[i] ? t8[i] : x[i];
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = -t9[i];
  return out;
}

function jChain(x: jnp.Array): jnp.Array {
  let t = x.ref.mul(1.5).add(0.5);
  t = t.ref.mul(t).sub(x.ref);
  t = jnp.sqrt(jnp.abs(t).add(1)).mul(0.25);
  return jnp.negative(jnp.maximum(t, x));
}

function tfChain(x: tf.Tensor): tf.Tensor {
  let t = x.mul(1.5).add(0.5);
  t = t.mul(t).sub(x);
  t = tf.sqrt(tf.abs(t).add(1)).mul(0.25);
  return tf.neg(tf.maximum(t, x));
}

function chainImpls(n: number): Impl[] {
  const data = randomFloats(n, 77).map((v) => v * 4);
  const x = f32(data, [n]);
  const axle = (name: string, f: typeof chain): Impl => ({
    name,
    check: () => ({ y: values(f(x)) }),
    contender: () => ({ name, run: () => f(x) }),
  });
  const out: Impl[] = [axle(AXLE_EAGER, chain), ...AXLE_JITS.map((v) => axle(v.name, v.jit(chain)))];
  out.push({
    name: JAX_EAGER,
    check: async () => {
      await jaxReady();
      return { y: jvalues(jChain(jf32(data, [n]))) };
    },
    contender: async () => {
      await jaxReady();
      const jx = jf32(data, [n]);
      return { name: JAX_EAGER, run: () => jChain(jx.ref), settle: jsettle } satisfies Contender;
    },
  });
  for (const b of TF_BACKENDS) {
    const name = `${tfName(b)} (tidy)`;
    const tx = async () => {
      await useTf(b);
      return tf.tensor1d(data);
    };
    out.push({
      name,
      check: async () => {
        const t = await tx();
        const y = tf.tidy(() => tfChain(t));
        const r = { y: tvalues(y) };
        tf.dispose([t, y]);
        return r;
      },
      contender: async () => {
        const t = await tx();
        return { name, before: () => useTf(b), run: () => tf.tidy(() => tfChain(t)).dispose() };
      },
    });
  }
  out.push({
    name: HAND_OPS,
    check: () => ({ y: handOps(data) }),
    contender: () => ({ name: HAND_OPS, run: () => handOps(data) }),
  });
  out.push({ name: HAND, check: () => ({ y: handFused(data) }), contender: () => ({ name: HAND, run: () => handFused(data) }) });
  return out;
}

/** One-op eager kernels on 1e6 floats against a hand loop that allocates its output too. */
function opImpls(): Impl[][] {
  const n = 1_000_000;
  const a = randomFloats(n, 1);
  const b = randomFloats(n, 2);
  const row = randomFloats(1000, 3);
  const x = f32(a, [n]);
  const y = f32(b, [n]);
  const x2 = f32(a, [1000, 1000]);
  const r = f32(row, [1000]);
  const pair = (label: string, ax: () => Array, hand: () => Float32Array): Impl[] => [
    {
      name: `${AXLE_EAGER}: ${label}`,
      check: () => ({ y: values(ax()) }),
      contender: () => ({ name: `${AXLE_EAGER}: ${label}`, run: ax }),
    },
    { name: `hand: ${label}`, check: () => ({ y: hand() }), contender: () => ({ name: `hand: ${label}`, run: hand }) },
  ];
  return [
    pair(
      "add f32[1e6] + f32[1e6]",
      () => np.add(x, y),
      () => handAdd(a, b),
    ),
    pair(
      "exp f32[1e6]",
      () => np.exp(x),
      () => handExp(a),
    ),
    pair(
      "mul f32[1e6] · 2 (weak scalar)",
      () => x.mul(2),
      () => handScale(a, 2),
    ),
    pair(
      "add f32[1000,1000] + f32[1000]",
      () => np.add(x2, r),
      () => handRowAdd(a, row, 1000),
    ),
  ];
}

// One written-out loop per op (monomorphic, like the generated kernels they are compared with).
function handAdd(a: Float32Array, b: Float32Array): Float32Array {
  const out = new Float32Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i] + b[i];
  return out;
}

function handExp(a: Float32Array): Float32Array {
  const out = new Float32Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = Math.exp(a[i]);
  return out;
}

function handScale(a: Float32Array, s: number): Float32Array {
  const out = new Float32Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i] * s;
  return out;
}

function handRowAdd(a: Float32Array, row: Float32Array, rows: number): Float32Array {
  const cols = row.length;
  const out = new Float32Array(a.length);
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    for (let j = 0; j < cols; j++) out[o + j] = a[o + j] + row[j];
  }
  return out;
}

export const w7: Workload = {
  id: 7,
  title: "Eager mode",
  async agree(tiny) {
    await agreeAll("workload 7a (chain)", chainImpls(tiny ? 1000 : 1_000_000), HAND, F32_STEP);
    const n = tiny ? 16 : 256;
    await agreeAll("workload 7b (eager matmul)", matmulImpls(n, { naive: false, eager: true }), REF, tolFor(n));
    if (!tiny) for (const p of opImpls()) await agreeAll(`workload 7c (${p[0].name})`, p, p[1].name, F32_STEP);
  },
  async run(ctx) {
    const n = 1_000_000;
    const chainStats = await agreeAndMeasure("workload 7a (chain)", chainImpls(n), HAND, F32_STEP, ctx.timing);
    const a = timeRows(chainStats, { axle: AXLE_EAGER, hand: HAND });
    const mm = 256;
    const mmImpls = matmulImpls(mm, { naive: false, eager: true });
    await agreeAll("workload 7b (eager matmul)", mmImpls, REF, tolFor(mm));
    const mmList: Contender[] = [];
    for (const i of mmImpls.filter((m) => m.name !== REF)) mmList.push(await i.contender());
    const mmStats = await measure(mmList, ctx.timing);
    const flops = 2 * mm ** 3;
    const b = timeRows(mmStats, { axle: AXLE_EAGER, hand: BLOCKED, flops, peak: ctx.peak?.reference.gflops });
    const axMm = mmStats.get(AXLE_EAGER);
    const opRows: string[][] = [];
    for (const p of opImpls()) {
      await agreeAll(`workload 7c (${p[0].name})`, p, p[1].name, F32_STEP);
      const list: Contender[] = [];
      for (const i of p) list.push(await i.contender());
      const s = await measure(list, ctx.timing);
      const ax = s.get(p[0].name)!.median;
      const hd = s.get(p[1].name)!.median;
      opRows.push([p[0].name.slice(AXLE_EAGER.length + 2), fmtMs(ax), fmtMs(hd), fmtRatio(ax / hd)]);
    }
    return [
      {
        id: "7a",
        title: "Eager 10-op elementwise chain on f32[1e6]: −max(√(|(1.5x + 0.5)² − x| + 1)·0.25, x)",
        note: "median time per chain; ratios = time / that contender's time (÷ axle divides by axle eager)",
        header: a.header,
        rows: a.rows,
        targets: [within(`${AXLE_EAGER} vs ${HAND}`, chainStats.get(AXLE_EAGER)?.median, chainStats.get(HAND)?.median, 1.5)],
        remarks: [
          "Agreement checked first: all 1e6 outputs match the fused hand loop (atol 2e-5, rtol 2e-4).",
          `${HAND_OPS}: the same ten ops as ten loops that each allocate a result, the best an unfused eager library can do.`,
        ],
      },
      {
        id: "7b",
        title: `Eager matmul ${mm}×${mm} @ ${mm}×${mm}`,
        note: "median time per product; GFLOP/s = 2n³ / time; ratios = time / that contender's time",
        header: b.header,
        rows: b.rows,
        targets: [atLeastGflops(AXLE_EAGER, axMm === undefined ? undefined : gflops(flops, axMm.median), 20)],
        remarks: [`jax-js is run without jit here (${JAX_MM}); workload 5 has its jit.`],
      },
      {
        id: "7c",
        title: "Eager single ops on 1e6 float32 elements",
        note: "median time per op; both sides allocate their output (arrays are immutable); ratio = axle / hand",
        header: ["operation", "axle eager", "hand loop", "ratio"],
        rows: opRows,
      } satisfies Section,
    ];
  },
};
