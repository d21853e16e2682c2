/**
 * Fused eager elementwise kernels in WebAssembly (src/primitives/eager-fusion.ts calls them):
 * one module per expression structure, exporting `run(n, leaf pointers…, output pointers…)`,
 * f32x4/i32x4 lanes with a scalar tail, operands of size 1 loaded once and splatted. All of them
 * work in one growable memory: a call copies its operands in, runs and copies its outputs out.
 *
 * Only expressions the Wasm code computes bit for bit as the JS renderer (core/scalar-js.ts) are
 * accepted (`exactInWasm`): float32 + − × ÷ √, min, max, abs, neg, floor, ceil, round, sign are
 * correctly rounded in Wasm, which equals JS's float64 operation rounded once to float32; int32
 * and bool operations are exact. exp, log, sin, tanh… (math.ts is within 1–2 ulp of `Math.*`, not
 * equal to it) and float32 powers (multiplied in float32 here, `Math.pow` rounded once in JS)
 * stay on the JS kernels, so eager results never depend on which kernel ran.
 */
import type { DType, TypedArray } from "../../../core/dtype.js";
import type { ScalarExpr } from "../../../core/scalar.js";
import { hoist, load, store } from "./access.js";
import { type Code, type Local, ModuleBuilder } from "./encoder.js";
import { branchOnSubnormal, ExprEmitter, hasFloatArithmetic, unsupported } from "./expr.js";

const BYTES: Partial<Record<DType, number>> = { float32: 4, int32: 4, bool: 1 };
const INEXACT_UNARY = new Set(["exp", "log", "log1p", "expm1", "sin", "cos", "tan", "tanh", "logistic"]);

/**
 * The memory stays allocated once grown (Wasm memories do not shrink), so calls needing more
 * than this run on the JS kernels instead.
 */
export const EAGER_MAP_MAX_BYTES = 64 * 2 ** 20;

/** Whether every node of `roots` is computed here exactly as the JS renderer computes it. */
export function exactInWasm(roots: readonly ScalarExpr[]): boolean {
  for (const r of roots) if (unsupported(r, false) !== null) return false;
  const seen = new Set<ScalarExpr>();
  const ok = (n: ScalarExpr): boolean => {
    if (seen.has(n)) return true;
    seen.add(n);
    switch (n.k) {
      case "input":
        return true;
      case "const":
        // A float32 constant is emitted as f32; JS would use the double literal.
        return n.dtype !== "float32" || Number.isNaN(n.value) || Math.fround(n.value) === n.value;
      case "unary":
        return !INEXACT_UNARY.has(n.op) && ok(n.x);
      case "ipow":
        return n.dtype !== "float32" && ok(n.x);
      case "cast":
        return ok(n.x);
      case "binary":
      case "compare":
        return ok(n.a) && ok(n.b);
      case "select":
        return ok(n.cond) && ok(n.a) && ok(n.b);
    }
  };
  return roots.every(ok);
}

/** `n` iterations of `body`, `n` a runtime count held in `count` (consumed). */
function loopN(c: Code, count: Local, body: () => void): void {
  c.block("void", (exit) => {
    c.get(count).i32.eqz().br_if(exit);
    c.loop("void", (top) => {
      body();
      c.get(count).i32.const(1).i32.sub().tee(count).br_if(top);
    });
  });
}

function buildModule(
  roots: readonly ScalarExpr[],
  leafDtypes: readonly DType[],
  scalarMask: readonly boolean[],
  outDtypes: readonly DType[],
): Uint8Array<ArrayBuffer> {
  const mb = new ModuleBuilder();
  mb.importMemory("env", "memory", { initial: 1 });
  const vector = roots.every((r) => unsupported(r, true) === null);
  const nl = leafDtypes.length;
  const params = ["i32" as const, ...leafDtypes.map(() => "i32" as const), ...outDtypes.map(() => "i32" as const)];
  const f = mb.func("run", { params, results: [] }, (c, ps) => {
    const n = ps[0];
    const leafPtr = ps.slice(1, 1 + nl);
    const outPtr = ps.slice(1 + nl);
    const hoisted = leafDtypes.map((d, k) => (scalarMask[k] ? hoist(c, leafPtr[k], d, vector) : null));
    const loadAll = (vec: boolean) =>
      leafDtypes.map((d, k) => {
        const h = hoisted[k];
        if (h !== null) return vec ? (h.vec as Local) : h.scalar;
        const l = c.local(vec ? "v128" : d === "float32" ? "f32" : "i32");
        c.get(leafPtr[k]);
        load(c, d, vec);
        c.set(l);
        return l;
      });
    const body = (vec: boolean, wide = false) => compute(vec, loadAll(vec), wide);
    // As in compiled maps (program.ts): a vector with a subnormal float32 lane computes in float64
    // halves, same bits, without x86's microcode assists.
    const guard = vector && leafDtypes.includes("float32") && roots.some(hasFloatArithmetic);
    const guarded = () => {
      const loaded = loadAll(true);
      branchOnSubnormal(
        c,
        loaded.filter((_, k) => leafDtypes[k] === "float32"),
        () => compute(true, loaded, true),
        () => compute(true, loaded, false),
      );
    };
    const compute = (vec: boolean, loaded: readonly Local[], wide: boolean) => {
      const ex = new ExprEmitter(mb, c, vec, (k) => c.get(loaded[k]), undefined, wide);
      ex.emitEach(roots, (k, push) => {
        c.get(outPtr[k]);
        push();
        store(c, outDtypes[k], vec);
      });
      const lanes = vec ? 4 : 1;
      const bump = (p: Local, d: DType) =>
        c
          .get(p)
          .i32.const(lanes * (BYTES[d] as number))
          .i32.add()
          .set(p);
      leafDtypes.forEach((d, k) => {
        if (!scalarMask[k]) bump(leafPtr[k], d);
      });
      outDtypes.forEach((d, k) => bump(outPtr[k], d));
    };
    const count = c.local("i32");
    if (vector) {
      c.get(n).i32.const(2).i32.shr_u().set(count);
      loopN(c, count, () => (guard ? guarded() : body(true)));
      c.get(n).i32.const(3).i32.and().set(count);
    } else c.get(n).set(count);
    loopN(c, count, () => body(false, guard));
  });
  mb.exportFunc(f);
  return mb.toBytes();
}

