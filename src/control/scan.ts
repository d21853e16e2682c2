/**
 * Loops as one staged operation: `scan(f, init, xs, { length, reverse })` runs
 * `[carry, y] = f(carry, x)` over the leading axis of `xs` and stacks the `y`s, and
 * `foriLoop(lower, upper, body, init)` is a scan without inputs or outputs (a `whileLoop` when a
 * bound is traced). One `scan` primitive
 * holds the body IR; its rules transform the body, so every transform composes with loops and
 * under `jit` the loop is traced once, not unrolled.
 */
import { type Array, Array as ArrayClass, ConcreteArray, fullConcrete } from "../core/array.js";
import { ShapedArray } from "../core/aval.js";
import { allocate, isFloat } from "../core/dtype.js";
import { ConcretizationError, DTypeError, ShapeError, TransformError, ValueError } from "../core/errors.js";
import { type BDim, type Params, type Primitive, type SubIrRunner, type Tangent, UndefPrimal, Zero } from "../core/primitive.js";
import { sizeOf } from "../core/shape.js";
import { bind } from "../core/trace.js";
import { scanOnnx } from "../export/onnx/control.js";
import { evalIr } from "../ir/eval.js";
import { subIrRunner } from "../ir/execute.js";
import type { Ir } from "../ir/ir.js";
import { add, lt } from "../primitives/elementwise.js";
import { moveAxis } from "../primitives/movement.js";
import { definePrimitive } from "../primitives/registry.js";
import { instantiate, zerosOf } from "../primitives/zeros.js";
import { flattenArrays, joinPath } from "../transforms/args.js";
import { jvpIrWithZeros, vmapIr } from "../transforms/ir-transforms.js";
import { partialEvalIr } from "../transforms/partial-eval.js";
import { closeIr, traceToIr } from "../transforms/stage.js";
import { backwardPass } from "../transforms/transpose.js";
import { moveBatchAxis } from "../transforms/vmap.js";
import { keyPathString, leavesWithPath, type TreeDef, unflatten } from "../tree/index.js";
import { checkCarry, promoteWeakCarry } from "./weak-carry.js";
import { whileLoop } from "./while.js";

/**
 * Inputs of a scan equation: [...consts, ...carry, ...xs]; the body maps
 * [...consts, ...carry, ...x slices] to [...carry, ...y slices].
 */
export interface ScanParams extends Params {
  body: Ir;
  numConsts: number;
  numCarry: number;
  length: number;
  reverse: boolean;
}

const stack = (a: ShapedArray, n: number) => new ShapedArray([n, ...a.shape], a.dtype, a.weakType);
const unstack = (a: ShapedArray) => new ShapedArray(a.shape.slice(1), a.dtype, a.weakType);

function scanAvals(avals: readonly ShapedArray[], p: ScanParams): ShapedArray[] {
  const { body, numConsts: nc, numCarry: nk, length } = p;
  const want = body.inAvals;
  const got = avals.map((a, i) => {
    if (i < nc + nk) return a;
    if (a.ndim === 0 || a.shape[0] !== length) {
      throw new ShapeError(`scan: every xs leaf needs a leading axis of length ${length}, got ${a.str()}`);
    }
    return unstack(a);
  });
  if (got.length !== want.length || got.some((a, i) => !a.equals(want[i]))) {
    throw new ShapeError(
      `scan: inputs ${got.map((a) => a.str()).join(", ")} do not match the body's ${want.map((a) => a.str()).join(", ")}`,
    );
  }
  const outs = body.outAvals;
  outs.slice(0, nk).forEach((a, i) => {
    if (!a.equals(want[nc + i])) {
      throw new TransformError(
        `scan: the body returns carry ${i} as ${a.str()} but takes it as ${want[nc + i].str()}; the carry must keep its shape and dtype`,
      );
    }
  });
  return [...outs.slice(0, nk), ...outs.slice(nk).map((a) => stack(a, length))];
}

