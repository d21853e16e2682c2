/**
 * Random *smooth* float64 programs for the gradient fuzzer (random-grads.test.ts). Central
 * differences only mean something where a function is smooth, so every op here is C∞ on the
 * values it can receive: no abs/max/relu/rounding/casts of differentiated values; log, sqrt,
 * division and pow only of positive-shifted values (log(1 + x²), y / (1 + x²)); exp only of
 * bounded values. Control flow branches on `flag`, an int32 argument that is never
 * differentiated, so `cond`/`switchCase`/`where` are smooth in their operands.
 *
 * Each value carries a static bound on |value| that holds for every input in [-1, 1]; an op whose
 * result could exceed LIMIT is not applied, so values (and the derivatives, which the same ops
 * bound) stay finite and of moderate size, where float64 central differences are accurate.
 *
 * As in test/compile/random-programs.test.ts, a program is a list of op seeds (small integers)
 * that the builder turns into ops over a pool of values (the argument leaves, then each op's
 * result), so fast-check shrinks a failure by dropping seeds and the report prints the program.
 */
import fc from "fast-check";
import { type Array, cond, customJvp, customVjp, foriLoop, jit, nn, np, scan, switchCase, vmap } from "../../src/index.js";

export interface Seed {
  readonly k: number;
  readonly a: number;
  readonly b: number;
  readonly c: number;
}

/** What the builder knows about a pool value. */
export interface Info {
  readonly shape: readonly number[];
  /** |value| ≤ bound for every input in [-1, 1]. */
  readonly bound: number;
}

/** One built op: operand pool indices, how to run it (given the flag), and how to print it. */
export interface Op {
  readonly args: readonly number[];
  readonly text: string;
  readonly run: (flag: Array, ...xs: Array[]) => Array;
  readonly bound: number;
  /** The op has only a reverse-mode rule (customVjp): forward-mode checks are skipped. */
  readonly revOnly?: boolean;
}

/** Largest |value| a program may compute (see the header). */
export const LIMIT = 64;
/** Largest number of elements of a value (keeps central differences and backends quick). */
const MAX_SIZE = 96;

const LN2 = Math.LN2;
const sizeOf = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);
export const fmtShape = (s: readonly number[]) => `[${s.join(",")}]`;

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

// Functions with hand-written derivative rules, defined once (their IRs are cached per signature).
// swish(x) = x·σ(x); d swish = σ(x)·(1 + x·(1 − σ(x))).
const swish = customJvp(
  (x: Array) => x.mul(np.sigmoid(x)),
  ([x], [t]) => {
    const s = np.sigmoid(x);
    return [x.mul(s), t.mul(s.mul(x.mul(s.neg().add(1)).add(1)))];
  },
);
// softlog(x) = log(1 + x²); its VJP: ct · 2x / (1 + x²).
const softlog = customVjp(
  (x: Array) => np.log1p(np.square(x)),
  (x: Array) => [np.log1p(np.square(x)), x] as const,
  (x: Array, ct: Array) => [ct.mul(x.mul(2).div(np.square(x).add(1)))] as [Array],
);

// A jitted function called inside the program: grad and vmap go through jit_call's rules.
const jitted = jit((a: Array, b: Array) => np.tanh(a).mul(b).add(a));

type Unary = readonly [name: string, fn: (x: Array) => Array, bound: (b: number) => number, applies?: (b: number) => boolean];
const UNARY: readonly Unary[] = [
  ["tanh", np.tanh, () => 1],
  ["sin", np.sin, () => 1],
  ["cos", np.cos, () => 1],
  ["sigmoid", np.sigmoid, () => 1],
  ["nn.softplus", nn.softplus, (b) => b + LN2],
  ["nn.logSigmoid", nn.logSigmoid, (b) => b + LN2],
  ["nn.gelu", nn.gelu, (b) => b],
  ["square", np.square, (b) => b * b],
  ["negative", np.negative, (b) => b],
  ["log(1 + x²)", (x) => np.log(np.add(1, np.square(x))), (b) => Math.log1p(b * b)],
  ["log1p(x²)", (x) => np.log1p(np.square(x)), (b) => Math.log1p(b * b)],
  ["sqrt(1 + x²)", (x) => np.sqrt(np.add(1, np.square(x))), (b) => Math.sqrt(1 + b * b)],
  ["rsqrt(1 + x²)", (x) => np.rsqrt(np.add(np.square(x), 1)), () => 1],
  ["reciprocal(1 + x²)", (x) => np.reciprocal(np.add(1, np.square(x))), () => 1],
  ["exp", np.exp, Math.exp, (b) => b <= 3],
  ["expm1", np.expm1, Math.expm1, (b) => b <= 3],
  ["power(x, 3)", (x) => np.power(x, 3), (b) => b ** 3],
  ["x·sigmoid(x)", (x) => x.mul(np.sigmoid(x)), (b) => b],
  ["customJvp swish", swish, (b) => b],
];

