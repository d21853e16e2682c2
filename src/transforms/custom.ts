/**
 * customJvp / customVjp: functions with user-given derivative rules. Each call stages the
 * function and its rules to IRs (cached per input signature) and binds a call primitive, so the
 * rule survives jit, vmap and any nesting of transforms.
 */
import type { Array } from "../core/array.js";
import type { ShapedArray } from "../core/aval.js";
import { isFloat } from "../core/dtype.js";
import { TransformError } from "../core/errors.js";
import { type Params, type Primitive, type Tangent, Zero } from "../core/primitive.js";
import { bind } from "../core/trace.js";
import { callOnnx } from "../export/onnx/control.js";
import { evalIr } from "../ir/eval.js";
import type { Ir } from "../ir/ir.js";
import { definePrimitive } from "../primitives/registry.js";
import { instantiate } from "../primitives/zeros.js";
import { type TreeDef, unflatten } from "../tree/index.js";
import { flatFn, flattenArgs, flattenArrays, splitLeaves } from "./args.js";
import { vmapIr } from "./ir-transforms.js";
import { closeIr, traceToIr } from "./stage.js";
import type { AnyFn } from "./types.js";
import { moveBatchAxis } from "./vmap.js";

const floatMask = (avals: readonly ShapedArray[]) => avals.map((a) => isFloat(a.dtype));

function stage(fn: (...xs: Array[]) => Array[], avals: readonly ShapedArray[], what = "customJvp"): Ir {
  return closeIr(traceToIr(fn, avals, what));
}

/** vmap an IR with every input and output batched at 0. */
function batchIr(ir: Ir, size: number): Ir {
  return vmapIr(
    ir,
    ir.inVars.map(() => 0),
    size,
  );
}

function batchAllToZero(args: readonly Array[], dims: readonly (number | null)[]): [Array[], number] {
  const i = dims.findIndex((d) => d !== null);
  const size = args[i].shape[dims[i] as number];
  return [args.map((a, k) => moveBatchAxis(a, dims[k], 0, size)), size];
}

// ---- custom_jvp_call ----

interface CustomJvpParams extends Params {
  fun: Ir;
  jvp: Ir;
  name: string;
}

export const customJvpCallP: Primitive<CustomJvpParams> = definePrimitive<CustomJvpParams>("custom_jvp_call", {
  abstractEval: (_avals, { fun }) => fun.outAvals,
  impl: (args, { fun }) => evalIr(fun, args) as ReturnType<Primitive["impl"]>,
  jvp: (primals, tangents, { jvp, fun }) => {
    // Nothing perturbed: the primal function, and symbolic zeros out (as custom_vjp_call below).
    // Running the rule on instantiated zeros would hand later rules tangents that look perturbed:
    // a customVjp after it then linearized a known zero and raised its forward-mode error.
    if (tangents.every((t) => t instanceof Zero)) {
      const po = evalIr(fun, primals) as Array[];
      return [po, po.map((p) => new Zero(p.aval))];
    }
    const mask = floatMask(fun.inAvals);
    const ts = tangents.filter((_, i) => mask[i]).map(instantiate);
    const outs = evalIr(jvp, [...primals, ...ts]);
    const n = fun.outs.length;
    const po = outs.slice(0, n);
    let k = n;
    return [po, po.map((p): Tangent => (isFloat(p.dtype) ? outs[k++] : new Zero(p.aval)))];
  },
  transpose: null,
  batch: (args, dims, { fun, jvp, name }) => {
    const [xs, size] = batchAllToZero(args, dims);
    const outs = bind(customJvpCallP, xs, { fun: batchIr(fun, size), jvp: batchIr(jvp, size), name });
    return [outs, outs.map(() => 0)];
  },
  lower: { kind: "call" },
  enter: (args, { fun, name }, run) => run(fun, args, `custom_jvp_call(${name})`),
  // An exported program runs forward only: the primal function is what it computes.
  onnx: callOnnx((p) => p.fun as Ir),
  inline: (args, { fun }) => evalIr(fun, args),
});

/**
 * A function with a custom JVP rule: `rule(primals, tangents)` returns `[out, outTangent]`.
 * Use it to give a function a numerically stable or cheaper derivative.
 * @example
 * const logSigmoid = customJvp(
 *   (x: Array) => np.negative(nn.softplus(np.negative(x))),
 *   ([x], [t]) => [logSigmoid(x), t.mul(nn.sigmoid(np.negative(x)))],
 * );
 */
