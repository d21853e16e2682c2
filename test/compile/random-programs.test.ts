/**
 * Random programs, compiled on every backend, against the eager result (the reference kernels
 * one primitive at a time) and against `jit` on the reference backend.
 *
 * A program is a list of op seeds (small integers) that a builder turns into valid np calls over
 * a pool of values (the inputs, then each op's result), so fast-check shrinks a failure by
 * dropping ops and zeroing their choices, and the report prints the program as text.
 *
 * Agreement (docs/design.md, "The compiler", states the same bound):
 * - Each value is tracked as *exact* (every backend must compute it bit for bit: inputs, movement,
 *   integer and bool ops, IEEE-rounded float + − × ÷ √ max min, casts, comparisons, select) or
 *   not (transcendentals, float sums, float matmuls). Discontinuous functions (comparisons,
 *   float→int/bool casts, rounding) are only applied to exact values, and only Lipschitz-1 ops
 *   (neg, abs, tanh, sin, sigmoid, +, −, max, min) to inexact ones, so errors cannot be amplified.
 * - Integer and bool outputs, and exact float outputs, must agree exactly (Object.is per element).
 * - An inexact float output must satisfy |got − want| ≤ 4·ε·budget·M, where ε is the machine
 *   epsilon of the narrowest float dtype in the program (2^-23 or 2^-52), M is the largest
 *   magnitude the program computes (including n·max|x| of each n-term sum and k·max|a|·max|b| of
 *   each k-term matmul, which bound Σ|terms|), and `budget` counts rounding steps: 4 per
 *   transcendental (a few ulps), 1 per rounded op on inexact operands, and n·(b + 1) for a sum of
 *   n terms of budget b (Higham's γ_n·Σ|x_i| bound on reordered summation, Accuracy and
 *   Stability of Numerical Algorithms §4.2), likewise k for a k-term matmul.
 */
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { BACKENDS } from "../../src/compile/compile.js";
import type { Array, ConcreteArray, DType } from "../../src/index.js";
import { cond, jit, np, scan, vmap, whileLoop } from "../../src/index.js";

type Dt = "float32" | "float64" | "int32" | "bool";
const DTYPES: readonly Dt[] = ["float32", "float64", "int32", "bool"];
const isFloat = (d: DType) => d === "float32" || d === "float64";

interface Seed {
  readonly k: number;
  readonly a: number;
  readonly b: number;
  readonly c: number;
}

/** What the builder knows about a pool value. */
interface Info {
  readonly shape: readonly number[];
  readonly dtype: DType;
  readonly exact: boolean;
  readonly budget: number;
}

/** One built op: operand pool indices, how to run it, and how to print it. */
interface Op {
  readonly args: readonly number[];
  readonly text: string;
  readonly run: (...xs: Array[]) => Array;
  readonly exact: boolean;
  readonly budget: number;
  /** Σ|terms| bound of a sum/matmul, in units of the operands' magnitude (see the header). */
  readonly accum?: (xs: readonly Array[]) => number;
}

interface Program {
  readonly inputs: readonly Info[];
  readonly ops: readonly Op[];
  readonly outs: readonly number[];
  readonly infos: readonly Info[];
}

/** The data of an eager (concrete) value. */
const buf = (x: Array) => (x as ConcreteArray).buffer;
const fmtShape = (s: readonly number[]) => `[${s.join(",")}]`;
const maxAbs = (x: Array): number => {
  let m = 0;
  for (const v of buf(x)) if (Number.isFinite(v)) m = Math.max(m, Math.abs(v));
  return m;
};
const sizeOf = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

/** NumPy broadcasting of two shapes, or null. */
function broadcastShapes(a: readonly number[], b: readonly number[]): number[] | null {
  const n = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const x = a[a.length - n + i] ?? 1;
    const y = b[b.length - n + i] ?? 1;
    if (x !== y && x !== 1 && y !== 1) return null;
    out.push(x === 1 ? y : x);
  }
  return out;
}

/** A permutation of 0..n-1 chosen by `seed`. */
function perm(n: number, seed: number): number[] {
  const rest = [...globalThis.Array(n).keys()];
  const out: number[] = [];
  while (rest.length > 0) {
    out.push(rest.splice(seed % rest.length, 1)[0]);
    seed = Math.floor(seed / 7) + 3;
  }
  return out;
}