type Binary = readonly [name: string, fn: (x: Array, y: Array) => Array, bound: (bx: number, by: number) => number];
const BINARY: readonly Binary[] = [
  ["add", np.add, (a, b) => a + b],
  ["subtract", np.subtract, (a, b) => a + b],
  ["multiply", np.multiply, (a, b) => a * b],
  ["x / (1 + y²)", (x, y) => np.divide(x, np.add(1, np.square(y))), (a) => a],
  ["logaddexp", np.logaddexp, (a, b) => Math.max(a, b) + LN2],
  ["power(1 + x², sigmoid(y))", (x, y) => np.power(np.add(1, np.square(x)), np.sigmoid(y)), (a) => 1 + a * a],
  ["x.mul(y).add(x)", (x, y) => x.mul(y).add(x), (a, b) => a * b + a],
];

type WithScalar = readonly [name: string, fn: (x: Array) => Array, bound: (b: number) => number];
const WITH_SCALAR: readonly WithScalar[] = [
  ["add(x, 0.5)", (x) => np.add(x, 0.5), (b) => b + 0.5],
  ["multiply(-1.5, x)", (x) => np.multiply(-1.5, x), (b) => 1.5 * b],
  ["subtract(2, x)", (x) => np.subtract(2, x), (b) => b + 2],
  ["divide(x, 2.5)", (x) => np.divide(x, 2.5), (b) => b / 2.5],
  ["power(x, 2)", (x) => np.power(x, 2), (b) => b * b],
];

/** Turn one seed into an op over the current pool, or null when it does not apply. */
export function buildOp(pool: readonly Info[], s: Seed): Op | null {
  const op = buildAny(pool, s);
  return op === null || op.bound > LIMIT ? null : op;
}