export function customJvp<F extends AnyFn>(
  f: F,
  rule: (primals: Parameters<F>, tangents: Parameters<F>) => readonly [ReturnType<F>, ReturnType<F>],
): F {
  const name = f.name || "customJvp";
  const cache = new Map<string, { fun: Ir; jvp: Ir; outDef: TreeDef }>();
  // Signatures whose rule is being staged: a rule may call the function itself for its primal output.
  const pending = new Map<string, { fun: Ir; outDef: TreeDef }>();
  return ((...args: unknown[]) => {
    const flat = flattenArgs("customJvp", args);
    const { leaves, defs } = flat;
    const avals = leaves.map((l) => l.aval);
    const key = `${defs.join(";")}|${avals.map((a) => a.str()).join(",")}`;
    let entry = cache.get(key);
    const inRule = pending.get(key);
    if (entry === undefined && inRule !== undefined) return unflatten(inRule.outDef, evalIr(inRule.fun, leaves));
    if (entry === undefined) {
      const out: { def?: TreeDef } = {};
      const fun = stage(flatFn("customJvp", f, flat, out, false), avals);
      const mask = floatMask(avals);
      const jvpFn = (...xs: Array[]): Array[] => {
        const primals = xs.slice(0, leaves.length);
        let k = leaves.length;
        const tangents = primals.map((p, i) => (mask[i] ? xs[k++] : instantiate(new Zero(p.aval))));
        const split = (ls: readonly Array[]) => splitLeaves(ls, flat);
        const [po, to] = rule(split(primals) as Parameters<F>, split(tangents) as Parameters<F>);
        const [pl] = flattenArrays("customJvp rule", po, "primal output");
        const [tl] = flattenArrays("customJvp rule", to, "tangent output");
        if (pl.length !== tl.length || pl.some((p, i) => !p.aval.equals(tl[i].aval))) {
          throw new TransformError(
            `${titled("customJvp", name)}: the rule's tangent output (${tl.map((t) => t.aval.str())}) must match its primal output (${pl.map((p) => p.aval.str())})`,
          );
        }
        return [...pl, ...tl.filter((_, i) => isFloat(pl[i].dtype))];
      };
      pending.set(key, { fun, outDef: out.def as TreeDef });
      let jvp: Ir;
      try {
        jvp = stage(jvpFn, [...avals, ...avals.filter((_, i) => mask[i])], "customJvp rule");
      } finally {
        pending.delete(key);
      }
      entry = { fun, jvp, outDef: out.def as TreeDef };
      cache.set(key, entry);
    }
    return unflatten(entry.outDef, bind(customJvpCallP, leaves, { fun: entry.fun, jvp: entry.jvp, name }));
  }) as unknown as F;
}

// ---- custom_vjp_call and custom_lin ----

interface CustomVjpParams extends Params {
  fun: Ir;
  fwd: Ir;
  bwd: Ir;
  numRes: number;
  name: string;
}

interface CustomLinParams extends Params {
  bwd: Ir;
  numRes: number;
  outAvals: readonly ShapedArray[];
  inMask: readonly boolean[];
  name: string;
}

/** `customVjp(f)` for a named function, plain `customVjp` for an anonymous one (whose name is the default). */
const titled = (op: string, name: string) => (name === op ? op : `${op}(${name})`);

const noForward = (name: string) =>
  new TransformError(
    `${titled("customVjp", name)}: forward-mode differentiation (jvp, jacfwd, hessian) of a customVjp function is not ` +
      "supported, since only its reverse-mode rule is known; use customJvp for a rule that works in both modes",
  );

/** The linear map of a customVjp function: only its transpose (the user's bwd) is defined. */
export const customLinP: Primitive<CustomLinParams> = definePrimitive<CustomLinParams>("custom_lin", {
  abstractEval: (_a, { outAvals }) => [...outAvals],
  impl: (_args, { name }) => {
    throw noForward(name);
  },
  jvp: (_p, _t, { name }) => {
    throw noForward(name);
  },
  transpose: (cts, args, { bwd, numRes, inMask }) => {
    const res = args.slice(0, numRes) as Array[];
    const inCts = evalIr(bwd, [...res, ...cts.map(instantiate)]);
    // One cotangent per float input of the original call, in order.
    return [...res.map(() => null), ...inMask.filter((m) => m).map((_, i) => inCts[i])];
  },
  batch: (_a, _d, { name }) => {
    throw new TransformError(
      `${titled("customVjp", name)}: vmap of the linearized function is not supported; vmap the gradient instead`,
    );
  },
  lower: { kind: "call" },
  onnx: {
    unsupported:
      "it only exists while a customVjp function is being differentiated (its backward pass is staged as a " +
      "separate program); export the gradient function, whose traced program no longer holds it",
  },
});

