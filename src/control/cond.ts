/**
 * Structured conditionals: `cond(pred, trueFn, falseFn, ...operands)` and
 * `switchCase(index, branches, ...operands)`. Each branch is staged to an IR; one `cond`
 * primitive holds them all and runs the chosen one. Unlike a JS `if`, this works under `jit`
 * (the predicate may be a traced value) and every transform composes with it.
 */

import { type Array, type ConcreteArray, fullConcrete } from "../core/array.js";
import type { ShapedArray } from "../core/aval.js";
import { isFloat } from "../core/dtype.js";
import { DTypeError, ShapeError, TransformError } from "../core/errors.js";
import { type Params, type Primitive, type SubIrRunner, UndefPrimal, Zero } from "../core/primitive.js";
import { bind } from "../core/trace.js";
import { condOnnx } from "../export/onnx/control.js";
import { evalIr } from "../ir/eval.js";
import { subIrRunner } from "../ir/execute.js";
import type { Ir } from "../ir/ir.js";
import { convert, eq, max, min, ne, scalar, select } from "../primitives/elementwise.js";
import { broadcastInDim, moveAxis } from "../primitives/movement.js";
import { definePrimitive } from "../primitives/registry.js";
import { instantiate, zerosOf } from "../primitives/zeros.js";
import { flatFn, flattenArgs } from "../transforms/args.js";
import { jvpIrWithZeros, vmapIr } from "../transforms/ir-transforms.js";
import { partialEvalIr } from "../transforms/partial-eval.js";
import { closeIr, traceToIr } from "../transforms/stage.js";
import { transposeIr } from "../transforms/transpose.js";
import { type TreeDef, unflatten } from "../tree/index.js";

export interface CondParams extends Params {
  /** One IR per branch, all with the same input and output avals. */
  branches: readonly Ir[];
}

function checkCond(avals: readonly ShapedArray[], branches: readonly Ir[]): void {
  const [idx, ...ops] = avals;
  if (idx.ndim !== 0 || (idx.dtype !== "int32" && idx.dtype !== "uint32")) {
    throw new DTypeError(`cond: the branch index must be an int32 or uint32 scalar, got ${idx.str()}`);
  }
  const want = branches[0].inAvals;
  if (want.length !== ops.length || want.some((a, i) => !a.equals(ops[i]))) {
    throw new ShapeError(
      `cond: operands ${ops.map((a) => a.str()).join(", ")} do not match the branches' inputs ${want.map((a) => a.str()).join(", ")}`,
    );
  }
}

// The branch rule, shared by every path (eager and jit run `impl`; vmap's select runs
// `clampIndexArray`; JVP, transpose and partial evaluation re-bind the primitive with the same
// index): an index outside [0, n-1] is clamped to it, which is lax.switch's rule. (XLA's
// Conditional itself runs the last branch for any out-of-range index, negative ones included.)

/** The branch a concrete index picks among `n`. */
function clampIndex(index: number, n: number): number {
  return Math.min(Math.max(index, 0), n - 1);
}

/** The same rule on an array of indices (a batched index under vmap). */
function clampIndexArray(index: Array, n: number): Array {
  const hi = min(index, scalar(n - 1, index));
  return index.dtype === "uint32" ? hi : max(hi, scalar(0, index));
}

/** An IR of `avals` computing `f` (concrete constants closed over). */
function stageIr(f: (...xs: Array[]) => Array[], avals: readonly ShapedArray[]): Ir {
  return closeIr(traceToIr(f, avals, "cond"));
}

/** The chosen branch, run by `run` (impl's evaluator, or debugNans' labelled runner). */
function runCond([idx, ...ops]: readonly ConcreteArray[], { branches }: CondParams, run: SubIrRunner): ConcreteArray[] {
  const i = clampIndex(idx.item(), branches.length);
  return run(branches[i], ops, `cond branch ${i}`);
}