/** A fused kernel: computes its outputs (fresh typed arrays of `n` elements) from the leaves. */
export type EagerMapKernel = (n: number, leaves: readonly TypedArray[]) => TypedArray[];

let memory: WebAssembly.Memory | null = null;
let unavailable: string | null = null;

const align = (x: number) => (x + 15) & ~15;

function outView(d: DType, buf: ArrayBuffer, at: number, n: number): TypedArray {
  if (d === "float32") return new Float32Array(buf, at, n);
  if (d === "int32") return new Int32Array(buf, at, n);
  return new Uint8Array(buf, at, n);
}

/**
 * The kernel for `roots` over leaves of `leafDtypes` (`scalarMask[k]`: leaf k has one element,
 * read at every position), or null when Wasm cannot run it bit for bit or cannot run at all.
 */
export function eagerMapKernel(
  roots: readonly ScalarExpr[],
  leafDtypes: readonly DType[],
  scalarMask: readonly boolean[],
  outDtypes: readonly DType[],
): EagerMapKernel | null {
  if (unavailable !== null) return null;
  if (![...leafDtypes, ...outDtypes].every((d) => BYTES[d] !== undefined) || !exactInWasm(roots)) return null;
  let run: (...args: number[]) => void;
  try {
    memory ??= new WebAssembly.Memory({ initial: 1 });
    const module = new WebAssembly.Module(buildModule(roots, leafDtypes, scalarMask, outDtypes));
    run = new WebAssembly.Instance(module, { env: { memory } }).exports.run as (...args: number[]) => void;
  } catch (e) {
    // A module too large to compile synchronously (Chromium's main thread allows 4 KB): this
    // kernel runs in JS. Anything else (no WebAssembly, a Content-Security-Policy without
    // 'wasm-unsafe-eval') will fail again, so stop trying; the JS kernels compute the same values.
    if (e instanceof RangeError) return null;
    unavailable = e instanceof Error ? e.message : String(e);
    return null;
  }
  const mem = memory;
  return (n, leaves) => {
    const args: number[] = [n];
    let end = 0;
    for (const l of leaves) {
      args.push(end);
      end = align(end + l.byteLength);
    }
    const outAt: number[] = [];
    for (const d of outDtypes) {
      outAt.push(end);
      args.push(end);
      end = align(end + n * (BYTES[d] as number));
    }
    if (end > mem.buffer.byteLength) mem.grow(Math.ceil((end - mem.buffer.byteLength) / 65536));
    const bytes = new Uint8Array(mem.buffer);
    leaves.forEach((l, k) => {
      bytes.set(new Uint8Array(l.buffer, l.byteOffset, l.byteLength), args[1 + k]);
    });
    run(...args);
    return outDtypes.map((d, k) => outView(d, mem.buffer, outAt[k], n).slice());
  };
}

/** Bytes a call of `n` elements over `leaves` needs in the shared memory. */
export function eagerMapBytes(n: number, leaves: readonly TypedArray[], outDtypes: readonly DType[]): number {
  let end = 0;
  for (const l of leaves) end = align(end + l.byteLength);
  for (const d of outDtypes) end = align(end + n * (BYTES[d] ?? 8));
  return end;
}

/** Why the Wasm kernels are not used (null when they are available or untried). */
export function eagerMapUnavailable(): string | null {
  return unavailable;
}
