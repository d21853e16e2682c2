/**
 * Eager elementwise fusion. Outside every transform, an elementwise primitive on a large array
 * does not run its kernel at once: it returns an array whose buffer is pending, a node holding
 * the primitive's scalar expression and its operands. When something reads the buffer
 * (`ConcreteArray.buffer`: `data()`, `item()`, printing, a non-elementwise kernel, a jitted
 * call…), the pending nodes behind it are rendered into one generated loop and computed in one
 * pass, as jax-js and tinygrad do. Because the fused loop evaluates the same scalar expressions
 * with the same rounding of every node to its dtype (`core/scalar-js.ts`), its results are bit for
 * bit those of running each primitive's own kernel in turn.
 *
 * Shape and dtype errors are still raised at the call: the primitive's `abstractEval` runs there.
 */
import { EAGER_MAP_MAX_BYTES, type EagerMapKernel, eagerMapBytes, eagerMapKernel } from "../compile/backends/wasm/eager-map.js";
import { ConcreteArray, type Pending } from "../core/array.js";
import type { ShapedArray } from "../core/aval.js";
import type { DType, TypedArray } from "../core/dtype.js";
import type { Params, Primitive } from "../core/primitive.js";
import { dagKey, input, type ScalarExpr, shareCommonAll, substitute } from "../core/scalar.js";
import { renderJsMany } from "../core/scalar-js.js";
import { sizeOf } from "../core/shape.js";
import { eagerFusion } from "../core/trace.js";
import { type FlatKernel, type FusedKernelCaches, runFused, type StridedKernel } from "./elementwise-kernel.js";

/** Tuning of eager fusion (internal: tests and benchmarks change it; users have no reason to). */
export const eagerFusionOptions = {
  enabled: true,
  /**
   * Results with fewer elements run at once. Deferring costs a few microseconds per primitive
   * (the node, and at the end the fused kernel's cache key), which only pays off when the
   * passes over memory it saves cost more.
   */
  minSize: 32768,
  /**
   * The most pending primitives computed by one kernel. Reaching it computes the operands first,
   * so the graph a pending array holds stays bounded (and with it the work of building its key
   * and the depth of the generated expression).
   */
  maxOps: 64,
  /** Fused kernels kept (least recently used dropped first), so a training loop generates each once. */
  cacheSize: 256,
  /**
   * Run fused kernels whose every operation Wasm computes exactly as JS does (float32 + − × ÷ √,
   * min, max…; int32; bool) as f32x4/i32x4 Wasm, when the operands are not broadcast.
   */
  wasm: true,
};

/** A small least-recently-used map (a `Map` keeps insertion order; a hit moves to the end). */
class LruCache<V> {
  readonly #map = new Map<string, V>();
  constructor(readonly capacity: () => number) {}
  get(key: string): V | undefined {
    const v = this.#map.get(key);
    if (v !== undefined) {
      this.#map.delete(key);
      this.#map.set(key, v);
    }
    return v;
  }
  set(key: string, value: V): void {
    this.#map.set(key, value);
    while (this.#map.size > Math.max(1, this.capacity())) {
      this.#map.delete(this.#map.keys().next().value as string);
    }
  }
  get size(): number {
    return this.#map.size;
  }
  clear(): void {
    this.#map.clear();
  }
}

const caches = {
  flat: new LruCache<FlatKernel>(() => eagerFusionOptions.cacheSize),
  strided: new LruCache<StridedKernel>(() => eagerFusionOptions.cacheSize),
} satisfies FusedKernelCaches;
/** Wasm kernels by structure and layout; "js" where the expression has no exact Wasm form. */
const wasmCache = new LruCache<EagerMapKernel | "js">(() => eagerFusionOptions.cacheSize);

/** Internal statistics, for tests: kernels generated and fused passes run. */
export const eagerFusionStats = {
  /** Primitive applications deferred (returned a pending array). */
  deferred: 0,
  kernelsRun: 0,
  /** Fused kernels in the caches now. */
  wasmRun: 0,
  get cachedKernels(): number {
    return caches.flat.size + caches.strided.size + wasmCache.size;
  },
  clearCache(): void {
    caches.flat.clear();
    caches.strided.clear();
    wasmCache.clear();
  },
};

/**
 * One deferred primitive application. Its operands of the output's shape may be pending too;
 * the pending nodes reachable that way form the *region* one kernel computes.
 */
