/**
 * The JS-facing float32 matmul: owns one growable WebAssembly.Memory and one instance of the
 * blocked SIMD kernel (matmul.ts), copies the operands in, runs, and copies the result out.
 * Browser-safe; the module is ~2 KB, under Chromium's 4 KB limit for synchronous compilation
 * on the main thread.
 */
import { ShapeError, ValueError } from "../../../core/errors.js";
import {
  buildSgemmModule,
  DEFAULT_BLOCKING,
  EPILOGUE_BIAS,
  EPILOGUE_RELU,
  type MatmulBlocking,
  relaxedSimdSupported,
  workBytes,
} from "./matmul.js";

export interface SgemmOptions {
  /** `a` holds Aᵀ, row-major [k, m]: computes Aᵀ·B (dot_general contracting [[0], [0]]). */
  readonly transA?: boolean;
  /** `b` holds Bᵀ, row-major [n, k]: computes A·Bᵀ (contracting [[1], [1]]). */
  readonly transB?: boolean;
  /** Number of independent products stored back to back in a, b and the result. */
  readonly batch?: number;
  /** Added to every row of the result (length n), before `relu`. */
  readonly bias?: Float32Array;
  /** max(·, 0) on the result (NaN stays NaN, as jnp.maximum). */
  readonly relu?: boolean;
}

/** The blocking used by default: a 6×8 FMA tile where relaxed SIMD validates, else 4×8 mul+add. */
export function defaultBlocking(): MatmulBlocking {
  return relaxedSimdSupported() ? { ...DEFAULT_BLOCKING, mr: 6, mc: 120, fma: true } : DEFAULT_BLOCKING;
}

/** The exported kernel: sgemm(m, n, k, a, rsA, csA, b, rsB, csB, c, ldc, bias, flags, work). */
export type SgemmExport = (...args: number[]) => void;

/** Element strides (row, column) of A's and B's elements for the transposition options. */
export function operandStrides(m: number, k: number, n: number, transA: boolean, transB: boolean) {
  return {
    rsA: transA ? 1 : k,
    csA: transA ? m : 1,
    rsB: transB ? 1 : n,
    csB: transB ? k : 1,
  };
}

const MAX_BYTES = 2 ** 31;

/** One product (or a batch of them) laid out in the kernel's memory, ready to run. */
export interface SgemmCall {
  readonly m: number;
  readonly n: number;
  readonly k: number;
  readonly a: number;
  readonly rsA: number;
  readonly csA: number;
  readonly b: number;
  readonly rsB: number;
  readonly csB: number;
  readonly c: number;
  readonly bias: number;
  readonly flags: number;
  readonly batch: number;
}

/** Bytes at the start of the memory kept for callers (the thread pool's control block). */
export const RESERVED_BYTES = 4096;

export interface SgemmSetup {
  readonly blocking?: MatmulBlocking;
  /** The memory to work in (shared for threads); a private growable one by default. */
  readonly memory?: WebAssembly.Memory;
  /** Work areas to reserve after RESERVED_BYTES (one per thread). */
  readonly workAreas?: number;
}

export class Sgemm {
  readonly blocking: MatmulBlocking;
  readonly memory: WebAssembly.Memory;
  readonly module: WebAssembly.Module;
  protected readonly fn: SgemmExport;
  protected readonly workSize: number;
  private readonly dataStart: number;

  constructor(setup: SgemmSetup = {}) {
    this.blocking = setup.blocking ?? defaultBlocking();
    this.memory = setup.memory ?? new WebAssembly.Memory({ initial: 1 });
    const shared = typeof SharedArrayBuffer !== "undefined" && this.memory.buffer instanceof SharedArrayBuffer;
    this.module = new WebAssembly.Module(
      buildSgemmModule(this.blocking, { shared, maximum: shared ? SHARED_MAX_PAGES : undefined }),
    );
    const inst = new WebAssembly.Instance(this.module, { env: { memory: this.memory } });
    this.fn = inst.exports.sgemm as SgemmExport;
    this.workSize = Math.ceil(workBytes(this.blocking) / 64) * 64;
    this.dataStart = RESERVED_BYTES + this.workSize * (setup.workAreas ?? 1);
  }