/** Row `i` of a concrete array (a view: buffers are never written, so sharing is safe). */
function row(a: ConcreteArray, i: number): ConcreteArray {
  const n = sizeOf(a.shape.slice(1));
  return new ConcreteArray(a.shape.slice(1), a.dtype, a.buffer.subarray(i * n, (i + 1) * n));
}

/** A reordering of an IR's inputs/outputs, staged as an IR. */
function reorder(ir: Ir, inAvals: readonly ShapedArray[], ins: (xs: Array[]) => Array[], outs: (ys: Array[]) => Array[]): Ir {
  return closeIr(traceToIr((...xs) => outs(evalIr(ir, ins(xs))), inAvals, "scan"));
}

const take = <T>(xs: readonly T[], mask: readonly boolean[], keep: boolean) => xs.filter((_, i) => mask[i] === keep);

/** The scan loop, each step's body run by `run` (impl's evaluator, or debugNans' labelled runner). */
function runScan(args: readonly ConcreteArray[], p: ScanParams, run: SubIrRunner): ConcreteArray[] {
  const { body, numConsts: nc, numCarry: nk, length, reverse } = p;
  const outAvals = scanAvals(
    args.map((a) => a.aval),
    p,
  );
  const consts = args.slice(0, nc);
  let carry = args.slice(nc, nc + nk);
  const xs = args.slice(nc + nk);
  const ysAvals = outAvals.slice(nk);
  const ys = ysAvals.map((a) => allocate(a.dtype, a.size));
  for (let s = 0; s < length; s++) {
    const i = reverse ? length - 1 - s : s;
    const outs = run(body, [...consts, ...carry, ...xs.map((x) => row(x, i))], `scan step ${i}`);
    carry = outs.slice(0, nk);
    outs.slice(nk).forEach((y, j) => ys[j].set(y.buffer, i * y.size));
  }
  const outs = [...carry, ...ys.map((b, j) => new ConcreteArray(ysAvals[j].shape, ysAvals[j].dtype, b))];
  return outs.map((o, i) => o.withWeak(outAvals[i].weakType));
}