class FusedNode implements Pending {
  /** The operands, until the result is computed (then dropped, so they can be collected). */
  args: ConcreteArray[] | null;
  /** The output element over `input(i)` = operand i's element. */
  readonly local: ScalarExpr;
  readonly aval: ShapedArray;
  /** Operand slots of not-yet-computed nodes that read this one (decides what a kernel writes out). */
  uses = 0;
  result: TypedArray | undefined = undefined;
  /** How the arrays this node reads list it among their readers (`computePendingReaders`). */
  readonly ref: WeakRef<FusedNode> = new WeakRef(this);

  constructor(args: ConcreteArray[], local: ScalarExpr, aval: ShapedArray) {
    this.args = args;
    this.local = local;
    this.aval = aval;
  }

  force(): TypedArray {
    if (this.result === undefined) computeRegion(this);
    return this.result as TypedArray;
  }
}

/** The node behind `a` when `a`'s buffer is still to be computed by a fused kernel. */
function pendingNode(a: ConcreteArray): FusedNode | null {
  const p = a.pending;
  return p instanceof FusedNode && p.result === undefined ? p : null;
}

/** How many distinct pending nodes `roots` reach (stopping once over `limit`). */
function regionSize(roots: readonly FusedNode[], limit: number): number {
  const seen = new Set<FusedNode>();
  const stack = [...roots];
  while (stack.length > 0) {
    const n = stack.pop() as FusedNode;
    if (seen.has(n)) continue;
    seen.add(n);
    if (seen.size > limit) break;
    for (const a of n.args as ConcreteArray[]) {
      const p = pendingNode(a);
      if (p !== null) stack.push(p);
    }
  }
  return seen.size;
}

/**
 * Internal, for tests: how many pending primitive applications computing `a` would run (0 when
 * its buffer exists).
 */
export function pendingRegionSize(a: ConcreteArray): number {
  const p = pendingNode(a);
  return p === null ? 0 : regionSize([p], Number.POSITIVE_INFINITY);
}

/** For each array, the pending nodes that read it (weakly: a dropped node is garbage). */
const readers = new WeakMap<ConcreteArray, Set<WeakRef<FusedNode>>>();

function addReader(a: ConcreteArray, node: FusedNode): void {
  let set = readers.get(a);
  if (set === undefined) readers.set(a, (set = new Set()));
  set.add(node.ref);
  // Computed nodes leave their sets (computeRegion); nodes dropped unread are swept out here
  // now and then, so a long-lived array (a parameter read every step) keeps a small set.
  if (set.size % 64 === 0) {
    for (const r of set) {
      const n = r.deref();
      if (n === undefined || n.result !== undefined) set.delete(r);
    }
  }
}

/** Internal, for tests: how many entries `a`'s list of pending readers holds. */
export function readerEntries(a: ConcreteArray): number {
  return readers.get(a)?.size ?? 0;
}

/**
 * Compute every pending value that still reads `a`, so that `a`'s buffer may be reused
 * afterwards (a jitted call donating it): a value deferred before the donation must see `a`'s
 * values from before it.
 */
export function computePendingReaders(a: ConcreteArray): void {
  const set = readers.get(a);
  if (set === undefined) return;
  readers.delete(a);
  for (const ref of set) {
    const n = ref.deref();
    if (n !== undefined && n.result === undefined) n.force();
  }
}

function defer(prim: Primitive, args: readonly ConcreteArray[], params: Params): ConcreteArray | null {
  const opts = eagerFusionOptions;
  if (!opts.enabled) return null;
  // Cheap test first, so small eager code pays one loop: an output this small runs now. (An
  // outer product of small operands is not deferred; it runs now, as before.)
  let big = false;
  for (const a of args) if (a.size >= opts.minSize) big = true;
  if (!big) return null;
  const [aval] = prim.abstractEval(
    args.map((a) => a.aval),
    params,
  ); // raises shape/dtype errors here, at the call
  const size = sizeOf(aval.shape);
  if (size < Math.max(1, opts.minSize)) return null;
  const lower = prim.lower;
  if (lower.kind !== "elementwise") return null;
  const local = lower.scalar(params, ...args.map((a, i) => input(i, a.dtype)));
  // A primitive that passes an operand through (stop_gradient, a conversion to its own dtype)
  // shares its buffer in its kernel; nothing to fuse.
  if (local.k === "input") return null;
  // Pending operands broadcast into a larger output are computed now: fused, their expression
  // would be recomputed at every broadcast position.
  const fused: FusedNode[] = [];
  for (const a of args) {
    const p = pendingNode(a);
    if (p === null) continue;
    if (a.size !== size) p.force();
    else {
      fused.push(p);
      p.uses++; // counted before any forcing below, so a kernel writes out what this node reads
    }
  }
  // A region at its bound: compute the operands now and start a new region here.
  if (fused.length > 0 && regionSize(fused, opts.maxOps - 1) > opts.maxOps - 1) {
    for (const p of fused) p.force();
  }
  eagerFusionStats.deferred++;
  const node = new FusedNode([...args], local, aval);
  for (const a of args) addReader(a, node);
  return ConcreteArray.ofPending(aval, node);
}

