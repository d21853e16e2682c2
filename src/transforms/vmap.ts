/** Vectorising map: the batching interpreter. Each primitive's batch rule does the work. */
import { Array } from "../core/array.js";
import { ShapedArray } from "../core/aval.js";
import { ConcretizationError, TransformError, withTransformContext } from "../core/errors.js";
import type { BDim, Params, Primitive } from "../core/primitive.js";
import { bind, fullLower, fullRaise, type MainTrace, newMain, Trace, Tracer } from "../core/trace.js";
import { broadcastInDim, moveAxis } from "../primitives/movement.js";
import { keyPathString, leaves, type TreeDef, unflatten } from "../tree/index.js";
import { flattenArrays, joinPath, splitLeaves } from "./args.js";
import type { AnyFn, ArgsOf } from "./types.js";

export class BatchTracer extends Tracer {
  constructor(
    readonly trace: BatchTrace,
    readonly val: Array,
    readonly bdim: BDim,
  ) {
    super();
  }
  get aval(): ShapedArray {
    const a = this.val.aval;
    if (this.bdim === null) return a;
    return new ShapedArray(
      a.shape.filter((_, i) => i !== this.bdim),
      a.dtype,
      a.weakType,
    );
  }
  protected get transformName(): string {
    return "vmap";
  }
  override toConcrete(op: string): never {
    throw new ConcretizationError(
      `${op}: cannot read the value of a batched array ${this.aval.str()} inside vmap: it stands for one ` +
        "example of many. Use np.where(cond, a, b) instead of a JS if/ternary on array values.",
    );
  }
  override fullLower(): Array {
    return this.bdim === null ? fullLower(this.val) : this;
  }
}

export class BatchTrace extends Trace {
  get axisSize(): number {
    return this.main.globalData as number;
  }
  pure(x: Array): Array {
    return new BatchTracer(this, x, null);
  }
  processPrimitive(prim: Primitive, tracers: readonly Array[], params: Params): Array[] {
    const ts = tracers as BatchTracer[];
    const vals = ts.map((t) => t.val);
    const dims = ts.map((t) => t.bdim);
    if (dims.every((d) => d === null)) return bind(prim, vals, params);
    const [outs, outDims] = prim.batch(vals, dims, params);
    return outs.map((o, i) => new BatchTracer(this, o, outDims[i]));
  }
}

/** Move (or create, by broadcasting) the batch dimension of `x` to `to`. */
export function moveBatchAxis(x: Array, from: BDim, to: number, size: number): Array {
  if (from === null) {
    const shape = [...x.shape];
    shape.splice(to, 0, size);
    const dims = x.shape.map((_, i) => (i < to ? i : i + 1));
    return broadcastInDim(x, shape, dims);
  }
  return moveAxis(x, from, to);
}

/**
 * vmap of a flat function with per-argument input axes (null: not mapped) and output axes. An
 * output axis counts in the result, whose rank is the example's rank + 1: -1 puts the mapped axis
 * last. `outName(i)` names output i in errors.
 */
export function vmapFlat(
  f: (...args: Array[]) => Array[],
  axisSize: number,
  inAxes: readonly BDim[],
  args: readonly Array[],
  outAxes: (nOut: number) => readonly BDim[],
  outName: (i: number) => string = (i) => `output ${i}`,
): Array[] {
  const [vals, dims] = newMain(BatchTrace, axisSize, (main: MainTrace) => {
    const trace = new BatchTrace(main);
    const ins = args.map((x, i) => (inAxes[i] === null ? x : new BatchTracer(trace, x, inAxes[i])));
    const outs = f(...ins).map((o) => fullRaise(trace, o) as BatchTracer);
    return [outs.map((t) => t.val), outs.map((t) => t.bdim)] as const;
  });
  const want = outAxes(vals.length);
  return vals.map((v, i) => {
    const to = want[i];
    if (to === null) {
      if (dims[i] !== null) {
        throw new TransformError(
          `vmap: an output with outAxes null depends on the mapped inputs (${outName(i)}); give it an axis`,
        );
      }
      return v;
    }
    const example =
      dims[i] === null
        ? v.aval
        : new ShapedArray(
            v.shape.filter((_, k) => k !== dims[i]),
            v.dtype,
          );
    const rank = example.ndim + 1;
    if (!Number.isInteger(to) || to < -rank || to >= rank) {
      throw new TransformError(
        `vmap: outAxes ${to} for ${outName(i)} (${example.str()} per example) is out of range: the result has rank ${rank}, ` +
          `so the mapped axis can go at ${-rank}..${rank - 1}`,
      );
    }
    return moveBatchAxis(v, dims[i], to < 0 ? to + rank : to, axisSize);
  });
}

// ---- The pytree-level `vmap` ----

/** Per-argument axes: a number (all leaves), null (broadcast), or a tree prefix of them. */
export type AxisSpec = number | null | readonly AxisSpec[] | { readonly [key: string]: AxisSpec };

export interface VmapOptions {
  /** One spec for every argument, or a list with one spec per argument (default 0). */
  inAxes?: AxisSpec;
  /** Where the mapped axis goes in the outputs (default 0): a number, null, or a tree prefix. */
  outAxes?: AxisSpec;
}

function isPlain(x: unknown): x is Record<string, unknown> {
  return (
    x !== null &&
    typeof x === "object" &&
    !(x instanceof Array) &&
    !globalThis.Array.isArray(x) &&
    Object.getPrototypeOf(x) === Object.prototype
  );
}