export const scanP: Primitive<ScanParams> = definePrimitive<ScanParams>("scan", {
  abstractEval: (avals, p) => scanAvals(avals, p),
  impl: (args, p, ev) => runScan(args, p, subIrRunner(ev)),
  enter: runScan,
  // Tangents ride along as extra consts, carry and xs of the same loop. Only nonzero ones do
  // (see jvpIr): a carry's tangent is nonzero when its initial tangent is or the body makes it
  // so from the nonzero ones (a fixpoint, as JAX's scan JVP); the others stay symbolic zeros.
  jvp: (primals, tangents, p) => {
    const { body, numConsts: nc, numCarry: nk } = p;
    const nonzero = body.inAvals.map((a, i) => isFloat(a.dtype) && !(tangents[i] instanceof Zero));
    let jz = jvpIrWithZeros(body, nonzero);
    for (;;) {
      const grow = jz.outNonzero.slice(0, nk).map((z, o) => z && !nonzero[nc + o]);
      if (!grow.includes(true)) break;
      grow.forEach((g, o) => {
        if (g) nonzero[nc + o] = true;
      });
      jz = jvpIrWithZeros(body, nonzero);
    }
    // Output tangents: a carry's iff its input tangent is nonzero; every float y's.
    const floatOut = body.outAvals.map((a, o) => (o < nk ? nonzero[nc + o] : isFloat(a.dtype)));
    const ts = tangents.map((t, i) => (nonzero[i] ? instantiate(t) : null));
    const groups = [
      [0, nc],
      [nc, nc + nk],
      [nc + nk, primals.length],
    ] as const;
    const j = jz.ir; // [...ins, ...nonzero tangents] → [...outs, ...float out tangents]
    const nIn = body.inVars.length;
    const nOut = body.outs.length;
    // Position of each input's tangent among j's tangent inputs, and of each output's among its outputs.
    const tPos: number[] = [];
    let k = 0;
    for (let i = 0; i < nIn; i++) tPos.push(nonzero[i] ? nIn + k++ : -1);
    const oPos: number[] = [];
    k = 0;
    for (let o = 0; o < nOut; o++) oPos.push(isFloat(body.outAvals[o].dtype) ? nOut + k++ : -1);
    const grp = (lo: number, hi: number) => [...Array_range(lo, hi)];
    const newOrder = groups.flatMap(([lo, hi]) => [
      ...grp(lo, hi),
      ...grp(lo, hi)
        .filter((i) => nonzero[i])
        .map((i) => tPos[i]),
    ]);
    const inAvals = newOrder.map((q) => (q < nIn ? body.inAvals[q] : body.inAvals[tPos.indexOf(q)]));
    const outOrder = [
      ...grp(0, nk),
      ...grp(0, nk)
        .filter((o) => floatOut[o])
        .map((o) => oPos[o]),
      ...grp(nk, nOut),
      ...grp(nk, nOut)
        .filter((o) => floatOut[o])
        .map((o) => oPos[o]),
    ];
    const body2 = reorder(
      j,
      inAvals,
      (xs) => {
        const byPos: Array[] = [];
        newOrder.forEach((q, i) => {
          byPos[q] = xs[i];
        });
        return byPos;
      },
      (ys) => outOrder.map((q) => ys[q]),
    );
    const args = groups.flatMap(([lo, hi]) => [
      ...primals.slice(lo, hi),
      ...grp(lo, hi)
        .filter((i) => nonzero[i])
        .map((i) => ts[i] as Array),
    ]);
    const nNonzero = (lo: number, hi: number) => grp(lo, hi).filter((i) => nonzero[i]).length;
    const outs = bind(scanP, args, {
      ...p,
      body: body2,
      numConsts: nc + nNonzero(0, nc),
      numCarry: nk + nNonzero(nc, nc + nk),
    });
    const nkf = grp(0, nk).filter((o) => floatOut[o]).length;
    const carryOut = outs.slice(0, nk);
    const carryT = outs.slice(nk, nk + nkf);
    const ysOut = outs.slice(nk + nkf, nk + nkf + (nOut - nk));
    const ysT = outs.slice(nk + nkf + (nOut - nk));
    let a = 0;
    let b = 0;
    const primalOut = [...carryOut, ...ysOut];
    const tangentOut: Tangent[] = primalOut.map((o, idx) => {
      if (!floatOut[idx]) return new Zero(o.aval);
      const t = idx < nk ? carryT[a++] : ysT[b++];
      return jz.outNonzero[idx] || idx < nk ? t : new Zero(o.aval);
    });
    return [primalOut, tangentOut];
  },
  // The scan is linear in its linear consts, carry and xs: run the transposed body backwards,
  // accumulating the consts' cotangents in the carry.
  transpose: (cts, args, p) => {
    const { body, numConsts: nc, numCarry: nk, length, reverse } = p;
    // The carry is always treated as linear: a carry that enters as a known value (e.g. a zero
    // tangent made unknown by the loop) still flows linearly; its cotangent is just dropped.
    const linear = args.map((a) => a instanceof UndefPrimal);
    const cMask = linear.slice(0, nc);
    const xMask = linear.slice(nc + nk);
    const fixedConsts = take(args.slice(0, nc), cMask, false) as Array[];
    const fixedXs = take(args.slice(nc + nk), xMask, false) as Array[];
    const linConstAvals = take(body.inAvals.slice(0, nc), cMask, true);
    const carryAvals = body.inAvals.slice(nc, nc + nk);
    const yAvals = body.outAvals.slice(nk);
    const nfc = fixedConsts.length;
    const nlc = linConstAvals.length;
    const nfx = fixedXs.length;
    // Transposed body: [fixed consts] ; carry [ct consts acc, ct carry] ; xs [fixed x, ct y]
    //   → carry [acc + ct consts, ct carry before], ys [ct x]
    const bodyT = closeIr(
      traceToIr(
        (...zs) => {
          const fc = zs.slice(0, nfc);
          const acc = zs.slice(nfc, nfc + nlc);
          const ctCarry = zs.slice(nfc + nlc, nfc + nlc + nk);
          const fx = zs.slice(nfc + nlc + nk, nfc + nlc + nk + nfx);
          const ctY = zs.slice(nfc + nlc + nk + nfx);
          let ic = 0;
          let ix = 0;
          const bodyArgs = body.inAvals.map((a, i) => {
            if (i < nc) return cMask[i] ? new UndefPrimal(a) : fc[ic++];
            if (i < nc + nk) return new UndefPrimal(a);
            return xMask[i - nc - nk] ? new UndefPrimal(a) : fx[ix++];
          });
          const ctIn = backwardPass(body, bodyArgs, [...ctCarry, ...ctY]).map(instantiate);
          const ctConsts = ctIn.slice(0, nlc);
          const ctCarryPrev = ctIn.slice(nlc, nlc + nk);
          const ctX = ctIn.slice(nlc + nk);
          return [...acc.map((a, i) => add(a, ctConsts[i])), ...ctCarryPrev, ...ctX];
        },
        [
          ...take(body.inAvals.slice(0, nc), cMask, false),
          ...linConstAvals,
          ...carryAvals,
          ...take(body.inAvals.slice(nc + nk), xMask, false),
          ...yAvals,
        ],
        "scan",
      ),
    );
    const outs = bind(
      scanP,
      [
        ...fixedConsts,
        ...linConstAvals.map((a) => zerosOf(a)),
        ...cts.slice(0, nk).map(instantiate),
        ...fixedXs,
        ...cts.slice(nk).map(instantiate),
      ],
      { body: bodyT, numConsts: nfc, numCarry: nlc + nk, length, reverse: !reverse },
    );
    const ctConsts = outs.slice(0, nlc);
    const ctInit = outs.slice(nlc, nlc + nk);
    const ctXs = outs.slice(nlc + nk);
    let a = 0;
    let b = 0;
    return args.map((arg, i) => {
      if (!(arg instanceof UndefPrimal)) return null;
      if (i < nc) return ctConsts[a++];
      if (i < nc + nk) return ctInit[i - nc];
      return ctXs[b++];
    });
  },
  // Everything is made batched (consts and carry at 0, xs at 1 behind the scan axis): the body
  // is vmapped once with every input mapped, and ys come out batched at 1.
  batch: (args, dims, p) => {
    const { body, numConsts: nc, numCarry: nk } = p;
    const i0 = dims.findIndex((d) => d !== null);
    const size = args[i0].shape[dims[i0] as number];
    const moved = args.map((a, i) => {
      if (i < nc + nk) return moveBatchAxis(a, dims[i], 0, size);
      const d = dims[i];
      if (d === null) return moveBatchAxis(a, null, 1, size);
      return moveAxis(a, d, 1);
    });
    const vb = vmapIr(
      body,
      body.inVars.map(() => 0),
      size,
    );
    const outs = bind(scanP, moved, { ...p, body: vb });
    return [outs, outs.map((_, j): BDim => (j < nk ? 0 : 1))];
  },
  // A counted loop over the body; the compiler schedules it inline (loop bodies stay compiled).
  lower: {
    kind: "loop",
    loop: (params) => {
      const { body, numConsts, numCarry, length, reverse } = params as ScanParams;
      const bodyConsts = Array_range(0, numConsts);
      return { numConsts, numCarry, body, bodyConsts, trip: { kind: "count", length, reverse } };
    },
  },
  // Reverse mode: find which carries become unknown (a fixed point), then run the known part of
  // the loop now, saving each step's residuals as extra ys, and stage the unknown (linear) part
  // as a second scan that reads them.
  partialEval: (pe, args, p) => {
    const { body, numConsts: nc, numCarry: nk, length, reverse } = p;
    const known = args.map((a) => pe.knownValue(a));
    const unknownIn = known.map((v) => v === null);
    const nOut = body.outs.length;
    let carryUk = unknownIn.slice(nc, nc + nk);
    let split = partialEvalIr(body, unknownIn, [...carryUk, ...new globalThis.Array<boolean>(nOut - nk).fill(false)]);
    for (let round = 0; round <= nk; round++) {
      const next = carryUk.map((u, i) => u || split.outUnknown[i]);
      if (next.every((u, i) => u === carryUk[i])) break;
      carryUk = next;
      const mask = [...unknownIn.slice(0, nc), ...carryUk, ...unknownIn.slice(nc + nk)];
      split = partialEvalIr(body, mask, [...carryUk, ...new globalThis.Array<boolean>(nOut - nk).fill(false)]);
    }
    const mask = [...unknownIn.slice(0, nc), ...carryUk, ...unknownIn.slice(nc + nk)];
    // Known carries that the fixed point made unknown enter the staged loop as known values.
    const ins = args.map((a, i) => (mask[i] ? a : (known[i] as Array)));
    const kMask = mask.map((u) => !u);
    const knownIns = take(ins, kMask, true);
    const nck = take(mask.slice(0, nc), kMask.slice(0, nc), true).length;
    const nkk = carryUk.filter((u) => !u).length;
    const outUk = split.outUnknown;
    const nKnownOut = outUk.filter((u) => !u).length;
    const knownOuts = bind(scanP, knownIns, { body: split.known, numConsts: nck, numCarry: nkk, length, reverse });
    const residuals = knownOuts.slice(nKnownOut); // stacked per step: [length, ...]
    const nr = split.numResiduals;
    const ucAvals = take(body.inAvals.slice(0, nc), mask.slice(0, nc), true);
    const ukAvals = body.inAvals.slice(nc, nc + nk).filter((_, i) => carryUk[i]);
    const uxAvals = take(body.inAvals.slice(nc + nk), mask.slice(nc + nk), true);
    const resAvals = split.unknown.inAvals.slice(0, nr);
    // Unknown body in scan order: [unknown consts, unknown carry, residuals, unknown xs].
    const nuc = ucAvals.length;
    const nuk = ukAvals.length;
    const unknownBody = reorder(
      split.unknown,
      [...ucAvals, ...ukAvals, ...resAvals, ...uxAvals],
      (xs) => [...xs.slice(nuc + nuk, nuc + nuk + nr), ...xs.slice(0, nuc + nuk), ...xs.slice(nuc + nuk + nr)],
      (ys) => ys,
    );
    const unknownArgs = [
      ...take(ins.slice(0, nc), mask.slice(0, nc), true),
      ...ins.slice(nc, nc + nk).filter((_, i) => carryUk[i]),
      ...residuals,
      ...take(ins.slice(nc + nk), mask.slice(nc + nk), true),
    ];
    const outAvals = scanAvals([...ucAvals, ...ukAvals, ...[...resAvals, ...uxAvals].map((a) => stack(a, length))], {
      body: unknownBody,
      numConsts: nuc,
      numCarry: nuk,
      length,
      reverse,
    });
    const staged = pe.stage(
      scanP as unknown as Primitive,
      unknownArgs,
      { body: unknownBody, numConsts: nuc, numCarry: nuk, length, reverse },
      outAvals,
    );
    let kk = 0;
    let ku = 0;
    return outUk.map((u) => (u ? staged[ku++] : pe.known(knownOuts[kk++])));
  },
  onnx: scanOnnx,
});