/**
 * Compute `root` with one generated kernel: its region's expressions substituted into one
 * another, over the region's materialised operands (the leaves). A node of the region that a
 * node outside it still reads is written out by the same kernel, so it is never computed twice.
 */
function computeRegion(root: FusedNode): void {
  // Post-order over the region: operands before their readers.
  const order: FusedNode[] = [];
  const state = new Map<FusedNode, boolean>(); // false: on the stack; true: done
  const internalUses = new Map<FusedNode, number>();
  const stack: [FusedNode, number][] = [[root, 0]];
  state.set(root, false);
  while (stack.length > 0) {
    const top = stack[stack.length - 1];
    const [n, i] = top;
    const args = n.args as ConcreteArray[];
    if (i < args.length) {
      top[1]++;
      const p = pendingNode(args[i]);
      if (p === null) continue;
      internalUses.set(p, (internalUses.get(p) ?? 0) + 1);
      if (!state.has(p)) {
        state.set(p, false);
        stack.push([p, 0]);
      }
    } else {
      stack.pop();
      state.set(n, true);
      order.push(n);
    }
  }
  // Leaves: materialised operands, each read once however many nodes read it.
  const leaves: ConcreteArray[] = [];
  const leafIndex = new Map<ConcreteArray, number>();
  const exprs = new Map<FusedNode, ScalarExpr>();
  const argExpr = (a: ConcreteArray): ScalarExpr => {
    const p = pendingNode(a);
    if (p !== null) return exprs.get(p) as ScalarExpr;
    let k = leafIndex.get(a);
    if (k === undefined) {
      k = leaves.length;
      leaves.push(a);
      leafIndex.set(a, k);
    }
    return input(k, a.dtype);
  };
  for (const n of order) exprs.set(n, substitute(n.local, (n.args as ConcreteArray[]).map(argExpr)));
  // Outputs: the root, and nodes some pending array outside the region reads.
  const outs = order.filter((n) => n === root || n.uses > (internalUses.get(n) ?? 0));
  const roots = shareCommonAll(outs.map((n) => exprs.get(n) as ScalarExpr));
  const key = dagKey(roots);
  const outDtypes = outs.map((n) => n.aval.dtype);
  const bufs =
    runWasm(key, roots, root.aval.shape, leaves, outDtypes) ??
    runFused(key, () => renderJsMany(roots, (i) => `x${i}`), outDtypes, root.aval.shape, leaves, caches);
  eagerFusionStats.kernelsRun++;
  outs.forEach((n, i) => {
    n.result = bufs[i];
    for (const a of n.args as ConcreteArray[]) {
      const p = pendingNode(a);
      if (p !== null) p.uses--;
      readers.get(a)?.delete(n.ref);
    }
    n.args = null;
  });
}

/** The outputs computed by a Wasm kernel, or null where one cannot compute them exactly. */
function runWasm(
  key: string,
  roots: readonly ScalarExpr[],
  shape: readonly number[],
  leaves: readonly ConcreteArray[],
  outDtypes: readonly DType[],
): TypedArray[] | null {
  if (!eagerFusionOptions.wasm) return null;
  const size = sizeOf(shape);
  let k = key;
  for (const a of leaves) {
    // An operand of the output's size has its layout (it differs at most by leading 1-dims); a
    // broadcast one takes the JS kernel's strided loop.
    if (a.size !== 1 && a.size !== size) return null;
    k += `|${a.dtype}${a.size === 1 ? "s" : ""}`;
  }
  for (const d of outDtypes) k += `|${d}`;
  let kernel = wasmCache.get(k);
  if (kernel === undefined) {
    const mask = leaves.map((a) => a.size === 1);
    kernel =
      eagerMapKernel(
        roots,
        leaves.map((a) => a.dtype),
        mask,
        outDtypes,
      ) ?? "js";
    wasmCache.set(k, kernel);
  }
  if (kernel === "js") return null;
  const bufs = leaves.map((a) => a.buffer);
  if (eagerMapBytes(size, bufs, outDtypes) > EAGER_MAP_MAX_BYTES) return null;
  eagerFusionStats.wasmRun++;
  return kernel(size, bufs);
}

eagerFusion.defer = defer;
