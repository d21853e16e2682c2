/** (a) Eager elementwise kernels on 1e6 float32 elements vs hand-written Float32Array loops. */
import { np } from "../src/index.js";
import { fmtMs, fmtRatio, medianMs, randomFloats, type Section } from "./harness.js";

const N = 1_000_000;
const ROWS = 1000;

// The references allocate their output like axle does (arrays are immutable, so every op
// returns a fresh buffer); the comparison is loop against loop, allocation included.
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

export async function benchElementwise(): Promise<Section> {
  const a = randomFloats(N, 1);
  const b = randomFloats(N, 2);
  const row = randomFloats(N / ROWS, 3);
  const x = np.array(a);
  const y = np.array(b);
  const x2 = x.reshape([ROWS, N / ROWS]);
  const r = np.array(row);
  const t = await medianMs(
    {
      "axle add": () => np.add(x, y),
      "hand add": () => handAdd(a, b),
      "axle exp": () => np.exp(x),
      "hand exp": () => handExp(a),
      "axle mul scalar": () => x.mul(2),
      "hand mul scalar": () => handScale(a, 2),
      "axle add row": () => np.add(x2, r),
      "hand add row": () => handRowAdd(a, row, ROWS),
    },
    { time: 1500, iterations: 20 },
  );
  const cases: [string, string, string][] = [
    ["add  f32[1e6] + f32[1e6]", "axle add", "hand add"],
    ["exp  f32[1e6]", "axle exp", "hand exp"],
    ["mul  f32[1e6] * 2 (weak scalar)", "axle mul scalar", "hand mul scalar"],
    ["add  f32[1000,1000] + f32[1000] (broadcast)", "axle add row", "hand add row"],
  ];
  return {
    title: "Eager elementwise, float32, 1e6 elements",
    note: "ratio = axle time / hand-written Float32Array loop time (lower is better); target ≤ 2x",
    header: ["operation", "axle", "hand loop", "ratio", "target"],
    rows: cases.map(([label, ax, hand]) => {
      const ratio = t[ax] / t[hand];
      return [label, fmtMs(t[ax]), fmtMs(t[hand]), fmtRatio(ratio), ratio <= 2 ? "met" : "MISSED"];
    }),
  };
}
