/**
 * checkGrads: JAX's check_grads. Forward mode compares `jvp` with central differences along a
 * random direction; reverse mode checks ⟨t, vjp(ct)⟩ = ⟨jvp_num(t), ct⟩ for random t and ct;
 * higher orders check the JVP and VJP functions themselves the same way.
 */
import { type Array, AxleError, jvp, ValueError, vjp } from "../index.js";
import {
  arrayLike,
  centralDifference,
  type FlatFn,
  flattenFunction,
  innerProduct,
  isFloatDtype,
  unravel,
  values,
} from "./flat.js";
import { normalStream } from "./rng.js";
import { type GradTolerance, mergedTolerance } from "./tolerances.js";

export type GradMode = "fwd" | "rev";

export interface CheckGradsOptions {
  /** Highest derivative order to check (default 1). */
  order?: number;
  /** Which modes to check (default both). */
  modes?: readonly GradMode[];
  /** Central-difference step (default by dtype: float32 1e-3, float64 1e-4). */
  eps?: number;
  /** Absolute tolerance (default by dtype: float32 1e-2, float64 1e-5). */
  atol?: number;
  /** Relative tolerance (default by dtype: float32 1e-2, float64 1e-5). */
  rtol?: number;
  /** Seed of the random directions and cotangents (default 0). */
  seed?: number;
}

/**
 * A derivative check failed. `check` names it ("forward-mode order 1"), `argument` the input
 * leaf it was traced to, `index` the worst element with its `expected` and `got` values.
 */
export class GradCheckError extends AxleError {
  override name = "GradCheckError";
  constructor(
    message: string,
    readonly check: string,
    readonly argument: string | null,
    readonly index: readonly number[] | null,
    readonly expected: number,
    readonly got: number,
  ) {
    super(message);
  }
}

interface Level {
  f: FlatFn;
  xs: Array[];
  inNames: string[];
  outNames: string[];
  /** What is being differentiated: "f", "the JVP of f", … */
  what: string;
}

interface Ctx {
  tol: GradTolerance;
  seed: number;
}

const fmt = (v: number) => (Number.isFinite(v) ? String(Number(v.toPrecision(7))) : String(v));
const idxStr = (i: readonly number[]) => `[${i.join(", ")}]`;

function bound(tol: GradTolerance, expected: number): number {
  return tol.atol + tol.rtol * Math.abs(expected);
}

function isClose(got: number, expected: number, tol: GradTolerance): boolean {
  if (Number.isNaN(got) || Number.isNaN(expected)) return Number.isNaN(got) && Number.isNaN(expected);
  if (got === expected) return true;
  return Math.abs(got - expected) <= bound(tol, expected);
}

interface Mismatch {
  leaf: number;
  flat: number;
  got: number;
  expected: number;
  excess: number;
}

/** The element exceeding its tolerance by the most, or null when all are close. */
function worstMismatch(got: readonly Float64Array[], expected: readonly Float64Array[], tol: GradTolerance): Mismatch | null {
  let worst: Mismatch | null = null;
  got.forEach((g, leaf) => {
    const e = expected[leaf];
    for (let k = 0; k < g.length; k++) {
      if (isClose(g[k], e[k], tol)) continue;
      const diff = Math.abs(g[k] - e[k]);
      const excess = Number.isNaN(diff) ? Number.POSITIVE_INFINITY : diff - bound(tol, e[k]);
      if (worst === null || excess > worst.excess) worst = { leaf, flat: k, got: g[k], expected: e[k], excess };
    }
  });
  return worst;
}

function randomLike(rand: () => number, xs: readonly Array[]): Array[] {
  return xs.map((x) =>
    arrayLike(
      x,
      Float64Array.from({ length: x.size }, () => rand()),
    ),
  );
}

const zerosLike = (x: Array) => arrayLike(x, new Float64Array(x.size));

/** The tangents `ts` with every leaf but `i` zeroed. */
const onlyLeaf = (ts: readonly Array[], i: number) => ts.map((t, k) => (k === i ? t : zerosLike(t)));

function label(mode: GradMode, depth: number, lvl: Level): string {
  const base = `${mode === "fwd" ? "forward" : "reverse"}-mode order ${depth}`;
  return lvl.what === "f" ? base : `${base} (checking ${lvl.what})`;
}

function checkPrimal(check: string, lvl: Level, outs: readonly Array[], ctx: Ctx): void {
  const expected = lvl.f(...lvl.xs).map(values);
  const w = worstMismatch(outs.map(values), expected, ctx.tol);
  if (w === null) return;
  const at = unravel(w.flat, outs[w.leaf].shape);
  throw new GradCheckError(
    `checkGrads: ${check} failed: the transformed function's primal output differs from calling it directly ` +
      `at element ${idxStr(at)} of ${lvl.outNames[w.leaf]}: expected ${fmt(w.expected)}, got ${fmt(w.got)}`,
    check,
    null,
    at,
    w.expected,
    w.got,
  );
}