function Array_range(lo: number, hi: number): number[] {
  const r: number[] = [];
  for (let i = lo; i < hi; i++) r.push(i);
  return r;
}

export interface ScanOptions {
  /** The number of steps; required when there are no xs, else it must match their leading axis. */
  length?: number;
  /** Run from the last step to the first (ys are still stacked in index order). */
  reverse?: boolean;
}

/**
 * `scan(f, init, xs)`: `[carry, y] = f(carry, x)` for each row `x` of `xs` (a pytree whose leaves
 * share a leading axis), returning the final carry and the stacked `y`s. The carry must keep its
 * structure, shapes and dtypes. Traced once under `jit`; differentiable in both modes.
 * @example
 * const [total, partial] = scan((c: Array, x: Array) => [c.add(x), c.add(x)], np.array(0), np.arange(5).astype("float32"));
 * // total 10, partial [0, 1, 3, 6, 10]
 */
export function scan<C, X, Y>(f: (carry: C, x: X) => readonly [C, Y], init: C, xs: X, opts: ScanOptions = {}): [C, Y] {
  const op = "scan";
  const [initLeaves, carryDef] = flattenArrays(op, init, "init", "weak");
  const [xsLeaves, xsDef] = flattenArrays(op, xs, "xs", "weak");
  const lengths = xsLeaves.map((x) => (x.ndim === 0 ? -1 : x.shape[0]));
  let length = opts.length;
  xsLeaves.forEach((x, i) => {
    if (lengths[i] < 0)
      throw new ShapeError(`${op}: every xs leaf needs a leading axis to scan over, got a scalar ${x.aval.str()}`);
    if (length === undefined) length = lengths[i];
    else if (lengths[i] !== length) {
      const names = leavesWithPath(xs).map(([p]) => joinPath("xs", keyPathString(p)));
      throw new ShapeError(
        `${op}: every xs leaf needs the scan length as its leading axis${opts.length !== undefined ? ` (length is ${opts.length})` : ""}, ` +
          `got ${xsLeaves.map((l, k) => `${names[k]} ${l.aval.str()}`).join(", ")}; slice them to one length, or scan over them separately`,
      );
    }
  });
  if (length === undefined) throw new ValueError(`${op}: with no xs, pass { length } (the number of steps)`);
  if (!Number.isInteger(length) || length < 0)
    throw new ValueError(`${op}: length must be a non-negative integer, got ${length}`);
  const xAvals = xsLeaves.map((l) => unstack(l.aval));
  let yDef: TreeDef | undefined;
  const trace = (carryAvals: readonly ShapedArray[]) =>
    traceToIr(
      (...zs) => {
        const c = unflatten(carryDef, zs.slice(0, carryAvals.length)) as C;
        const x = unflatten(xsDef, zs.slice(carryAvals.length)) as X;
        const res = f(c, x);
        if (!globalThis.Array.isArray(res) || res.length !== 2)
          throw new TransformError(`${op}: the body must return [carry, y], got ${typeof res}`);
        const [cl, cd] = flattenArrays(op, res[0], "carry output", "weak");
        const [yl, yd] = flattenArrays(op, res[1], "y", "weak");
        yDef = yd;
        if (cd.toString() !== carryDef.toString()) {
          throw new TransformError(
            `${op}: the body returns a carry of structure ${cd} but takes ${carryDef}; the carry must keep its structure`,
          );
        }
        return [...cl, ...yl];
      },
      [...carryAvals, ...xAvals],
      op,
    );
  let carryLeaves = initLeaves;
  let staged = trace(carryLeaves.map((l) => l.aval));
  const promoted = promoteWeakCarry(carryLeaves, staged.ir.outAvals);
  if (promoted !== null) {
    carryLeaves = promoted;
    staged = trace(carryLeaves.map((l) => l.aval));
  }
  checkCarry(
    op,
    carryLeaves.map((l) => l.aval),
    staged.ir.outAvals,
  );
  // Constants the body closes over (possibly traced values) become the loop's consts.
  const consts = staged.consts;
  const body = staged.ir; // inputs [...consts, ...carry, ...x]
  const outs = bind(scanP, [...consts, ...carryLeaves, ...xsLeaves], {
    body,
    numConsts: consts.length,
    numCarry: carryLeaves.length,
    length,
    reverse: opts.reverse ?? false,
  });
  return [
    unflatten(carryDef, outs.slice(0, carryLeaves.length)) as C,
    unflatten(yDef as TreeDef, outs.slice(carryLeaves.length)) as Y,
  ];
}