function buildAny(pool: readonly Info[], s: Seed): Op | null {
  const pick = (n: number) => pool.length - 1 - (n % pool.length);
  const xi = pick(s.a);
  const x = pool[xi];
  const nd = x.shape.length;
  const size = sizeOf(x.shape);
  const partner = (): number | null => {
    const yi = pick(s.b);
    const out = broadcastShapes(x.shape, pool[yi].shape);
    return out !== null && sizeOf(out) <= MAX_SIZE ? yi : null;
  };
  const same = (text: string, run: (a: Array) => Array, bound = x.bound): Op => ({
    args: [xi],
    text,
    run: (_f, a) => run(a),
    bound,
  });
  switch (s.k % 19) {
    case 0:
    case 1: {
      const [name, fn, bound, applies] = UNARY[s.c % UNARY.length];
      if (applies !== undefined && !applies(x.bound)) return null;
      return same(name, fn, bound(x.bound));
    }
    case 2:
    case 3: {
      const yi = partner();
      if (yi === null) {
        const [name, fn, bound] = WITH_SCALAR[s.c % WITH_SCALAR.length];
        return same(name, fn, bound(x.bound));
      }
      const [name, fn, bound] = BINARY[s.c % BINARY.length];
      return { args: [xi, yi], text: name, run: (_f, a, b) => fn(a, b), bound: bound(x.bound, pool[yi].bound) };
    }
    case 4: {
      // sum / mean / prod / variance / cumsum over random (possibly unsorted) axes
      const axes = perm(nd, s.b).slice(0, nd === 0 ? 0 : 1 + (s.c % nd));
      const keepdims = (s.c >> 3) % 2 === 1;
      const n = sizeOf(axes.map((d) => x.shape[d]));
      const which = (s.c >> 1) % 6;
      const kd = keepdims ? ", keepdims" : "";
      if (which === 0) return same(`sum(axes=[${axes}]${kd})`, (a) => np.sum(a, axes, { keepdims }), n * x.bound);
      if (which === 1) return same(`x.sum()`, (a) => a.sum(), size * x.bound);
      if (n === 0) return null; // mean, prod, variance of nothing: NaN or 1, not interesting here
      if (which === 2) return same(`mean(axes=[${axes}]${kd})`, (a) => np.mean(a, axes, { keepdims }));
      if (which === 3) {
        if (n > 4) return null;
        return same(`prod(axes=[${axes}]${kd})`, (a) => np.prod(a, axes, { keepdims }), x.bound ** n);
      }
      if (which === 4) return same(`variance(axes=[${axes}]${kd})`, (a) => np.variance(a, axes, { keepdims }), x.bound ** 2);
      if (nd === 0) return null;
      const ax = axes[0];
      return same(`cumsum(axis=${ax})`, (a) => np.cumsum(a, ax), x.shape[ax] * x.bound);
    }
    case 5: {
      // logsumexp / softmax / logSoftmax over an axis (non-empty)
      if (nd === 0) return null;
      const ax = s.b % nd;
      const n = x.shape[ax];
      if (n === 0) return null;
      const which = s.c % 4;
      if (which === 0) return same(`logsumexp(axis=${ax})`, (a) => np.logsumexp(a, ax), x.bound + Math.log(n));
      if (which === 1) {
        const axes = perm(nd, s.c).slice(0, 1 + ((s.c >> 2) % nd));
        if (axes.some((d) => x.shape[d] === 0)) return null;
        const m = sizeOf(axes.map((d) => x.shape[d]));
        return same(
          `logsumexp(axes=[${axes}], keepdims)`,
          (a) => np.logsumexp(a, axes, { keepdims: true }),
          x.bound + Math.log(m),
        );
      }
      if (which === 2) return same(`nn.softmax(axis=${ax})`, (a) => nn.softmax(a, ax), 1);
      return same(`nn.logSoftmax(axis=${ax})`, (a) => nn.logSoftmax(a, ax), 2 * x.bound + Math.log(n));
    }
    case 6:
      return contraction(pool, xi, pick(s.b), s.c);
    case 7:
    case 8:
      return movement(x, xi, s);
    case 9:
      return combine(pool, xi, pick(s.c >> 2), s);
    case 10: {
      // where on the flag (never differentiated)
      const yi = partner();
      if (yi === null) return null;
      return {
        args: [xi, yi],
        text: "where(flag > 0, x, y)",
        run: (f, a, b) => np.where(np.greater(f, 0), a, b),
        bound: Math.max(x.bound, pool[yi].bound),
      };
    }
    case 11: {
      // cond on the flag, with branches that close over a third value
      const yi = partner();
      if (yi === null) return null;
      const zi = pick(s.c);
      const z = pool[zi];
      if (sizeOf(z.shape) === 0) return null;
      const y = pool[yi];
      return {
        args: [xi, yi, zi],
        text: "cond(flag > 0, (a, b) => a·tanh(b) + mean(z)/2, (a, b) => sin(a) − b/2)",
        run: (f, a, b, zz) =>
          cond(
            np.greater(f, 0),
            (u: Array, v: Array) => u.mul(np.tanh(v)).add(np.mean(zz).mul(0.5)),
            (u: Array, v: Array) => np.sin(u).sub(v.mul(0.5)),
            a,
            b,
          ),
        bound: Math.max(x.bound + z.bound / 2, 1 + y.bound / 2),
      };
    }
    case 12:
      // switchCase on the flag (-1..2: out-of-range indices clamp, as lax.switch)
      return {
        args: [xi],
        text: "switchCase(flag, [tanh, x²/2, x·cos(x)])",
        run: (f, a) =>
          switchCase(f, [(u: Array) => np.tanh(u), (u: Array) => u.mul(u).mul(0.5), (u: Array) => u.mul(np.cos(u))], a),
        bound: Math.max(1, (x.bound * x.bound) / 2, x.bound),
      };
    case 13:
      return scanOp(pool, xi, s);
    case 14: {
      // foriLoop with a static trip count: c ← c + sin(c·w + i/10)/2, w closed over
      const zi = pick(s.b);
      if (sizeOf(pool[zi].shape) === 0) return null;
      const n = s.c % 4;
      return {
        args: [xi, zi],
        text: `foriLoop(0, ${n}, c ← c + sin(c·mean(w) + i/10)/2)`,
        run: (_f, a, w) => {
          const wm = np.mean(w);
          return foriLoop(0, n, (i, c: Array) => c.add(np.sin(c.mul(wm).add(np.astype(i, "float64").mul(0.1))).mul(0.5)), a);
        },
        bound: x.bound + n / 2,
      };
    }
    case 15:
      return { ...same("customVjp softlog", softlog, Math.log1p(x.bound * x.bound)), revOnly: true };
    case 16: {
      const yi = partner();
      if (yi === null) return null;
      return {
        args: [xi, yi],
        text: "jit((a, b) => tanh(a)·b + a)",
        run: (_f, a, b) => jitted(a, b),
        bound: pool[yi].bound + x.bound,
      };
    }
    case 17: {
      // vmap inside the program, over a random axis, closing over another value
      if (nd === 0) return null;
      const zi = pick(s.c);
      if (sizeOf(pool[zi].shape) === 0) return null;
      const ax = s.b % nd;
      const outAx = (s.c >> 1) % 2 === 0 ? 0 : nd - 1;
      const n = sizeOf(x.shape) / Math.max(1, x.shape[ax]);
      return {
        args: [xi, zi],
        text: `vmap(r => tanh(r)·mean(z) + sum(r)/10, inAxes ${ax}, outAxes ${outAx})`,
        run: (_f, a, z) => {
          const m = np.mean(z);
          return vmap((r: Array) => np.tanh(r).mul(m).add(np.sum(r).mul(0.1)), { inAxes: ax, outAxes: outAx })(a);
        },
        bound: pool[zi].bound + (n * x.bound) / 10,
      };
    }
    default: {
      // take at indices computed from the flag (a gather at traced indices; batched under vmap)
      if (nd === 0) return null;
      const ax = s.b % nd;
      if (x.shape[ax] === 0) return null;
      return {
        args: [xi],
        text: `take(x, flag + [0, 1, 1], axis=${ax}, mode "clip")`,
        run: (f, a) => np.take(a, np.add(f, np.array([0, 1, 1], "int32")), ax, { mode: "clip" }),
        bound: x.bound,
      };
    }
  }
}