function checkJvp(lvl: Level, depth: number, ctx: Ctx): void {
  const check = label("fwd", depth, lvl);
  const { f, xs } = lvl;
  const ts = randomLike(normalStream(ctx.seed), xs);
  const run = (tangents: readonly Array[]) => {
    const [po, to] = jvp(f, [...xs], [...tangents]);
    return { po, got: to.map(values), expected: centralDifference(f, xs, tangents, ctx.tol.eps) };
  };
  const all = run(ts);
  checkPrimal(check, lvl, all.po, ctx);
  let w = worstMismatch(all.got, all.expected, ctx.tol);
  if (w === null) return;
  // Trace the failure to one input: differentiate along each input leaf alone.
  let culprit: number | null = xs.length === 1 ? 0 : null;
  if (xs.length > 1) {
    for (let i = 0; i < xs.length; i++) {
      const one = run(onlyLeaf(ts, i));
      const wi = worstMismatch(one.got, one.expected, ctx.tol);
      if (wi !== null && (culprit === null || wi.excess > w.excess)) {
        culprit = i;
        w = wi;
      }
    }
  }
  const at = unravel(w.flat, all.po[w.leaf].shape);
  const arg = culprit === null ? null : lvl.inNames[culprit];
  throw new GradCheckError(
    `checkGrads: ${check} failed: the JVP disagrees with central differences` +
      `${arg === null ? " (along all inputs together)" : ` for ${arg}`}: ` +
      `the tangent of ${lvl.outNames[w.leaf]} at element ${idxStr(at)} is ${fmt(w.got)} from jvp but ` +
      `${fmt(w.expected)} by central differences (eps ${ctx.tol.eps}); |diff| ${fmt(Math.abs(w.got - w.expected))} > ` +
      `atol + rtol·|expected| = ${fmt(bound(ctx.tol, w.expected))}. ${FIX_JVP}`,
    check,
    arg,
    at,
    w.expected,
    w.got,
  );
}

/** What to do about a failed check, appended to its report. */
const FIX_JVP =
  "Check the forward rule that reaches this output (a customJvp rule, or a primitive's jvp); if f has a kink or " +
  "discontinuity near this point, check at another point, or loosen atol/rtol when the gap is rounding";
const FIX_VJP =
  "Check the reverse rule that reaches this input (a customVjp bwd, or a linear primitive's transpose); if f has a " +
  "kink or discontinuity near this point, check at another point, or loosen atol/rtol when the gap is rounding";

/** Largest input size for which a failing VJP is localised element by element. */
const LOCALISE_MAX = 4096;

function checkVjp(lvl: Level, depth: number, ctx: Ctx): void {
  const check = label("rev", depth, lvl);
  const { f, xs, tol } = { ...lvl, tol: ctx.tol };
  const [po, back] = vjp(f, ...xs);
  checkPrimal(check, lvl, po, ctx);
  const rand = normalStream(ctx.seed);
  const ts = randomLike(rand, xs);
  const cts = randomLike(rand, po);
  const ctIn = back(cts).map(values);
  const ctv = cts.map(values);
  const tv = ts.map(values);
  const projected = (i: number | null): [number, number] => {
    const dirs = i === null ? ts : onlyLeaf(ts, i);
    const got = innerProduct(i === null ? tv : [tv[i]], i === null ? ctIn : [ctIn[i]]);
    return [got, innerProduct(centralDifference(f, xs, dirs, tol.eps), ctv)];
  };
  const [ip, ipExpected] = projected(null);
  if (isClose(ip, ipExpected, tol)) return;
  let culprit = 0;
  let worstExcess = Number.NEGATIVE_INFINITY;
  if (xs.length > 1) {
    xs.forEach((_, i) => {
      const [g, e] = projected(i);
      const excess = isClose(g, e, tol) ? Number.NEGATIVE_INFINITY : Math.abs(g - e) - bound(tol, e);
      if (excess > worstExcess) {
        worstExcess = excess;
        culprit = i;
      }
    });
  }
  const name = lvl.inNames[culprit];
  const head =
    `checkGrads: ${check} failed: the VJP disagrees with central differences for ${name}: ` +
    `⟨t, vjp(ct)⟩ = ${fmt(ip)} but ⟨jvp_num(t), ct⟩ = ${fmt(ipExpected)} for random t and ct (eps ${tol.eps})`;
  const fixed = `${head}. ${FIX_VJP}`;
  const x = xs[culprit];
  if (x.size > LOCALISE_MAX) throw new GradCheckError(fixed, check, name, null, ipExpected, ip);
  // The exact cotangent is the gradient of s(x) = ⟨f(x), ct⟩: find its worst element.
  const expected = new Float64Array(x.size);
  const basis = new Float64Array(x.size);
  for (let k = 0; k < x.size; k++) {
    basis.fill(0);
    basis[k] = 1;
    const dirs = xs.map((y, i) => (i === culprit ? arrayLike(y, basis) : zerosLike(y)));
    expected[k] = innerProduct(centralDifference(f, xs, dirs, tol.eps), ctv);
  }
  const w = worstMismatch([ctIn[culprit]], [expected], tol);
  if (w === null) throw new GradCheckError(fixed, check, name, null, ipExpected, ip);
  const at = unravel(w.flat, x.shape);
  throw new GradCheckError(
    `${head}. Worst element: the cotangent of ${name} at ${idxStr(at)} is ${fmt(w.got)} from vjp but ` +
      `${fmt(w.expected)} by central differences of ⟨f(x), ct⟩; |diff| ${fmt(Math.abs(w.got - w.expected))} > ` +
      `atol + rtol·|expected| = ${fmt(bound(tol, w.expected))}. ${FIX_VJP}`,
    check,
    name,
    at,
    w.expected,
    w.got,
  );
}

