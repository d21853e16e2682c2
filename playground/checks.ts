/**
 * A slice of the unit suite that runs wherever axle runs: in the page, in a Web Worker and under
 * Node. Each check compares axle against values known in closed form (the checks of
 * test/platform/browser-bundle.test.ts and of the README, and a few more transforms); the browser
 * test also compares every check's raw values between Chromium and Node.
 */
import {
  datasets,
  foriLoop,
  grad,
  hessian,
  jit,
  jvp,
  makeIr,
  type NDArray,
  nn,
  np,
  random,
  scan,
  ValueError,
  valueAndGrad,
  vjp,
  vmap,
} from "../src/index.js";

export interface CheckResult {
  name: string;
  ok: boolean;
  /** What went wrong, when not ok. */
  detail: string;
  /** The numbers axle computed, for comparison across platforms. */
  values: number[];
}

interface Check {
  name: string;
  /** Returns [computed, expected]; they must agree within `tol` (absolute + relative). */
  run: () => [number[], number[]];
  tol?: number;
}

const flat = (a: NDArray): number[] => Array.from(a.data(), Number);

/** The README's least-squares example. */
const lsq = {
  loss: (w: NDArray, x: NDArray, y: NDArray) => np.mean(np.square(x.matmul(w).sub(y))),
  x: () =>
    np.array([
      [1, 2],
      [3, 4],
      [5, 6],
    ]),
  y: () => np.array([1, 2, 3]),
};

const README_IR = `{ lambda ; a:f32[2] b:f32[3,2] c:f32[3] . let
    d:f32[2,1] = reshape[newShape=[2,1]] a
    e:f32[3,1] = dot_general[contracting=[[1],[0]] batch=[[],[]]] b d
    f:f32[3] = reshape[newShape=[3]] e
    g:f32[3] = sub f c
    h:f32[3] = mul g g
    i:f32[] = reduce_sum[axes=[0]] h
    j:f32[] = div i 3.0:f32[]
  in (j) }`;

const f = (x: NDArray) => np.sum(np.sin(x).mul(x));
const df = (v: number) => Math.sin(v) + v * Math.cos(v);