const LIPSCHITZ: readonly [string, (x: Array) => Array][] = [
  ["neg", np.negative],
  ["abs", np.abs],
  ["tanh", np.tanh],
  ["sin", np.sin],
  ["sigmoid", np.sigmoid],
];
const EXACT_FLOAT: readonly [string, (x: Array) => Array][] = [
  ["square", np.square],
  ["sqrt∘abs", (x) => np.sqrt(np.abs(x))],
  ["exp", np.exp],
  ["floor", np.floor],
  ["round", np.round],
  ["sign", np.sign],
];
const TRANSCENDENTAL = new Set(["tanh", "sin", "sigmoid", "exp"]);

/** Turn one seed into an op over the current pool, or null when it does not apply. */
function buildOp(pool: readonly Info[], s: Seed): Op | null {
  const pick = (n: number) => pool.length - 1 - (n % pool.length);
  const xi = pick(s.a);
  const x = pool[xi];
  const kinds = 20;
  const kind = s.k % kinds;
  const partner = (): number | null => {
    const yi = pick(s.b);
    return broadcastShapes(x.shape, pool[yi].shape) !== null ? yi : null;
  };
  switch (kind) {
    case 0: {
      // unary
      if (x.dtype === "bool") return { args: [xi], text: "logicalNot", run: np.logicalNot, exact: true, budget: 0 };
      if (!isFloat(x.dtype)) {
        const ops: [string, (v: Array) => Array][] = [
          ["neg", np.negative],
          ["abs", np.abs],
          ["square", np.square],
          ["sign", np.sign],
        ];
        const [name, fn] = ops[s.c % ops.length];
        return { args: [xi], text: name, run: fn, exact: true, budget: 0 };
      }
      const table = x.exact ? [...LIPSCHITZ, ...EXACT_FLOAT] : LIPSCHITZ;
      const [name, fn] = table[s.c % table.length];
      const tr = TRANSCENDENTAL.has(name);
      return { args: [xi], text: name, run: fn, exact: x.exact && !tr, budget: x.budget + (tr ? 4 : x.exact ? 0 : 1) };
    }
    case 1:
    case 2: {
      // binary with broadcasting, against a pool value or a JS scalar (a weak literal)
      const yi = partner();
      const y = yi === null ? null : pool[yi];
      const exact = x.exact && (y?.exact ?? true);
      const ops: [string, (a: Array, b: Array | number) => Array][] =
        x.dtype === "bool" && (y === null || y.dtype === "bool")
          ? [
              ["logicalAnd", np.logicalAnd],
              ["logicalOr", np.logicalOr],
              ["logicalXor", np.logicalXor],
            ]
          : exact
            ? [
                ["add", np.add],
                ["subtract", np.subtract],
                ["multiply", np.multiply],
                ["maximum", np.maximum],
                ["minimum", np.minimum],
                ["divide", np.divide],
              ]
            : [
                ["add", np.add],
                ["subtract", np.subtract],
                ["maximum", np.maximum],
                ["minimum", np.minimum],
              ];
      const [name, fn] = ops[s.c % ops.length];
      const budget = x.budget + (y?.budget ?? 0) + (exact ? 0 : 1);
      if (y === null || yi === null) {
        const lit = x.dtype === "bool" ? true : (s.c % 5) - 2 + (isFloat(x.dtype) ? 0.5 : 0);
        const litFn = x.dtype === "bool" ? (a: Array) => fn(a, np.array(lit as boolean)) : (a: Array) => fn(a, lit as number);
        return { args: [xi], text: `${name}(·, ${lit})`, run: litFn, exact, budget };
      }
      return { args: [xi, yi], text: name, run: (a, b) => fn(a, b), exact, budget };
    }
    case 3: {
      // comparison of exact values, then where over any two broadcast-compatible values
      const yi = partner();
      if (yi === null || !x.exact || !pool[yi].exact) return null;
      const cmps: [string, (a: Array, b: Array) => Array][] = [
        ["less", np.less],
        ["greaterEqual", np.greaterEqual],
        ["equal", np.equal],
        ["notEqual", np.notEqual],
      ];
      const [cname, cmp] = cmps[s.c % cmps.length];
      const zi = pick(s.c >> 2);
      const z = pool[zi];
      const condShape = broadcastShapes(x.shape, pool[yi].shape) as number[];
      if (broadcastShapes(condShape, z.shape) === null || broadcastShapes(condShape, x.shape) === null) return null;
      return {
        args: [xi, yi, zi],
        text: `where(${cname}(x,y), z, x)`,
        run: (a, b, c) => np.where(cmp(a, b), c, a),
        exact: x.exact && z.exact,
        budget: Math.max(x.budget, z.budget),
      };
    }
    case 4: {
      // cast
      const to = DTYPES[s.c % DTYPES.length];
      if (isFloat(x.dtype) && !isFloat(to) && !x.exact) return null;
      const rounds = x.dtype === "float64" && to === "float32" && !x.exact;
      return {
        args: [xi],
        text: `astype(${to})`,
        run: (a) => np.astype(a, to),
        exact: x.exact,
        budget: isFloat(to) ? x.budget + (rounds ? 1 : 0) : 0,
      };
    }
    case 5:
    case 6: {
      // reductions over a random (possibly unsorted) set of axes, keepdims or not
      if (x.shape.length === 0 && s.c % 2 === 0) return null;
      const nd = x.shape.length;
      const axes = perm(nd, s.b).slice(0, nd === 0 ? 0 : 1 + (s.c % nd));
      const keepdims = (s.c >> 3) % 2 === 1;
      const n = sizeOf(axes.map((d) => x.shape[d]));
      const ops = ["sum", "max", "min", "mean"] as const;
      const op = ops[(s.c >> 1) % ops.length];
      if ((op === "max" || op === "min") && n === 0) return null;
      if (x.dtype === "bool" && op !== "sum") return null;
      const fn = { sum: np.sum, max: np.max, min: np.min, mean: np.mean }[op];
      const float = isFloat(x.dtype) || op === "mean";
      const summed = op === "sum" || op === "mean";
      return {
        args: [xi],
        text: `${op}(axes=[${axes}]${keepdims ? ", keepdims" : ""})`,
        run: (a) => fn(a, axes, { keepdims }),
        exact: summed && float ? false : x.exact,
        budget: summed && float ? n * (x.budget + 1) + 1 : x.budget,
        accum: summed ? (xs) => n * maxAbs(xs[0]) : undefined,
      };
    }
    case 7: {
      const p = perm(x.shape.length, s.c);
      return { args: [xi], text: `transpose([${p}])`, run: (a) => np.transpose(a, p), exact: x.exact, budget: x.budget };
    }
    case 8: {
      const n = sizeOf(x.shape);
      const shapes: number[][] = [[n], [1, ...x.shape], [...x.shape, 1]];
      if (x.shape.length >= 2) shapes.push([x.shape[0] * x.shape[1], ...x.shape.slice(2)]);
      if (x.shape.length >= 1 && x.shape[x.shape.length - 1] % 2 === 0 && x.shape[x.shape.length - 1] > 0)
        shapes.push([...x.shape.slice(0, -1), 2, x.shape[x.shape.length - 1] / 2]);
      const to = shapes[s.c % shapes.length];
      return { args: [xi], text: `reshape(${fmtShape(to)})`, run: (a) => np.reshape(a, to), exact: x.exact, budget: x.budget };
    }
    case 9: {
      if (x.shape.length === 0) return null;
      const specs = x.shape.map((d, i) => {
        const r = Math.floor(s.c / 5 ** i);
        const step = [1, 2, -1, -2, 1][r % 5];
        const start = d === 0 ? null : (r >> 3) % d;
        return [step > 0 ? start : null, null, step] as const;
      });
      const text = specs.map(([a, b, c]) => `${a ?? ""}:${b ?? ""}:${c}`).join(", ");
      return { args: [xi], text: `slice[${text}]`, run: (a) => np.slice(a, ...specs), exact: x.exact, budget: x.budget };
    }
    case 10: {
      if (x.shape.length === 0) return null;
      const ax = s.c % x.shape.length;
      return { args: [xi], text: `flip(${ax})`, run: (a) => np.flip(a, ax), exact: x.exact, budget: x.budget };
    }
    case 11: {
      // broadcastTo: a new leading dim (possibly 0) and size-1 dims expanded
      const to = [s.c % 3, ...x.shape.map((d, i) => (d === 1 && (s.b >> i) % 2 === 1 ? 3 : d))];
      return {
        args: [xi],
        text: `broadcastTo(${fmtShape(to)})`,
        run: (a) => np.broadcastTo(a, to),
        exact: x.exact,
        budget: x.budget,
      };
    }
    case 12: {
      const ones = x.shape.map((d, i) => (d === 1 ? i : -1)).filter((i) => i >= 0);
      if (ones.length > 0 && s.c % 2 === 0) {
        const ax = ones[s.b % ones.length];
        return { args: [xi], text: `squeeze(${ax})`, run: (a) => np.squeeze(a, ax), exact: x.exact, budget: x.budget };
      }
      const ax = s.b % (x.shape.length + 1);
      return { args: [xi], text: `expandDims(${ax})`, run: (a) => np.expandDims(a, ax), exact: x.exact, budget: x.budget };
    }
    case 13: {
      // matmul with its own transpose (always shape-compatible), exact operands only
      if (x.shape.length === 0 || x.dtype === "bool" || !x.exact) return null;
      const k = x.shape[x.shape.length - 1];
      const float = isFloat(x.dtype);
      return {
        args: [xi],
        text: x.shape.length === 1 ? "dot(x, x)" : "matmul(x, swapaxes(x,-1,-2))",
        run: (a) => (a.ndim === 1 ? np.dot(a, a) : np.matmul(a, np.swapaxes(a, -1, -2))),
        exact: !float,
        budget: float ? k + 1 : 0,
        accum: (xs) => k * maxAbs(xs[0]) ** 2,
      };
    }
    case 14: {
      // call steps: concatenate, pad, take
      if (x.shape.length === 0) return null;
      const ax = s.b % x.shape.length;
      const which = s.c % 3;
      if (which === 0) {
        const yi = pick(s.c >> 2);
        const y = pool[yi];
        const fits =
          y.dtype === x.dtype && y.shape.length === x.shape.length && y.shape.every((d, i) => i === ax || d === x.shape[i]);
        const other = fits ? yi : xi;
        return {
          args: [xi, other],
          text: `concatenate([x, ${fits ? "y" : "x"}], ${ax})`,
          run: (a, b) => np.concatenate([a, b], ax),
          exact: x.exact && pool[other].exact,
          budget: Math.max(x.budget, pool[other].budget),
        };
      }
      if (which === 1) {
        const w = x.shape.map((_, i) => [(s.c >> (i + 2)) % 2, (s.b >> i) % 3] as [number, number]);
        return {
          args: [xi],
          text: `pad(${JSON.stringify(w)})`,
          run: (a) => np.pad(a, w),
          exact: x.exact,
          budget: x.budget,
        };
      }
      const n = x.shape[ax];
      if (n === 0) return null;
      const idx = [s.c % n, (s.c >> 2) % n, n - 1];
      return {
        args: [xi],
        text: `take([${idx}], axis=${ax})`,
        run: (a) => np.take(a, idx, ax),
        exact: x.exact,
        budget: x.budget,
      };
    }
    case 15: {
      // cond on a predicate computed from an exact value
      if (!x.exact || sizeOf(x.shape) === 0) return null;
      const float = isFloat(x.dtype);
      const [tName, tFn, fName, fFn]: [string, (v: Array) => Array, string, (v: Array) => Array] =
        x.dtype === "bool"
          ? ["logicalNot", np.logicalNot, "id", (v) => v]
          : float
            ? ["tanh", np.tanh, "v*2", (v) => v.mul(2)]
            : ["v*2", (v) => v.mul(2), "v-1", (v) => v.sub(1)];
      return {
        args: [xi],
        text: `cond(max(x) > 0, ${tName}, ${fName})`,
        run: (a) => cond(np.greater(np.max(np.astype(a, "float32")), 0), tFn, fFn, a),
        exact: !float,
        budget: float ? 4 : 0,
      };
    }
    case 17: {
      // a reversed scan whose two carries swap each step: (p, q) → (q, p + x), y = p − q
      if (x.shape.length === 0 || x.dtype === "bool") return null;
      const n = x.shape[0];
      const float = isFloat(x.dtype);
      return {
        args: [xi],
        text: "revscan(swapping carries)",
        run: (a) => {
          const z = np.zeros(a.shape.slice(1), a.dtype);
          const [[p], ys] = scan(
            ([p, q]: readonly [Array, Array], xr: Array) => [[q, p.add(xr)] as const, p.sub(q)] as const,
            [z, z.add(1)] as const,
            a,
            { reverse: true },
          );
          return ys.add(p);
        },
        exact: !float && x.exact,
        budget: float ? n * (x.budget + 1) + 3 : 0,
        accum: (xs) => n * maxAbs(xs[0]) + 2,
      };
    }
    case 18: {
      // a while loop whose trip count depends on the carry: v ← 2v − 1 until max(v) ≥ 40 (≤ 4 times)
      if (!x.exact || x.dtype === "bool" || sizeOf(x.shape) === 0) return null;
      return {
        args: [xi],
        text: "while(v ← 2v − 1 while max(v) < 40)",
        run: (a) =>
          whileLoop(
            ([i, v]: readonly [Array, Array]) => np.logicalAnd(i.lt(4), np.max(np.astype(v, "float32")).lt(40)),
            ([i, v]: readonly [Array, Array]) => [i.add(1), v.mul(2).sub(1)] as const,
            [np.array(0, "int32"), a] as const,
          )[1],
        exact: true,
        budget: 0,
      };
    }
    case 19: {
      // cond inside scan: each step adds or subtracts its row, by the sign of the row's sum
      if (!x.exact || x.shape.length === 0 || x.dtype === "bool") return null;
      const n = x.shape[0];
      const float = isFloat(x.dtype);
      return {
        args: [xi],
        text: "condscan(± row by the sign of its sum)",
        run: (a) =>
          scan(
            (c: Array, xr: Array) => {
              const next = cond(
                np.greater(np.sum(np.astype(xr, "float32")), 0),
                (p: Array, q: Array) => p.add(q),
                (p: Array, q: Array) => p.sub(q),
                c,
                xr,
              );
              return [next, next] as const;
            },
            np.zeros(a.shape.slice(1), a.dtype),
            a,
          )[1],
        exact: !float,
        budget: float ? n * (x.budget + 1) + 1 : 0,
        accum: (xs) => n * maxAbs(xs[0]),
      };
    }
    default: {
      // scan: the running sum over the leading axis
      if (x.shape.length === 0 || x.dtype === "bool") return null;
      const n = x.shape[0];
      const float = isFloat(x.dtype);
      return {
        args: [xi],
        text: "scan(cumsum over axis 0)",
        run: (a) =>
          scan(
            (c: Array, xi: Array) => {
              const c2 = c.add(xi);
              return [c2, c2] as const;
            },
            np.zeros(a.shape.slice(1), a.dtype),
            a,
          )[1],
        exact: !float && x.exact,
        budget: float ? n * (x.budget + 1) + 1 : 0,
        accum: (xs) => n * maxAbs(xs[0]),
      };
    }
  }
}