/** The JVP function `(primals, tangents) ↦ [outs, tangentsOut]` as a level of its own. */
function jvpLevel(lvl: Level): Level {
  const n = lvl.xs.length;
  return {
    f: (...ys) => {
      const [o, t] = jvp(lvl.f, ys.slice(0, n), ys.slice(n));
      return [...o, ...t];
    },
    xs: [...lvl.xs, ...lvl.xs],
    inNames: [...lvl.inNames, ...lvl.inNames.map((s) => `the tangent of ${s}`)],
    outNames: [...lvl.outNames, ...lvl.outNames.map((s) => `the tangent of ${s}`)],
    what: `the JVP of ${lvl.what}`,
  };
}

/** `x ↦ vjp(f, x)(f(x))`: nonlinear in x, so its derivative exercises second-order terms. */
function vjpLevel(lvl: Level): Level {
  return {
    f: (...ys) => {
      const [o, back] = vjp(lvl.f, ...ys);
      return back(o);
    },
    xs: lvl.xs,
    inNames: lvl.inNames,
    outNames: lvl.inNames.map((s) => `the cotangent of ${s}`),
    what: `the VJP of ${lvl.what}`,
  };
}

function checkLevel(lvl: Level, order: number, depth: number, modes: readonly GradMode[], ctx: Ctx): void {
  if (lvl.xs.length === 0 || lvl.outNames.length === 0) return;
  if (modes.includes("fwd")) {
    checkJvp(lvl, depth, ctx);
    if (order > 1) checkLevel(jvpLevel(lvl), order - 1, depth + 1, modes, ctx);
  }
  if (modes.includes("rev")) {
    checkVjp(lvl, depth, ctx);
    if (order > 1) checkLevel(vjpLevel(lvl), order - 1, depth + 1, modes, ctx);
  }
}

/**
 * Check `f`'s derivatives at `args` against central differences, as JAX's `check_grads`:
 * forward mode (jvp), reverse mode (vjp), and with `order: 2` the JVP and VJP functions
 * themselves. Arguments may be pytrees; non-float leaves are held fixed. Throws a
 * `GradCheckError` naming the check, the argument and the worst element.
 * @example
 * checkGrads((x: Array) => np.sin(x).mul(x), [np.array([0.5, 1.5], "float64")], { order: 2 });
 */
export function checkGrads<F extends (...args: never[]) => unknown>(
  f: F,
  args: Parameters<F>,
  opts: CheckGradsOptions = {},
): void {
  const order = opts.order ?? 1;
  if (!Number.isInteger(order) || order < 1) {
    throw new ValueError(
      `checkGrads: order must be a positive integer (1 checks first derivatives, 2 also second), got ${order}`,
    );
  }
  const modes = opts.modes ?? ["fwd", "rev"];
  const flat = flattenFunction(f as unknown as (...a: unknown[]) => unknown, args);
  const dtypes = [...flat.xs, ...flat.f(...flat.xs)].map((a) => a.dtype).filter(isFloatDtype);
  const dflt = mergedTolerance(dtypes);
  const tol: GradTolerance = { eps: opts.eps ?? dflt.eps, atol: opts.atol ?? dflt.atol, rtol: opts.rtol ?? dflt.rtol };
  const lvl: Level = { ...flat, what: "f" };
  checkLevel(lvl, order, 1, modes, { tol, seed: opts.seed ?? 0 });
}