const CHECKS: Check[] = [
  {
    name: "grad of sum(sin(x)·x) is sin x + x cos x",
    run: () => [flat(grad(f)(np.array([1, 2, 3]))), [1, 2, 3].map(df)],
  },
  {
    name: "vmap(grad) maps over rows",
    run: () => {
      const g = vmap(grad(f))(
        np.array([
          [1, 2],
          [3, 4],
        ]),
      );
      return [
        [...g.shape, ...flat(g)],
        [2, 2, ...[1, 2, 3, 4].map(df)],
      ];
    },
  },
  {
    name: "jit(f) equals f",
    run: () => [[jit(f)(np.array([1, 2, 3])).item()], [Math.sin(1) + 2 * Math.sin(2) + 3 * Math.sin(3)]],
  },
  {
    name: "jit on the js backend equals the reference backend",
    run: () => {
      const g = (w: NDArray, x: NDArray) => np.tanh(x.matmul(w)).sum(0);
      const w = random.normal(random.key(3), [4, 5]);
      const x = random.normal(random.key(4), [6, 4]);
      return [flat(jit(g)(w, x)), flat(jit(g, { backend: "reference" })(w, x))];
    },
    tol: 1e-6,
  },
  {
    name: "grad of the README's least squares at w = 0",
    run: () => [flat(grad(lsq.loss)(np.zeros([2]), lsq.x(), lsq.y())), [-44 / 3, -56 / 3]],
  },
  {
    name: "makeIr prints the README's IR",
    run: () => {
      const text = makeIr(lsq.loss)(np.zeros([2]), lsq.x(), lsq.y()).toString();
      return [[text === README_IR ? 1 : 0], [1]];
    },
  },
  {
    name: "jvp and vjp of exp",
    run: () => {
      const x = np.array([0, 1, 2]);
      const exp = (v: NDArray) => np.exp(v);
      const [y, t] = jvp(exp, [x], [np.array([1, 2, 3])]);
      const [, back] = vjp(exp, x);
      const [ct] = back(np.array([1, 1, 1]));
      const e = [0, 1, 2].map(Math.exp);
      return [
        [...flat(y), ...flat(t), ...flat(ct)],
        [...e, e[0], 2 * e[1], 3 * e[2], ...e],
      ];
    },
  },
  {
    name: "hessian of sum(x³) is diag(6x)",
    run: () => [flat(hessian((x: NDArray) => np.sum(np.power(x, 3)))(np.array([1, 2])) as NDArray), [6, 0, 0, 12]],
  },
  {
    name: "valueAndGrad over a pytree of parameters",
    run: () => {
      const loss = (p: { w: NDArray; b: NDArray }) => np.sum(np.square(p.w.mul(2).add(p.b)));
      const [v, g] = valueAndGrad(loss)({ w: np.array([1, -1]), b: np.array(0.5) });
      // r = 2w + b = [2.5, -1.5]: value Σr², ∂w = 4r, ∂b = 2Σr.
      return [
        [v.item(), ...flat(g.w), g.b.item()],
        [8.5, 10, -6, 2],
      ];
    },
  },
  {
    name: "scan and foriLoop under jit",
    run: () => {
      const [total, partial] = scan(
        (c: NDArray, x: NDArray) => [c.add(x), c.add(x)],
        np.array(0),
        np.arange(5).astype("float32"),
      );
      const fact = jit((n: NDArray) => foriLoop(1, 6, (i, c: NDArray) => c.mul(i), n));
      return [
        [total.item(), ...flat(partial), fact(np.array(1)).item()],
        [10, 0, 1, 3, 6, 10, 120],
      ];
    },
  },
  {
    name: "softmax cross-entropy and its gradient",
    run: () => {
      const logits = np.array([[1, 2, 3]]);
      const labels = np.array([2], "int32");
      const [v, g] = valueAndGrad((l: NDArray) => nn.softmaxCrossEntropy(l, labels))(logits);
      const z = Math.exp(1) + Math.exp(2) + Math.exp(3);
      const s = [1, 2, 3].map((k) => Math.exp(k) / z);
      return [
        [v.item(), ...flat(g)],
        [Math.log(z) - 3, s[0], s[1], s[2] - 1],
      ];
    },
  },
  {
    name: "random is deterministic per key and uniform in [0, 1)",
    run: () => {
      const a = flat(random.uniform(random.key(0), [1000]));
      const b = flat(random.uniform(random.key(0), [1000]));
      const inRange = a.every((v) => v >= 0 && v < 1) ? 1 : 0;
      const mean = a.reduce((s, v) => s + v, 0) / a.length;
      return [
        [a.every((v, i) => v === b[i]) ? 1 : 0, inRange, Math.abs(mean - 0.5) < 0.05 ? 1 : 0, ...a.slice(0, 3)],
        [1, 1, 1, ...a.slice(0, 3)],
      ];
    },
  },
  {
    name: "typed errors carry their class across the bundle",
    run: () => {
      let ok = 0;
      try {
        datasets.digits();
        ok = typeof (globalThis as { process?: unknown }).process === "object" ? 1 : 0;
      } catch (e) {
        // In a browser, digits() explains that it needs Node and how to load the CSV instead.
        ok = e instanceof ValueError && /parseDigitsCsv/.test(e.message) ? 1 : 0;
      }
      return [[ok], [1]];
    },
  },
];

function close(a: number[], b: number[], tol: number): string {
  if (a.length !== b.length) return `got ${a.length} values, expected ${b.length}`;
  for (let i = 0; i < a.length; i++) {
    if (!(Math.abs(a[i] - b[i]) <= tol * (1 + Math.abs(b[i])))) return `value ${i}: got ${a[i]}, expected ${b[i]}`;
  }
  return "";
}

/** Run every check; never throws (a throwing check is a failed check). */
export function runChecks(): CheckResult[] {
  return CHECKS.map(({ name, run, tol = 1e-5 }) => {
    try {
      const [got, want] = run();
      const detail = close(got, want, tol);
      return { name, ok: detail === "", detail, values: got };
    } catch (e) {
      return { name, ok: false, detail: e instanceof Error ? `${e.name}: ${e.message}` : String(e), values: [] };
    }
  });
}