interface Case {
  readonly inputs: readonly { readonly shape: readonly number[]; readonly dtype: Dt }[];
  readonly seeds: readonly Seed[];
  readonly out: number;
  readonly dataSeed: number;
}

function seeded(seed: number) {
  return () => {
    seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
    return seed / 2 ** 32;
  };
}

function makeInputs(c: Case): Array[] {
  const rnd = seeded(c.dataSeed);
  return c.inputs.map(({ shape, dtype }) => {
    const n = sizeOf(shape);
    const data = globalThis.Array.from({ length: n }, () =>
      dtype === "bool" ? rnd() < 0.5 : dtype === "int32" ? Math.floor(rnd() * 17) - 8 : Math.floor(rnd() * 65 - 32) / 8,
    );
    return np.reshape(np.array(data as number[], dtype), shape as number[]);
  });
}

/** Build the program, dropping seeds whose op does not apply or fails eagerly. */
function build(c: Case, xs: readonly Array[]): { program: Program; values: Array[] } {
  const infos: Info[] = c.inputs.map((x) => ({ shape: x.shape, dtype: x.dtype, exact: true, budget: 0 }));
  const values: Array[] = [...xs];
  const ops: Op[] = [];
  for (const s of c.seeds) {
    const op = buildOp(infos, s);
    if (op === null) continue;
    let v: Array;
    try {
      v = op.run(...op.args.map((i) => values[i]));
    } catch {
      continue; // not a valid program (e.g. a dtype the op rejects); eager errors are not under test here
    }
    ops.push(op);
    values.push(v);
    infos.push({
      shape: v.shape,
      dtype: v.dtype,
      exact: op.exact || !isFloat(v.dtype),
      budget: isFloat(v.dtype) ? op.budget : 0,
    });
  }
  const last = infos.length - 1;
  const other = infos.length - 1 - (c.out % infos.length);
  const outs = other === last ? [last] : [last, other];
  return { program: { inputs: infos.slice(0, xs.length), ops, outs, infos }, values };
}