export const customVjpCallP: Primitive<CustomVjpParams> = definePrimitive<CustomVjpParams>("custom_vjp_call", {
  abstractEval: (_avals, { fun }) => fun.outAvals,
  impl: (args, { fun }) => evalIr(fun, args) as ReturnType<Primitive["impl"]>,
  jvp: (primals, tangents, { fwd, bwd, numRes, fun, name }) => {
    const outs = evalIr(fwd, primals);
    const n = fun.outs.length;
    const po = outs.slice(0, n);
    const res = outs.slice(n, n + numRes);
    const inMask = floatMask(fun.inAvals);
    if (tangents.every((t) => t instanceof Zero)) return [po, po.map((p) => new Zero(p.aval))];
    const ts = tangents.filter((_, i) => inMask[i]).map(instantiate);
    const outAvals = po.filter((p) => isFloat(p.dtype)).map((p) => p.aval);
    const tOut = bind(customLinP, [...res, ...ts], { bwd, numRes, outAvals, inMask, name });
    let k = 0;
    return [po, po.map((p): Tangent => (isFloat(p.dtype) ? tOut[k++] : new Zero(p.aval)))];
  },
  transpose: null,
  batch: (args, dims, { fun, fwd, bwd, numRes, name }) => {
    const [xs, size] = batchAllToZero(args, dims);
    const outs = bind(customVjpCallP, xs, {
      fun: batchIr(fun, size),
      fwd: batchIr(fwd, size),
      bwd: batchIr(bwd, size),
      numRes,
      name,
    });
    return [outs, outs.map(() => 0)];
  },
  lower: { kind: "call" },
  enter: (args, { fun, name }, run) => run(fun, args, `custom_vjp_call(${name})`),
  // An exported program runs forward only: the primal function is what it computes.
  onnx: callOnnx((p) => p.fun as Ir),
  inline: (args, { fun }) => evalIr(fun, args),
});

/**
 * A function with a custom reverse-mode rule. `fwd(...args)` returns `[out, residuals]`;
 * `bwd(residuals, outCotangent)` returns a tuple with one cotangent per argument.
 * @example
 * const clipGrad = customVjp(
 *   (x: Array) => x,
 *   (x: Array) => [x, null],
 *   (_res: null, g: Array) => [np.clip(g, -1, 1)],
 * );
 */
export function customVjp<F extends AnyFn, R>(
  f: F,
  fwd: (...args: Parameters<F>) => readonly [ReturnType<F>, R],
  bwd: (residuals: R, ct: ReturnType<F>) => Parameters<F>,
): F {
  const name = f.name || "customVjp";
  const cache = new Map<string, { fun: Ir; fwd: Ir; bwd: Ir; numRes: number; outDef: TreeDef }>();
  return ((...args: unknown[]) => {
    const flat = flattenArgs("customVjp", args);
    const { leaves, defs } = flat;
    const avals = leaves.map((l) => l.aval);
    const key = `${defs.join(";")}|${avals.map((a) => a.str()).join(",")}`;
    let entry = cache.get(key);
    if (entry === undefined) {
      const out: { def?: TreeDef } = {};
      const fun = stage(flatFn("customVjp", f, flat, out, false), avals, "customVjp");
      const outDef = out.def as TreeDef;
      let resDef: TreeDef | undefined;
      const split = (ls: readonly Array[]) => splitLeaves(ls, flat);
      const fwdIr = stage(
        (...xs) => {
          const [o, r] = (fwd as unknown as (...a: unknown[]) => readonly [unknown, unknown])(...split(xs));
          const [ol] = flattenArrays("customVjp fwd", o, "output");
          const [rl, rd] = flattenArrays("customVjp fwd", r, "residuals");
          resDef = rd;
          return [...ol, ...rl];
        },
        avals,
        "customVjp fwd",
      );
      const numRes = fwdIr.outs.length - fun.outs.length;
      const resAvals = fwdIr.outAvals.slice(fun.outs.length);
      const outFloat = fun.outAvals.filter((a) => isFloat(a.dtype));
      const inMask = floatMask(avals);
      const bwdIr = stage(
        (...xs) => {
          const res = unflatten(resDef as TreeDef, xs.slice(0, numRes));
          let k = numRes;
          const cts = fun.outAvals.map((a) => (isFloat(a.dtype) ? xs[k++] : instantiate(new Zero(a))));
          const inCts = (bwd as unknown as (r: unknown, c: unknown) => unknown)(res, unflatten(outDef, cts));
          const [cl] = flattenArrays("customVjp bwd", inCts, "cotangents");
          if (cl.length !== leaves.length || cl.some((c, i) => !c.aval.equals(avals[i]))) {
            throw new TransformError(
              `${titled("customVjp", name)}: bwd must return one cotangent per argument, shaped like it ` +
                `(expected ${avals.map((a) => a.str())}, got ${cl.map((c) => c.aval.str())})`,
            );
          }
          return cl.filter((_, i) => inMask[i]);
        },
        [...resAvals, ...outFloat],
        "customVjp bwd",
      );
      entry = { fun, fwd: fwdIr, bwd: bwdIr, numRes, outDef };
      cache.set(key, entry);
    }
    const { fun, fwd: fw, bwd: bw, numRes, outDef } = entry;
    return unflatten(outDef, bind(customVjpCallP, leaves, { fun, fwd: fw, bwd: bw, numRes, name }));
  }) as unknown as F;
}