/** einsum over a shared dimension (or matmul/dot when the shapes fit), else x with itself. */
function contraction(pool: readonly Info[], xi: number, yi0: number, c: number): Op | null {
  const x = pool[xi];
  let yi = yi0;
  let y = pool[yi];
  // A shared dim: (i of x, j of y) with equal sizes; x with itself always has one.
  const pairs = (a: Info, b: Info) => {
    const out: [number, number][] = [];
    a.shape.forEach((d, i) => {
      b.shape.forEach((e, j) => {
        if (d === e) out.push([i, j]);
      });
    });
    return out;
  };
  let ps = pairs(x, y);
  if (ps.length === 0) {
    yi = xi;
    y = x;
    ps = pairs(x, x);
  }
  if (ps.length === 0) return null; // a scalar
  const rx = x.shape.length;
  const ry = y.shape.length;
  // matmul when x's last dim meets y's contracting dim and the batch dims broadcast
  const k = x.shape[rx - 1];
  const yk = ry >= 2 ? y.shape[ry - 2] : y.shape[0];
  if (c % 3 === 0 && rx >= 1 && ry >= 1 && k === yk) {
    const bx = x.shape.slice(0, -1);
    const by = ry >= 2 ? [...y.shape.slice(0, -2), y.shape[ry - 1]] : [];
    const batch = broadcastShapes(rx >= 2 ? bx.slice(0, -1) : [], ry >= 2 ? by.slice(0, -1) : []);
    if (batch !== null) {
      const outSize = sizeOf(batch) * (rx >= 2 ? x.shape[rx - 2] : 1) * (ry >= 2 ? y.shape[ry - 1] : 1);
      if (outSize <= MAX_SIZE) {
        const name = rx === 1 && ry === 1 ? "dot" : "matmul";
        const run = rx === 1 && ry === 1 ? np.dot : np.matmul;
        return { args: [xi, yi], text: name, run: (_f, a, b) => run(a, b), bound: k * x.bound * y.bound };
      }
    }
  }
  const [i, j] = ps[c % ps.length];
  const xl = "abcd".slice(0, rx).split("");
  const yl = "efgh".slice(0, ry).split("");
  yl[j] = xl[i];
  const keepShared = (c >> 2) % 3 === 0; // "ab,cb->acb": a batch dim rather than a contraction
  const out = [...xl.filter((_, q) => q !== i), ...yl.filter((_, q) => q !== j), ...(keepShared ? [xl[i]] : [])];
  const dimOf = new Map<string, number>();
  xl.forEach((l, q) => dimOf.set(l, x.shape[q]));
  yl.forEach((l, q) => dimOf.set(l, y.shape[q]));
  const outShape = out.map((l) => dimOf.get(l) as number);
  if (out.length > 4 || sizeOf(outShape) > MAX_SIZE) return null;
  const spec = `${xl.join("")},${yl.join("")}->${out.join("")}`;
  const n = keepShared ? 1 : x.shape[i];
  return { args: [xi, yi], text: `einsum("${spec}")`, run: (_f, a, b) => np.einsum(spec, a, b), bound: n * x.bound * y.bound };
}