function describeProgram(p: Program): string {
  const nIn = p.inputs.length;
  const name = (i: number) => (i < nIn ? `in${i}` : `v${i - nIn}`);
  const lines = p.inputs.map((x, i) => `  in${i}: ${x.dtype}${fmtShape(x.shape)}`);
  p.ops.forEach((op, j) => {
    const out = p.infos[nIn + j];
    const tag = out.exact ? "exact" : `budget ${out.budget}`;
    lines.push(`  v${j} = ${op.text}(${op.args.map(name).join(", ")}) : ${out.dtype}${fmtShape(out.shape)} (${tag})`);
  });
  lines.push(`  return ${p.outs.map(name).join(", ")}`);
  return lines.join("\n");
}

/** f as a function of the inputs: the program's ops applied in turn. */
function asFunction(p: Program): (...xs: Array[]) => Array[] {
  return (...xs: Array[]) => {
    const values = [...xs];
    for (const op of p.ops) values.push(op.run(...op.args.map((i) => values[i])));
    return p.outs.map((i) => values[i]);
  };
}

/** The tolerance scale M of the header: the largest magnitude the program computes. */
function magnitude(p: Program, values: readonly Array[]): number {
  let m = 1;
  values.forEach((v) => {
    if (isFloat(v.dtype)) m = Math.max(m, maxAbs(v));
  });
  p.ops.forEach((op) => {
    if (op.accum) m = Math.max(m, op.accum(op.args.map((i) => values[i])));
  });
  return m;
}