export const condP: Primitive<CondParams> = definePrimitive<CondParams>("cond", {
  abstractEval: (avals, { branches }) => {
    checkCond(avals, branches);
    return branches[0].outAvals;
  },
  impl: (args, p, ev) => runCond(args, p, subIrRunner(ev)),
  enter: runCond,
  // Only nonzero tangents enter the branches' JVPs (see jvpIr); an output tangent that is zero in
  // every branch stays a symbolic zero.
  jvp: ([idx, ...ops], [, ...tangents], { branches }) => {
    const nonzero = ops.map((o, i) => isFloat(o.dtype) && !(tangents[i] instanceof Zero));
    const ts = tangents.filter((_, i) => nonzero[i]) as Array[];
    const js = branches.map((b) => jvpIrWithZeros(b, nonzero));
    const outs = bind(condP, [idx, ...ops, ...ts], { branches: js.map((j) => j.ir) });
    const n = branches[0].outs.length;
    const po = outs.slice(0, n);
    let k = n;
    const tangentOut = po.map((p, o) => {
      if (!isFloat(p.dtype)) return new Zero(p.aval);
      const t = outs[k++];
      return js.some((j) => j.outNonzero[o]) ? t : new Zero(p.aval);
    });
    return [po, tangentOut];
  },
  // Linear in the operands for a fixed index: transpose every branch.
  transpose: (cts, [idx, ...ops], { branches }) => {
    if (idx instanceof UndefPrimal) throw new TransformError("cond: the branch index cannot be a linear input");
    const linear = ops.map((o) => o instanceof UndefPrimal);
    const fixed = ops.filter((o): o is Array => !(o instanceof UndefPrimal));
    const outs = bind(condP, [idx, ...fixed, ...cts.map(instantiate)], {
      branches: branches.map((b) => transposeIr(b, linear)),
    });
    let k = 0;
    return [null, ...ops.map((o) => (o instanceof UndefPrimal ? outs[k++] : null))];
  },
  batch: ([idx, ...ops], [di, ...dims], { branches }) => {
    const size = [idx, ...ops]
      .map((a, i) => ([di, ...dims][i] === null ? -1 : a.shape[[di, ...dims][i] as number]))
      .find((n) => n >= 0) as number;
    const batched = branches.map((b) => vmapIr(b, dims, size));
    if (di === null) {
      const outs = bind(condP, [idx, ...ops], { branches: batched });
      return [outs, outs.map(() => 0)];
    }
    // A batched index picks a different branch per example: compute every branch and select.
    const index = clampIndexArray(moveAxis(idx, di, 0), branches.length);
    const results = batched.map((b) => evalIr(b, ops));
    const outs = results[0].map((_, j) =>
      results.reduce((acc, r, b) => {
        if (b === 0) return acc;
        const hit = eq(index, scalar(b, index));
        const mask = broadcastInDim(hit, r[j].shape, [0]);
        return select(mask, r[j], acc);
      }, results[0][j]),
    );
    return [outs, outs.map(() => 0)];
  },
  // The index is clamped to the branches (clampIndex's rule), as the compiled branch does.
  lower: { kind: "branch", branches: (params) => (params as CondParams).branches },
  // Reverse mode: split every branch into known and unknown parts. Residuals differ between
  // branches, so each known branch returns all branches' residual slots (zeros in the others').
  partialEval: (pe, args, params) => {
    const { branches } = params;
    const [idx, ...ops] = args;
    const idxKnown = pe.knownValue(idx);
    if (idxKnown === null) return pe.stage(condP as unknown as Primitive, args, params, branches[0].outAvals);
    const known = ops.map((o) => pe.knownValue(o));
    const unknownIn = known.map((v) => v === null);
    const first = branches.map((b) => partialEvalIr(b, unknownIn));
    const outUnknown = first[0].outUnknown.map((_, j) => first.some((s) => s.outUnknown[j]));
    const splits = branches.map((b) => partialEvalIr(b, unknownIn, outUnknown));
    const resAvals = splits.map((s) => s.unknown.inAvals.slice(0, s.numResiduals));
    const allRes = resAvals.flat();
    const offsets = resAvals.map((_, b) => resAvals.slice(0, b).reduce((n, r) => n + r.length, 0));
    const nKnownOut = outUnknown.filter((u) => !u).length;
    const knownAvals = branches[0].inAvals.filter((_, i) => !unknownIn[i]);
    const knownBranches = splits.map((s, b) =>
      stageIr((...kins) => {
        const o = evalIr(s.known, kins);
        const res = allRes.map((a, r) =>
          r >= offsets[b] && r < offsets[b] + resAvals[b].length ? o[nKnownOut + r - offsets[b]] : zerosOf(a),
        );
        return [...o.slice(0, nKnownOut), ...res];
      }, knownAvals),
    );
    const unknownAvals = branches[0].inAvals.filter((_, i) => unknownIn[i]);
    const unknownBranches = splits.map((s, b) =>
      stageIr(
        (...xs) => evalIr(s.unknown, [...xs.slice(offsets[b], offsets[b] + resAvals[b].length), ...xs.slice(allRes.length)]),
        [...allRes, ...unknownAvals],
      ),
    );
    const knownOuts = bind(condP, [idxKnown, ...known.filter((v): v is Array => v !== null)], { branches: knownBranches });
    const residuals = knownOuts.slice(nKnownOut);
    const outAvals = branches[0].outAvals.filter((_, j) => outUnknown[j]);
    const staged = outAvals.length
      ? pe.stage(
          condP as unknown as Primitive,
          [pe.known(idxKnown), ...residuals.map((r) => pe.known(r)), ...ops.filter((_, i) => unknownIn[i])],
          { branches: unknownBranches },
          outAvals,
        )
      : [];
    let kk = 0;
    let ku = 0;
    return outUnknown.map((u) => (u ? staged[ku++] : pe.known(knownOuts[kk++])));
  },
  onnx: condOnnx,
});