function movement(x: Info, xi: number, s: Seed): Op | null {
  const nd = x.shape.length;
  const same = (text: string, run: (a: Array) => Array): Op => ({ args: [xi], text, run: (_f, a) => run(a), bound: x.bound });
  switch (s.c % 10) {
    case 0: {
      const p = perm(nd, s.b);
      return same(`transpose([${p}])`, (a) => np.transpose(a, p));
    }
    case 1: {
      const n = sizeOf(x.shape);
      const shapes: number[][] = [[n], [1, ...x.shape], [...x.shape, 1]];
      if (nd >= 2) shapes.push([x.shape[0] * x.shape[1], ...x.shape.slice(2)]);
      const last = x.shape[nd - 1];
      if (nd >= 1 && last % 2 === 0 && last > 0) shapes.push([...x.shape.slice(0, -1), 2, last / 2]);
      const to = shapes[s.b % shapes.length];
      return same(`reshape(${fmtShape(to)})`, (a) => np.reshape(a, to));
    }
    case 2: {
      if (nd === 0) return null;
      const specs = x.shape.map((d, i) => {
        const r = Math.floor(s.b / 5 ** i);
        const step = [1, 2, -1, -2, 1][r % 5];
        const start = d === 0 ? null : (r >> 3) % d;
        return [step > 0 ? start : null, null, step] as const;
      });
      const text = specs.map(([a, b, c]) => `${a ?? ""}:${b ?? ""}:${c}`).join(", ");
      return same(`slice[${text}]`, (a) => np.slice(a, ...specs));
    }
    case 3: {
      if (nd === 0) return null;
      const ax = s.b % nd;
      return same(`flip(${ax})`, (a) => np.flip(a, ax));
    }
    case 4: {
      const to = [1 + (s.b % 3), ...x.shape.map((d, i) => (d === 1 && (s.b >> i) % 2 === 1 ? 3 : d))];
      if (sizeOf(to) > MAX_SIZE) return null;
      return same(`broadcastTo(${fmtShape(to)})`, (a) => np.broadcastTo(a, to));
    }
    case 5: {
      const ones = x.shape.map((d, i) => (d === 1 ? i : -1)).filter((i) => i >= 0);
      if (ones.length > 0 && s.b % 2 === 0) {
        const ax = ones[(s.b >> 1) % ones.length];
        return same(`squeeze(${ax})`, (a) => np.squeeze(a, ax));
      }
      if (nd >= 4) return null;
      const ax = s.b % (nd + 1);
      return same(`expandDims(${ax})`, (a) => np.expandDims(a, ax));
    }
    case 6: {
      if (nd < 2) return null;
      const src = s.b % nd;
      const dst = (s.b >> 2) % nd;
      return same(`moveaxis(${src}, ${dst})`, (a) => np.moveaxis(a, src, dst));
    }
    case 7: {
      const reps = x.shape.map((_, i) => 1 + ((s.b >> i) % 2));
      if (sizeOf(x.shape) * sizeOf(reps) > MAX_SIZE) return null;
      return same(`tile([${reps}])`, (a) => np.tile(a, reps));
    }
    case 8: {
      if (nd === 0 || sizeOf(x.shape) * 2 > MAX_SIZE) return null;
      const ax = s.b % nd;
      return same(`repeat(2, axis=${ax})`, (a) => np.repeat(a, 2, ax));
    }
    default:
      return same("ravel", (a) => np.ravel(a));
  }
}