function hashBuffers(xs: readonly Array[]): string {
  return xs
    .map((x) => globalThis.Array.from(new Uint8Array(buf(x).buffer, buf(x).byteOffset, buf(x).byteLength)).join(","))
    .join("|");
}

function compare(got: Array, want: Array, info: Info, tol: number, what: string): void {
  if (got.dtype !== want.dtype || got.shape.join(",") !== want.shape.join(",")) {
    throw new Error(`${what}: got ${got.dtype}${fmtShape(got.shape)}, want ${want.dtype}${fmtShape(want.shape)}`);
  }
  const g = buf(got);
  const w = buf(want);
  const exact = !isFloat(info.dtype) || info.exact;
  for (let i = 0; i < w.length; i++) {
    const a = g[i];
    const b = w[i];
    if (Object.is(a, b)) continue;
    if (!exact && Number.isFinite(b) && Math.abs(a - b) <= tol) continue;
    throw new Error(
      `${what}: element ${i} is ${a}, want ${b} (${exact ? "exact" : `tolerance ${tol.toExponential(2)}`}); got ${globalThis.Array.from(g).join(", ")}; want ${globalThis.Array.from(w).join(", ")}`,
    );
  }
}

const dimArb = fc.oneof(
  { weight: 1, arbitrary: fc.constant(0) },
  { weight: 3, arbitrary: fc.constant(1) },
  { weight: 6, arbitrary: fc.integer({ min: 2, max: 4 }) },
);
const caseArb: fc.Arbitrary<Case> = fc.record({
  inputs: fc.array(
    fc.record({
      shape: fc.array(dimArb, { maxLength: 3 }),
      dtype: fc.constantFrom<Dt>("float32", "float32", "float64", "int32", "bool"),
    }),
    { minLength: 1, maxLength: 3 },
  ),
  seeds: fc.array(fc.record({ k: fc.nat(1000), a: fc.nat(1000), b: fc.nat(1000), c: fc.nat(1000) }), {
    minLength: 1,
    maxLength: 8,
  }),
  out: fc.nat(100),
  dataSeed: fc.nat(),
});