  /** Byte offset of work area `i`. */
  protected workArea(i: number): number {
    return RESERVED_BYTES + i * this.workSize;
  }

  private ensure(bytes: number): void {
    const limit = Math.min(MAX_BYTES, this.memoryLimit());
    if (bytes > limit) {
      throw new ValueError(
        `matmul: operands of ${bytes} bytes exceed the ${limit} bytes the Wasm kernel's memory can hold; split the product`,
      );
    }
    const have = this.memory.buffer.byteLength;
    if (have < bytes) this.memory.grow(Math.ceil((bytes - have) / 65536));
  }

  /** Largest memory this instance may grow to. */
  protected memoryLimit(): number {
    return MAX_BYTES;
  }

  /** Runs the laid-out call on this thread: every batch item, all rows. */
  protected execute(call: SgemmCall): void {
    this.runRows(call, 0, call.m, 0, call.batch, this.workArea(0));
  }

  /** Rows [i0, i1) of batch items [t0, t1) with the given work area. */
  protected runRows(call: SgemmCall, i0: number, i1: number, t0: number, t1: number, work: number): void {
    const { m, n, k, a, rsA, csA, b, rsB, csB, c, bias, flags } = call;
    for (let t = t0; t < t1; t++) {
      const at = a + 4 * (t * m * k + i0 * rsA);
      this.fn(i1 - i0, n, k, at, rsA, csA, b + 4 * t * k * n, rsB, csB, c + 4 * (t * m * n + i0 * n), n, bias, flags, work);
    }
  }

  /** C = op(A)·op(B) (+ bias) (relu) for row-major float32 operands; a new array of batch·m·n. */
  matmul(a: Float32Array, b: Float32Array, m: number, k: number, n: number, opts: SgemmOptions = {}): Float32Array {
    const batch = opts.batch ?? 1;
    const dims = [m, k, n, batch];
    if (!dims.every((d) => Number.isInteger(d) && d >= 0))
      throw new ShapeError(`matmul: bad dimensions m=${m} k=${k} n=${n} batch=${batch}`);
    const [sa, sb] = [batch * m * k, batch * k * n];
    if (a.length !== sa || b.length !== sb) {
      throw new ShapeError(
        `matmul: operand sizes ${a.length} and ${b.length} do not match batch=${batch}, m=${m}, k=${k}, n=${n} ` +
          `(expected ${sa} and ${sb})`,
      );
    }
    if (opts.bias && opts.bias.length !== n) throw new ShapeError(`matmul: bias has ${opts.bias.length} values for n=${n}`);
    const sc = batch * m * n;
    const out = new Float32Array(sc);
    if (sc === 0) return out;
    const flags = (opts.bias ? EPILOGUE_BIAS : 0) | (opts.relu ? EPILOGUE_RELU : 0);
    if (k === 0) {
      // An empty sum: zeros, then the epilogue.
      for (let i = 0; i < sc; i++) {
        const v = opts.bias ? opts.bias[i % n] : 0;
        out[i] = opts.relu ? (v < 0 ? 0 : v) : v;
      }
      return out;
    }
    const pa = this.dataStart;
    const pb = pa + 4 * sa;
    const pc = pb + 4 * sb;
    const pbias = pc + 4 * sc;
    this.ensure(pbias + 4 * n + 64);
    const buf = this.memory.buffer;
    new Float32Array(buf, pa, sa).set(a);
    new Float32Array(buf, pb, sb).set(b);
    if (opts.bias) new Float32Array(buf, pbias, n).set(opts.bias);
    const strides = operandStrides(m, k, n, !!opts.transA, !!opts.transB);
    this.execute({ m, n, k, a: pa, b: pb, c: pc, bias: pbias, flags, batch, ...strides });
    out.set(new Float32Array(this.memory.buffer, pc, sc));
    return out;
  }
}

/** Pages a shared memory may grow to (1 GiB, reserved up front by engines). */
export const SHARED_MAX_PAGES = 16384;

let shared: Sgemm | null = null;

/** One process-wide instance (its memory is reused across calls). */
export function sgemm(): Sgemm {
  shared ??= new Sgemm();
  return shared;
}