/** Expand an axis spec over a tree's leaves (in flatten order), naming the path on mismatch. */
function expandSpec(op: string, spec: AxisSpec, tree: unknown, path: string): BDim[] {
  if (spec === null || typeof spec === "number") return leaves(tree).map(() => spec);
  if (globalThis.Array.isArray(spec)) {
    if (!globalThis.Array.isArray(tree) || tree.length !== spec.length) {
      throw new TransformError(
        `${op}: the axis spec at ${path || "the top"} is a list of ${spec.length}, but the value there is ` +
          `${globalThis.Array.isArray(tree) ? `a list of ${tree.length}` : describeValue(tree)}; specs must be a prefix of the arguments' structure`,
      );
    }
    return spec.flatMap((s, i) => expandSpec(op, s as AxisSpec, tree[i], `${path}[${i}]`));
  }
  if (!isPlain(tree)) {
    throw new TransformError(
      `${op}: the axis spec at ${path || "the top"} is an object, but the value there is ${describeValue(tree)}`,
    );
  }
  const keys = Object.keys(tree).sort();
  const specKeys = Object.keys(spec).sort();
  if (keys.join(",") !== specKeys.join(",")) {
    throw new TransformError(
      `${op}: the axis spec at ${path || "the top"} has keys [${specKeys}] but the value has keys [${keys}]`,
    );
  }
  const rec = spec as { readonly [key: string]: AxisSpec };
  return keys.flatMap((k) => expandSpec(op, rec[k], tree[k], `${path}.${k}`));
}

function describeValue(x: unknown): string {
  if (x instanceof Array) return `an array ${x.aval.str()}`;
  if (x === null || x === undefined) return String(x);
  return typeof x === "object" ? "an object" : typeof x;
}

/**
 * Vectorise `f` over a mapped axis of its arguments: `vmap(f)(xs)` equals stacking `f(x_i)`.
 * `inAxes` picks the axis per argument (null: not mapped, the same value for every example).
 * @example vmap((x: Array) => x.sum())(np.ones([4, 3])) // shape [4]
 */
export function vmap<F extends AnyFn>(f: F, opts: VmapOptions = {}): (...args: ArgsOf<F>) => ReturnType<F> {
  return (...args: ArgsOf<F>) => {
    const op = "vmap";
    const inAxes = opts.inAxes === undefined ? 0 : opts.inAxes; // null is a spec (not mapped), not a default
    let perArg: AxisSpec[];
    if (globalThis.Array.isArray(inAxes)) {
      if (inAxes.length !== args.length) {
        throw new TransformError(
          `${op}: inAxes has ${inAxes.length} entries but the function was called with ${args.length} argument(s); give one spec per argument`,
        );
      }
      perArg = [...(inAxes as AxisSpec[])];
    } else {
      perArg = args.map(() => inAxes);
    }
    const flats = args.map((a, i) => flattenArrays(op, a, `argument ${i}`, "weak"));
    const axes = args.map((a, i) => expandSpec(op, perArg[i], a, `argument ${i}`));
    // Leaf paths only for messages: computing them per leaf made vmap quadratic in the leaves.
    const leafName = (i: number, j: number) => joinPath(`argument ${i}`, keyPathString(flats[i][1].leafPaths()[j]));
    const mapped = (i: number, j: number, d: number) =>
      `${leafName(i, j)} (${flats[i][0][j].aval.str()}) has size ${flats[i][0][j].shape[d]} at axis ${d}`;
    let size: number | undefined;
    let first: readonly [number, number, number] | undefined;
    const leavesIn: Array[] = [];
    const dims: BDim[] = [];
    flats.forEach(([ls], i) => {
      ls.forEach((l, j) => {
        let d = axes[i][j];
        if (d !== null) {
          if (!Number.isInteger(d) || d < -l.ndim || d >= l.ndim) {
            throw new TransformError(
              `${op}: in axis ${d} for ${leafName(i, j)} (${l.aval.str()}) is out of range for its rank ${l.ndim} ` +
                `(valid axes are ${-l.ndim}..${l.ndim - 1}, or null to leave it unmapped)`,
            );
          }
          if (d < 0) d += l.ndim;
          const n = l.shape[d];
          if (first === undefined) {
            size = n;
            first = [i, j, d];
          } else if (n !== size) {
            throw new TransformError(
              `${op}: the mapped axes have different sizes: ${mapped(...first)}, but ${mapped(i, j, d)}; every mapped ` +
                "input must have the batch size along its mapped axis (inAxes picks the axis; null leaves an input unmapped)",
            );
          }
        }
        leavesIn.push(l);
        dims.push(d);
      });
    });
    if (size === undefined) {
      throw new TransformError(`${op}: no argument is mapped (every in axis is null); map at least one argument`);
    }
    const layout = { defs: flats.map(([, d]) => d), counts: flats.map(([l]) => l.length) };
    let outDef: TreeDef | undefined;
    let outTree: unknown;
    const fFlat = (...xs: Array[]): Array[] => {
      const out = withTransformContext(op, () => (f as unknown as (...a: unknown[]) => unknown)(...splitLeaves(xs, layout)));
      const [ol, od] = flattenArrays(op, out, "output", "weak");
      outDef = od;
      outTree = out;
      return ol;
    };
    const outs = vmapFlat(
      fFlat,
      size,
      dims,
      leavesIn,
      () => expandSpec(op, opts.outAxes === undefined ? 0 : opts.outAxes, outTree, "outAxes"),
      (i) => joinPath("output", keyPathString((outDef as TreeDef).leafPaths()[i])),
    );
    return unflatten(outDef as TreeDef, outs) as ReturnType<F>;
  };
}
