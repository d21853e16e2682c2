/** (c) jit overhead on a tiny function and (d) time per grad step of a small MLP loss. */
import { type Array, grad, jit, np } from "../src/index.js";
import { fmtMs, fmtRatio, medianMs, randomFloats, type Section } from "./harness.js";

/** Three elementwise ops on a small array: the time is all per-call overhead, no real work. */
const small = (x: Array) => np.tanh(x.mul(2).add(1));

export async function benchJitOverhead(): Promise<Section> {
  const x = np.array(randomFloats(100, 5));
  const jitted = jit(small);
  jitted(x); // trace and cache once, outside the timing
  const t = await medianMs({ eager: () => small(x), jit: () => jitted(x) }, { time: 700, iterations: 200 });
  return {
    title: "jit overhead, tanh(2x + 1) on f32[100]",
    note: "ratio = jitted call time / eager call time (cached trace; reference backend)",
    header: ["function", "eager", "jit", "ratio"],
    rows: [["tanh(x*2 + 1), 3 primitives", fmtMs(t.eager), fmtMs(t.jit), fmtRatio(t.jit / t.eager)]],
  };
}

interface Mlp {
  w1: Array;
  b1: Array;
  w2: Array;
  b2: Array;
}

const mlpLoss = (p: Mlp, x: Array, y: Array): Array => {
  const h = np.tanh(x.matmul(p.w1).add(p.b1));
  const out = h.matmul(p.w2).add(p.b2);
  return np.mean(np.square(out.sub(y)));
};

export async function benchMlpGrad(): Promise<Section> {
  const [din, dh, batch] = [64, 32, 15];
  const params: Mlp = {
    w1: np
      .array(randomFloats(din * dh, 7))
      .reshape([din, dh])
      .mul(0.125),
    b1: np.zeros([dh]),
    w2: np.array(randomFloats(dh, 8)).reshape([dh, 1]).mul(0.18),
    b2: np.zeros([1]),
  };
  const x = np.array(randomFloats(batch * din, 9)).reshape([batch, din]);
  const y = np.array(randomFloats(batch, 10)).reshape([batch, 1]);
  const g = grad(mlpLoss);
  const gj = jit(grad(mlpLoss));
  gj(params, x, y);
  const t = await medianMs(
    { loss: () => mlpLoss(params, x, y), grad: () => g(params, x, y), "jit(grad)": () => gj(params, x, y) },
    { time: 1000, iterations: 50 },
  );
  return {
    title: "grad of an MLP loss, 64→32→1 (tanh), batch 15, float32",
    note: "time per call; ratio = time / forward-only loss time",
    header: ["call", "time per step", "vs forward"],
    rows: [
      ["loss (forward only, eager)", fmtMs(t.loss), fmtRatio(1)],
      ["grad(loss) (eager)", fmtMs(t.grad), fmtRatio(t.grad / t.loss)],
      ["jit(grad(loss))", fmtMs(t["jit(grad)"]), fmtRatio(t["jit(grad)"] / t.loss)],
    ],
  };
}