/** concatenate, stack, pad (every mode), take (repeated, negative and clipped indices), split. */
function combine(pool: readonly Info[], xi: number, yi: number, s: Seed): Op | null {
  const x = pool[xi];
  const nd = x.shape.length;
  if (nd === 0) return null;
  const ax = s.b % nd;
  const n = x.shape[ax];
  const y = pool[yi];
  const same = (text: string, run: (a: Array) => Array): Op => ({ args: [xi], text, run: (_f, a) => run(a), bound: x.bound });
  switch (s.c % 5) {
    case 0: {
      const fits = y.shape.length === nd && y.shape.every((d, i) => i === ax || d === x.shape[i]);
      const other = fits ? yi : xi;
      if (sizeOf(x.shape) + sizeOf(pool[other].shape) > MAX_SIZE) return null;
      return {
        args: [xi, other],
        text: `concatenate([x, ${fits ? "y" : "x"}], ${ax})`,
        run: (_f, a, b) => np.concatenate([a, b], ax),
        bound: Math.max(x.bound, pool[other].bound),
      };
    }
    case 1: {
      const fits = y.shape.length === nd && y.shape.every((d, i) => d === x.shape[i]);
      const other = fits ? yi : xi;
      if (2 * sizeOf(x.shape) > MAX_SIZE) return null;
      const at = s.b % (nd + 1);
      return {
        args: [xi, other],
        text: `stack([x, ${fits ? "y" : "x"}], ${at})`,
        run: (_f, a, b) => np.stack([a, b], at),
        bound: Math.max(x.bound, pool[other].bound),
      };
    }
    case 2: {
      const modes = ["constant", "edge", "reflect", "symmetric", "wrap"] as const;
      const mode = modes[(s.c >> 3) % modes.length];
      const w = x.shape.map((d, i) => {
        const most = mode === "constant" ? 2 : mode === "reflect" ? Math.max(0, d - 1) : d === 0 ? 0 : Math.min(d, 2);
        return [((s.c >> (i + 2)) % 2) % (most + 1), ((s.b >> i) % 3) % (most + 1)] as [number, number];
      });
      const out = x.shape.map((d, i) => d + w[i][0] + w[i][1]);
      if (sizeOf(out) > MAX_SIZE) return null;
      if (mode === "constant") {
        return {
          ...same(`pad(${JSON.stringify(w)}, constant 0.5)`, (a) => np.pad(a, w, "constant", { constantValues: 0.5 })),
          bound: Math.max(x.bound, 0.5),
        };
      }
      return same(`pad(${JSON.stringify(w)}, ${mode})`, (a) => np.pad(a, w, mode));
    }
    case 3: {
      if (n === 0) return null;
      const clip = (s.c >> 3) % 2 === 1;
      const idx = clip ? [n + 1, s.b % n, -3] : [s.b % n, (s.b >> 2) % n, -1, s.b % n];
      return same(`take([${idx}], axis=${ax}${clip ? ', mode "clip"' : ""})`, (a) =>
        np.take(a, idx, ax, clip ? { mode: "clip" } : {}),
      );
    }
    default: {
      if (n < 2) return null;
      const piece = (s.c >> 3) % 2;
      const cut = 1 + (s.b % (n - 1));
      return same(`split([${cut}], axis=${ax})[${piece}]`, (a) => np.split(a, [cut], ax)[piece]);
    }
  }
}

/**
 * scan over the leading axis of x with a pytree carry {h, acc} and pytree ys:
 * h ← tanh(h·mean(w) + xₜ), acc ← acc + h·xₜ, ys = [h, sin(xₜ)·h]; w closed over, h₀ from the pool
 * when a value of the right shape exists.
 */
function scanOp(pool: readonly Info[], xi: number, s: Seed): Op | null {
  const x = pool[xi];
  if (x.shape.length === 0) return null;
  const t = x.shape[0];
  const step = x.shape.slice(1);
  const zi = pool.length - 1 - (s.b % pool.length);
  if (sizeOf(pool[zi].shape) === 0) return null;
  let hi = -1;
  for (let q = 0; q < pool.length; q++) {
    const cand = (s.c + q) % pool.length;
    if (pool[cand].shape.join() === step.join()) {
      hi = cand;
      break;
    }
  }
  const which = s.c % 4;
  const reverse = (s.c >> 2) % 2 === 1;
  const what = ["final h", "final acc", "ys[0]", "ys[1]"][which];
  const bound = [1, t * x.bound, 1, 1][which];
  const body = (wm: Array) => (c: { h: Array; acc: Array }, xt: Array) => {
    const h = np.tanh(c.h.mul(wm).add(xt));
    return [{ h, acc: c.acc.add(h.mul(xt)) }, [h, np.sin(xt).mul(h)]] as const;
  };
  const run = (a: Array, w: Array, h0: Array) => {
    const [carry, ys] = scan(body(np.mean(w)), { h: h0, acc: np.zerosLike(h0) }, a, { reverse });
    return [carry.h, carry.acc, ys[0], ys[1]][which];
  };
  const rev = reverse ? ", reverse" : "";
  if (hi < 0) {
    return {
      args: [xi, zi],
      text: `scan(h ← tanh(h·mean(w) + xₜ), h₀ = 0${rev}) → ${what}`,
      run: (_f, a, w) => run(a, w, np.zeros(step, "float64")),
      bound,
    };
  }
  return {
    args: [xi, zi, hi],
    text: `scan(h ← tanh(h·mean(w) + xₜ), h₀ = tanh(h0)${rev}) → ${what}`,
    run: (_f, a, w, h0) => run(a, w, np.tanh(h0)),
    bound,
  };
}