type IntDType = "int32" | "uint32";
const INT_RANGE: Record<IntDType, readonly [number, number]> = { int32: [-(2 ** 31), 2 ** 31 - 1], uint32: [0, 2 ** 32 - 1] };

/** The loop index dtype: the bounds' (int32 for two JS numbers; a JS number is weak). */
function boundsDType(lower: number | Array, upper: number | Array): IntDType {
  const dtypes: IntDType[] = [];
  for (const [name, b] of [
    ["lower", lower],
    ["upper", upper],
  ] as const) {
    if (typeof b === "number") {
      if (!Number.isInteger(b)) throw new ValueError(`foriLoop: ${name} must be an integer, got ${b}`);
      continue;
    }
    if (!(b instanceof ArrayClass)) {
      throw new ValueError(`foriLoop: ${name} must be an integer JS number or an integer scalar array, got ${typeof b}`);
    }
    if (b.ndim !== 0) throw new ShapeError(`foriLoop: ${name} must be a scalar, got ${b.aval.str()}`);
    if (b.dtype !== "int32" && b.dtype !== "uint32") {
      throw new DTypeError(`foriLoop: ${name} must be an int32 or uint32 scalar, got ${b.aval.str()}; cast with astype("int32")`);
    }
    dtypes.push(b.dtype);
  }
  if (dtypes.length === 2 && dtypes[0] !== dtypes[1]) {
    throw new DTypeError(
      `foriLoop: lower and upper must have the same dtype, got ${dtypes[0]} and ${dtypes[1]}; cast one with astype`,
    );
  }
  const dtype = dtypes[0] ?? "int32";
  const [lo, hi] = INT_RANGE[dtype];
  for (const b of [lower, upper]) {
    if (typeof b === "number" && (b < lo || b > hi)) {
      throw new ValueError(`foriLoop: the bound ${b} does not fit the loop index dtype ${dtype} (the other bound's)`);
    }
  }
  return dtype;
}