/** Check one case on every backend; the error message carries the program. */
function check(c: Case): void {
  const xs = makeInputs(c);
  const { program, values } = build(c, xs);
  const text = describeProgram(program);
  try {
    const f = asFunction(program);
    const want = f(...xs);
    const hasF32 = program.infos.some((i) => i.dtype === "float32");
    const eps = hasF32 ? 2 ** -23 : 2 ** -52;
    const m = magnitude(program, values);
    const outInfos = program.outs.map((i) => program.infos[i]);
    const before = hashBuffers(xs);
    const refJit = jit(f, { backend: "reference" })(...xs);
    outInfos.forEach((info, i) => compare(refJit[i], want[i], info, 4 * eps * info.budget * m, `jit reference, output ${i}`));
    for (const backend of BACKENDS) {
      const got = jit(f, { backend })(...xs);
      outInfos.forEach((info, i) => {
        const tol = 4 * eps * info.budget * m;
        compare(got[i], want[i], info, tol, `jit ${backend} vs eager, output ${i}`);
        compare(got[i], refJit[i], info, tol, `jit ${backend} vs jit reference, output ${i}`);
      });
      expect(hashBuffers(xs), `jit ${backend} wrote into an input buffer`).toBe(before);
    }
    // vmap of the per-example program over two examples equals running it on each (eagerly and
    // under jit): every batching rule the program reaches, on the same random ops.
    const xs2 = makeInputs({ ...c, dataSeed: c.dataSeed + 1 });
    let want2: Array[] | null = null;
    try {
      want2 = f(...xs2);
    } catch {
      want2 = null; // a data-dependent op (an index out of range) that the second example trips
    }
    if (want2 !== null) {
      const stacked = xs.map((x, i) => np.stack([x, xs2[i]]));
      const wants = [want, want2];
      for (const [what, g] of [
        ["vmap", vmap(f)],
        ["jit(vmap)", jit(vmap(f))],
      ] as const) {
        const got = g(...stacked);
        outInfos.forEach((info, i) => {
          const tol = 4 * eps * info.budget * m;
          for (const k of [0, 1]) compare(np.take(got[i], k, 0), wants[k][i], info, tol, `${what} example ${k}, output ${i}`);
        });
      }
    }
  } catch (err) {
    throw new Error(`program:\n${text}\n${(err as Error).message}`);
  }
}

