/** Derivatives by central differences, the reference that `checkGrads` compares against. */
import { Array, tree, ValueError } from "../index.js";
import { arrayLike, axpy, isFloatDtype, values } from "./flat.js";
import { mergedTolerance } from "./tolerances.js";

type Fn = (...args: never[]) => unknown;
const call = (f: Fn, args: readonly unknown[]): unknown => (f as unknown as (...a: unknown[]) => unknown)(...args);

function defaultEps(args: readonly unknown[]): number {
  const dtypes = tree
    .leaves(args)
    .filter((l): l is Array => l instanceof Array && isFloatDtype(l.dtype))
    .map((l) => l.dtype);
  return mergedTolerance(dtypes).eps;
}

/**
 * `(f(x + eps·t) − f(x − eps·t)) / 2eps`: the directional derivative of `f` at `args` along
 * `tangents` (a tuple shaped like `args`), as a tree shaped like f's output. Only float leaves
 * are perturbed; non-float output leaves get zeros.
 * @example numericalJvp((x: Array) => x.mul(x), [np.array(3, "float64")], [np.array(1, "float64")]) // ≈ 6
 */
export function numericalJvp<F extends Fn>(
  f: F,
  args: Parameters<F>,
  tangents: Parameters<F>,
  eps: number = defaultEps(args),
): ReturnType<F> {
  const [al, ad] = tree.flatten(args);
  const [tl, td] = tree.flatten(tangents);
  if (ad.toString() !== td.toString()) {
    throw new ValueError(`numericalJvp: tangents have structure ${td} but args have ${ad}; they must match`);
  }
  const shift = (a: number) =>
    tree.unflatten(
      ad,
      al.map((x, i) => {
        if (!(x instanceof Array) || !isFloatDtype(x.dtype)) return x;
        const t = tl[i];
        if (!(t instanceof Array) || t.size !== x.size) {
          throw new ValueError(`numericalJvp: tangent leaf ${i} must be an array shaped like ${x.aval.str()}`);
        }
        return axpy(x, a, t);
      }),
    ) as readonly unknown[];
  const [pl, pd] = tree.flatten(call(f, shift(eps)));
  const [ml] = tree.flatten(call(f, shift(-eps)));
  return tree.unflatten(
    pd,
    pl.map((p, j) => {
      if (!(p instanceof Array)) return p;
      if (!isFloatDtype(p.dtype)) return arrayLike(p, new Float64Array(p.size));
      const pv = values(p);
      const mv = values(ml[j] as Array);
      return arrayLike(
        p,
        pv.map((v, k) => (v - mv[k]) / (2 * eps)),
      );
    }),
  ) as ReturnType<F>;
}

/**
 * The gradient of a scalar-valued `f` by central differences, one element at a time (2 calls
 * of f per element, so keep inputs small). Returns a tuple shaped like `args`; non-float
 * leaves get zeros.
 * @example numericalGrad((x: Array) => x.mul(x).sum(), [np.array([1, 2], "float64")]) // [[2, 4]]
 */
export function numericalGrad<F extends Fn>(f: F, args: Parameters<F>, opts: { eps?: number } = {}): Parameters<F> {
  const eps = opts.eps ?? defaultEps(args);
  const [al, ad] = tree.flatten(args);
  const scalarAt = (leaves: unknown[]): number => {
    const out = call(f, tree.unflatten(ad, leaves) as unknown[]);
    if (!(out instanceof Array) || out.size !== 1) {
      throw new ValueError(
        `numericalGrad: f must return a scalar array, got ${out instanceof Array ? out.aval.str() : typeof out}; ` +
          "reduce it first (e.g. np.sum(y)) or use numericalJvp",
      );
    }
    return out.item();
  };
  const grads = al.map((x, i) => {
    if (!(x instanceof Array)) return x;
    if (!isFloatDtype(x.dtype)) return arrayLike(x, new Float64Array(x.size));
    const xv = values(x);
    const g = new Float64Array(x.size);
    for (let k = 0; k < x.size; k++) {
      const at = (d: number) => {
        const v = xv.slice();
        v[k] += d;
        const leaves = [...al];
        leaves[i] = arrayLike(x, v);
        return scalarAt(leaves);
      };
      g[k] = (at(eps) - at(-eps)) / (2 * eps);
    }
    return arrayLike(x, g);
  });
  return tree.unflatten(ad, grads) as Parameters<F>;
}