/** Where a params leaf sits in the argument tree: a top-level key, a list entry, a nested dict. */
export type Slot = 0 | 1 | 2;

export interface Case {
  /** The leaves of `params` (argument 0) and where each sits. */
  readonly leaves: readonly { readonly shape: readonly number[]; readonly slot: Slot }[];
  /** The shape of `extra` (argument 1), differentiated when `both`. */
  readonly extra: readonly number[];
  readonly both: boolean;
  /** The int32 scalar argument 2 that cond/switchCase/where branch on. */
  readonly flag: number;
  readonly seeds: readonly Seed[];
  readonly out: number;
  readonly dataSeed: number;
  /** vmap's inAxes for extra (shared when null; else this mod rank + 1) and flag (0 or shared). */
  readonly vmapExtra: number | null;
  readonly vmapFlag: boolean;
  /** vmap(grad)'s outAxes: -1 instead of 0. */
  readonly outLast: boolean;
}

export type Params = { [k: string]: Array | Array[] | { [k: string]: Array } };
export type Loss = (params: Params, extra: Array, flag: Array) => Array;

export interface Program {
  readonly names: readonly string[];
  readonly inputs: readonly Info[];
  readonly ops: readonly Op[];
  readonly infos: readonly Info[];
  readonly outs: readonly number[];
  readonly revOnly: boolean;
  readonly loss: Loss;
}

export function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** Float64 values uniform in [-1, 1) of `shape`. */
function uniform(rnd: () => number, shape: readonly number[]): Array {
  const data = Float64Array.from({ length: sizeOf(shape) }, () => 2 * rnd() - 1);
  return np.reshape(np.array(data, "float64"), shape as number[]);
}

/** The names of the params leaves, in case order (`params.w0`, `params.layers[1]`, `params.inner.b2`). */
function leafNames(c: Case): string[] {
  let j = 0;
  return c.leaves.map((l, i) => (l.slot === 0 ? `params.w${i}` : l.slot === 1 ? `params.layers[${j++}]` : `params.inner.b${i}`));
}

function getters(c: Case): ((p: Params) => Array)[] {
  let j = 0;
  return c.leaves.map((l, i) => {
    if (l.slot === 0) return (p: Params) => p[`w${i}`] as Array;
    if (l.slot === 1) {
      const k = j++;
      return (p: Params) => (p.layers as Array[])[k];
    }
    return (p: Params) => (p.inner as { [k: string]: Array })[`b${i}`];
  });
}

/** The arguments of example `which` (0, 1, …): fresh data of the same shapes. */
export function makeArgs(c: Case, which: number): [Params, Array, Array] {
  const rnd = seeded(c.dataSeed + 7919 * which);
  const params: Params = {};
  c.leaves.forEach((l, i) => {
    const v = uniform(rnd, l.shape);
    if (l.slot === 0) params[`w${i}`] = v;
    else if (l.slot === 1) ((params.layers ??= []) as Array[]).push(v);
    else ((params.inner ??= {}) as { [k: string]: Array })[`b${i}`] = v;
  });
  const flag = which === 0 ? c.flag : ((c.flag + 1 + which) % 4) - 1;
  return [params, uniform(rnd, c.extra), np.array(flag, "int32")];
}

/**
 * Build the program on example 0, dropping seeds whose op does not apply; the loss is
 * Σ sum(vₒ ⊙ cₒ) over the last value and one other, with fixed random weights cₒ (so no output's
 * cotangent is uniform). Throws when a value breaks its bound (a generator bug).
 */