function checkScalar(op: string, x: Array): void {
  if (x.ndim !== 0) {
    throw new ShapeError(
      `${op}: the predicate/index must be a scalar, got ${x.aval.str()}; reduce it (e.g. x.sum().gt(0)) or use np.where for elementwise choices`,
    );
  }
}

/** switchCase's index as an int32/uint32 scalar (bool counts as 0/1); the primitive clamps it. */
function branchIndex(op: string, x: Array | number | boolean, n: number): Array {
  if (typeof x === "boolean") return fullConcrete([], "int32", x ? 1 : 0);
  if (typeof x === "number") {
    if (!Number.isInteger(x)) throw new DTypeError(`${op}: the branch index must be an integer, got ${x}`);
    return fullConcrete([], "int32", clampIndex(x, n));
  }
  checkScalar(op, x);
  if (isFloat(x.dtype)) {
    throw new DTypeError(`${op}: the branch index must be bool or an integer, got ${x.aval.str()}; cast it with astype('int32')`);
  }
  return x.dtype === "bool" ? convert(x, "int32") : x;
}

/**
 * cond's predicate as a branch index: true (1) when `pred != 0`, JAX's rule for numeric
 * predicates (so int32(-1) and 0.5 are true, 0 and -0 false, NaN true).
 */
function predicateIndex(pred: Array | number | boolean): Array {
  if (typeof pred === "boolean" || typeof pred === "number")
    return fullConcrete([], "int32", pred !== 0 && pred !== false ? 1 : 0);
  checkScalar("cond", pred);
  const truth = pred.dtype === "bool" ? pred : ne(pred, scalar(0, pred));
  return convert(truth, "int32");
}