/** The value of a bound if it is known now (a JS number or a concrete array), else null. */
function concreteBound(b: number | Array): number | null {
  if (typeof b === "number") return b;
  try {
    return b.toConcrete("foriLoop").item();
  } catch (e) {
    if (e instanceof ConcretizationError) return null;
    throw e;
  }
}

/**
 * `foriLoop(lower, upper, body, init)`: `carry = body(i, carry)` for i = lower … upper − 1.
 * As in JAX, when both bounds are known while tracing (JS integers, or concrete int32/uint32
 * scalar arrays such as `np.array(3, "int32")`) the loop is a `scan` of fixed length, so it is
 * differentiable in both modes and traced once under `jit`; when a bound is traced (e.g. a `jit`
 * argument) it is a `whileLoop`, which has forward mode and `vmap` but no reverse mode. `i` has
 * the bounds' dtype (int32 for JS numbers).
 * @example foriLoop(0, 5, (i, c: Array) => c.add(i), np.array(0)) // 10
 */
export function foriLoop<C>(lower: number | Array, upper: number | Array, body: (i: Array, carry: C) => C, init: C): C {
  const dtype = boundsDType(lower, upper);
  const lo = concreteBound(lower);
  const hi = concreteBound(upper);
  if (lo !== null && hi !== null) {
    const n = Math.max(0, hi - lo);
    const data = allocate(dtype, n);
    for (let k = 0; k < n; k++) data[k] = lo + k;
    const [out] = scan((c: C, i: Array) => [body(i, c), null] as const, init, new ConcreteArray([n], dtype, data));
    return out;
  }
  const asBound = (b: number | Array) => (typeof b === "number" ? fullConcrete([], dtype, b) : b);
  const one = fullConcrete([], dtype, 1);
  const [, , out] = whileLoop(
    ([i, u]: readonly [Array, Array, C]) => lt(i, u),
    ([i, u, c]: readonly [Array, Array, C]) => [add(i, one), u, body(i, c)] as const,
    [asBound(lower), asBound(upper), init] as const,
  );
  return out;
}