export function build(c: Case): Program {
  const [params, extra, flag] = makeArgs(c, 0);
  const get = getters(c);
  const inputs: Info[] = [...c.leaves.map((l) => ({ shape: l.shape, bound: 1 })), { shape: c.extra, bound: 1 }];
  const infos: Info[] = [...inputs];
  const values: Array[] = [...get.map((g) => g(params)), extra];
  const ops: Op[] = [];
  for (const s of c.seeds) {
    const op = buildOp(infos, s);
    if (op === null) continue;
    const v = op.run(flag, ...op.args.map((i) => values[i]));
    ops.push(op);
    values.push(v);
    infos.push({ shape: v.shape, bound: op.bound });
  }
  const last = infos.length - 1;
  const other = infos.length - 1 - (c.out % infos.length);
  const outs = other === last ? [last] : [last, other];
  const rnd = seeded(c.dataSeed ^ 0x5bd1e995);
  const weights = outs.map((o) => uniform(rnd, infos[o].shape));
  const loss: Loss = (p, e, f) => {
    const vs = [...get.map((g) => g(p)), e];
    for (const op of ops) vs.push(op.run(f, ...op.args.map((i) => vs[i])));
    return outs.map((o, k) => np.sum(vs[o].mul(weights[k]))).reduce((a, b) => a.add(b));
  };
  const program: Program = {
    names: [...leafNames(c), "extra"],
    inputs,
    ops,
    infos,
    outs,
    revOnly: ops.some((o) => o.revOnly === true),
    loss,
  };
  values.forEach((v, i) => {
    const data = v.data();
    const bad = globalThis.Array.from(data).findIndex((d) => !(Math.abs(d) <= infos[i].bound * (1 + 1e-12)));
    if (bad >= 0) {
      throw new Error(`generator: value ${i} has ${data[bad]} beyond its bound ${infos[i].bound}\n${describe(c, program)}`);
    }
  });
  return program;
}

/** The axis of extra that vmap maps over, or null when it is shared. */
export function extraAxis(c: Case): number | null {
  return c.vmapExtra === null ? null : c.vmapExtra % (c.extra.length + 1);
}

/** The program as text: arguments, one line per op with its shape and bound, the loss. */
export function describe(c: Case, p: Program): string {
  const nIn = p.inputs.length;
  const name = (i: number) => (i < nIn ? `in${i}` : `v${i - nIn}`);
  const lines = p.inputs.map((x, i) => `  in${i} = ${p.names[i]} : f64${fmtShape(x.shape)}`);
  lines.push(`  flag = ${c.flag} (int32, not differentiated)`);
  p.ops.forEach((op, j) => {
    const out = p.infos[nIn + j];
    lines.push(
      `  v${j} = ${op.text}(${op.args.map(name).join(", ")}) : f64${fmtShape(out.shape)} (|·| ≤ ${Number(out.bound.toPrecision(3))})`,
    );
  });
  lines.push(`  loss = ${p.outs.map((o) => `sum(${name(o)} ⊙ c)`).join(" + ")}`);
  lines.push(
    `  grad argnums ${c.both ? "[0, 1]" : "0"}; vmap inAxes [0, ${extraAxis(c)}, ${c.vmapFlag ? 0 : null}], outAxes ${c.outLast ? -1 : 0}`,
  );
  return lines.join("\n");
}

const dimArb = fc.oneof(
  { weight: 1, arbitrary: fc.constant(0) },
  { weight: 3, arbitrary: fc.constant(1) },
  { weight: 6, arbitrary: fc.integer({ min: 2, max: 3 }) },
);
const shapeArb = fc.array(dimArb, { maxLength: 3 });
const seedArb: fc.Arbitrary<Seed> = fc.record({ k: fc.nat(1000), a: fc.nat(1000), b: fc.nat(1000), c: fc.nat(1000) });
/** Random cases: 1–3 params leaves of rank ≤ 3 (dims 0–3), 1–10 op seeds. */
export const caseArb: fc.Arbitrary<Case> = fc.record({
  leaves: fc.array(fc.record({ shape: shapeArb, slot: fc.constantFrom<0 | 1 | 2>(0, 1, 2) }), { minLength: 1, maxLength: 3 }),
  extra: shapeArb,
  both: fc.boolean(),
  flag: fc.integer({ min: -1, max: 2 }),
  seeds: fc.array(seedArb, { minLength: 1, maxLength: 10 }),
  out: fc.nat(100),
  dataSeed: fc.nat(),
  vmapExtra: fc.option(fc.nat(3)),
  outLast: fc.boolean(),
  vmapFlag: fc.boolean(),
});