/**
 * Run `branches[index]` on the operands (pytrees). Every branch must return outputs of the same
 * structure, shapes and dtypes. Under `jit` and `vmap` the index may be a traced value. An index
 * outside [0, n-1] is clamped to it on every path (eager, jit, vmap, derivatives), as `lax.switch`
 * does: -3 runs branch 0, 7 runs the last branch.
 * @example switchCase(np.array(1, "int32"), [(x) => x.mul(2), (x) => x.add(1)], np.array(3)) // 4
 */
export function switchCase<Ops extends unknown[], R>(
  index: Array | number | boolean,
  branches: readonly ((...operands: Ops) => R)[],
  ...operands: Ops
): R {
  if (branches.length === 0) throw new TransformError("switchCase: give at least one branch");
  return runBranches("switchCase", branchIndex("switchCase", index, branches.length), branches, operands);
}

/** How errors name branch `i`: cond's branches are [falseFn, trueFn]. */
const branchName = (op: string, i: number) => (op === "cond" ? (i === 1 ? "trueFn" : "falseFn") : `branch ${i}`);

function runBranches<Ops extends unknown[], R>(
  op: string,
  index: Array,
  branches: readonly ((...operands: Ops) => R)[],
  operands: Ops,
): R {
  const flat = flattenArgs(op, operands, "operand", "weak");
  const avals = flat.leaves.map((l) => l.aval);
  // Stage each branch; constants it closes over (possibly traced values of an enclosing
  // transform) become extra operands, shared by all branches.
  const outDefs: TreeDef[] = [];
  const staged = branches.map((b, i) => {
    const out: { def?: TreeDef } = {};
    const s = traceToIr(flatFn(op, b as (...a: never[]) => unknown, flat, out, false), avals, op);
    outDefs.push(out.def as TreeDef);
    if (i > 0 && outDefs[i].toString() !== outDefs[0].toString()) {
      throw new TransformError(
        `${op}: ${branchName(op, i)} returns ${outDefs[i]} but ${branchName(op, 0)} returns ${outDefs[0]}; every branch must return the same structure`,
      );
    }
    return s;
  });
  const outAvals0 = staged[0].ir.outAvals;
  staged.forEach((s, i) => {
    const a = s.ir.outAvals;
    if (a.length !== outAvals0.length || a.some((x, j) => !x.equals(outAvals0[j]))) {
      throw new TransformError(
        `${op}: ${branchName(op, i)} returns ${a.map((x) => x.str()).join(", ")} but ${branchName(op, 0)} returns ${outAvals0.map((x) => x.str()).join(", ")}; ` +
          "every branch must return the same shapes and dtypes",
      );
    }
  });
  const consts = staged.flatMap((s) => s.consts);
  const constAvals = consts.map((c) => c.aval);
  let offset = 0;
  const irs = staged.map((s) => {
    const start = offset;
    offset += s.consts.length;
    return stageIr(
      (...xs) => evalIr(s.ir, [...xs.slice(start, start + s.consts.length), ...xs.slice(constAvals.length)]),
      [...constAvals, ...avals],
    );
  });
  const outs = bind(condP, [index, ...consts, ...flat.leaves], { branches: irs });
  return unflatten(outDefs[0], outs) as R;
}

/**
 * `trueFn(...operands)` if `pred` is true, else `falseFn(...operands)`, as one staged operation:
 * use it instead of a JS `if` on a traced value under `jit`. Both branches must return the
 * same structure, shapes and dtypes. Gradients flow through the branch taken. A numeric
 * predicate (an integer or float scalar, or a JS number) is true when `pred != 0`, as in JAX:
 * `int32(-1)` takes `trueFn`, on every path and per example under `vmap`.
 * @example cond(x.sum().gt(0), (v) => v.mul(2), (v) => v.neg(), x)
 */
export function cond<Ops extends unknown[], R>(
  pred: Array | boolean | number,
  trueFn: (...operands: Ops) => R,
  falseFn: (...operands: Ops) => R,
  ...operands: Ops
): R {
  return runBranches("cond", predicateIndex(pred), [falseFn, trueFn], operands);
}