describe("random programs agree on every backend", () => {
  test(`eager = jit on ${BACKENDS.join(", ")} (exact for ints, bools and exact floats; bounded otherwise), inputs unchanged`, () => {
    fc.assert(
      fc.property(caseArb, (c) => check(c)),
      { numRuns: Number(process.env.RANDOM_PROGRAM_RUNS ?? 150) },
    );
  });

  test("the generator covers every op kind and size-0 dims (a test of the test)", () => {
    const seen = new Set<string>();
    let zero = false;
    fc.assert(
      fc.property(caseArb, (c) => {
        const { program } = build(c, makeInputs(c));
        for (const op of program.ops) seen.add(op.text.replace(/[([].*$/, ""));
        if (program.infos.some((i) => i.shape.includes(0))) zero = true;
      }),
      { numRuns: 300, seed: 1 },
    );
    for (const name of [
      "matmul",
      "dot",
      "concatenate",
      "pad",
      "take",
      "cond",
      "scan",
      "revscan",
      "while",
      "condscan",
      "where",
      "sum",
      "transpose",
      "slice",
      "broadcastTo",
    ]) {
      expect(
        [...seen].some((s) => s.startsWith(name)),
        name,
      ).toBe(true);
    }
    expect(zero).toBe(true);
  });
});
