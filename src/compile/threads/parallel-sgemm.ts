/**
 * float32 matmul on several threads over one shared WebAssembly.Memory. Every worker
 * instantiates the same sgemm module on the same memory and waits on its control slot with
 * `Atomics.wait`; a call writes each worker's share (a block of rows of C, or a range of batch
 * items) into its slot, wakes it, computes its own share on the caller's thread, and waits
 * for the others. Workers pack their own panels in their own work areas, so shares never
 * write to the same bytes. Small products (below `minFlops`) and calls made before the workers
 * have started stay on the caller's thread; without a thread platform (browsers, no
 * SharedArrayBuffer) use `Sgemm` from backends/wasm/sgemm.ts.
 */
import type { MatmulBlocking } from "../backends/wasm/matmul.js";
import { defaultBlocking, Sgemm, type SgemmCall, SHARED_MAX_PAGES } from "../backends/wasm/sgemm.js";
import { type ThreadPlatform, threadPlatform, type WorkerHandle } from "./platform.js";

// Control slot of one worker (Int32 indices; 32 ints = 128 bytes per worker, at the memory's start).
const SLOT_BYTES = 128;
const SEQ = 0; // bumped by the caller for each task
const DONE = 1; // set to SEQ by the worker when finished
const STATUS = 2; // 0 ok, 1 the task threw
const READY = 3; // 1 once the worker waits for tasks
const ARGS = 4; // m n k a rsA csA b rsB csB c ldc bias flags work count strideA strideB strideC

// The worker's own source. It reaches worker_threads through process.getBuiltinModule (Node ≥
// 20.16), so a browser bundle, which contains this string but never runs it, holds no require.
const WORKER_SOURCE = `"use strict";
const { workerData } = process.getBuiltinModule("worker_threads");
const { module, memory, slot } = workerData;
const sgemm = new WebAssembly.Instance(module, { env: { memory } }).exports.sgemm;
const ctl = new Int32Array(memory.buffer, slot, 32);
Atomics.store(ctl, ${READY}, 1);
Atomics.notify(ctl, ${READY});
let seen = 0;
for (;;) {
  Atomics.wait(ctl, ${SEQ}, seen);
  const seq = Atomics.load(ctl, ${SEQ});
  if (seq === seen) continue;
  seen = seq;
  let status = 0;
  try {
    const [m, n, k, a, rsA, csA, b, rsB, csB, c, ldc, bias, flags, work, count, sa, sb, sc] = ctl.subarray(${ARGS}, ${ARGS + 18});
    for (let t = 0; t < count; t++) sgemm(m, n, k, a + t * sa, rsA, csA, b + t * sb, rsB, csB, c + t * sc, ldc, bias, flags, work);
  } catch (e) {
    status = 1;
  }
  Atomics.store(ctl, ${STATUS}, status);
  Atomics.store(ctl, ${DONE}, seq);
  Atomics.notify(ctl, ${DONE});
}
`;

export interface ParallelSgemmOptions {
  /** Threads including the caller's (default: the platform's cores, at most 8). */
  readonly threads?: number;
  /** Products with fewer FLOPs (2·m·n·k·batch) run on the caller's thread only. */
  readonly minFlops?: number;
  readonly blocking?: MatmulBlocking;
}

interface Worker {
  readonly handle: WorkerHandle;
  readonly ctl: Int32Array;
  alive: boolean;
}

/** A share of a call: rows [i0, i1) of batch items [t0, t1). */
interface Share {
  readonly i0: number;
  readonly i1: number;
  readonly t0: number;
  readonly t1: number;
}

/**
 * Measured on the 2-core machine: a call split in two costs ~70 µs more than half the work
 * (waking the worker, packing B twice), so two threads win from ~8 MFLOP (n ≈ 160) up.
 */
export const DEFAULT_MIN_FLOPS = 2 ** 23;

export class ParallelSgemm extends Sgemm {
  private readonly workers: Worker[];
  readonly threads: number;
  readonly minFlops: number;
  /** Shares completed by workers (not by the caller's thread) so far. */
  workerShares = 0;

  constructor(platform: ThreadPlatform, opts: ParallelSgemmOptions = {}) {
    const threads = Math.max(1, Math.floor(opts.threads ?? Math.min(8, platform.cores)));
    const blocking = opts.blocking ?? defaultBlocking();
    const memory = new WebAssembly.Memory({ initial: 1, maximum: SHARED_MAX_PAGES, shared: true });
    if (threads * SLOT_BYTES > 4096) throw new RangeError(`parallel sgemm: at most ${4096 / SLOT_BYTES} threads`);
    super({ blocking, memory, workAreas: threads });
    this.threads = threads;
    this.minFlops = opts.minFlops ?? DEFAULT_MIN_FLOPS;
    this.workers = Array.from({ length: threads - 1 }, (_, w) => {
      const slot = (w + 1) * SLOT_BYTES;
      const handle = platform.spawn(WORKER_SOURCE, { module: this.module, memory, slot });
      // Idle workers must not keep the process alive.
      handle.unref();
      const worker: Worker = { handle, ctl: new Int32Array(memory.buffer, slot, SLOT_BYTES / 4), alive: true };
      handle.onExit(() => {
        worker.alive = false;
      });
      return worker;
    });
  }

  protected override memoryLimit(): number {
    return SHARED_MAX_PAGES * 65536;
  }

  /** Workers that have started and not failed. */
  readyWorkers(): number {
    return this.workers.filter((w) => w.alive && Atomics.load(w.ctl, READY) === 1).length;
  }

  /** Blocks until every worker has started (or `timeoutMs` passed); returns how many are ready. */
  waitUntilReady(timeoutMs = 5000): number {
    const end = Date.now() + timeoutMs;
    for (const w of this.workers) {
      while (w.alive && Atomics.load(w.ctl, READY) !== 1 && Date.now() < end) Atomics.wait(w.ctl, READY, 0, 20);
    }
    return this.readyWorkers();
  }

  /** Splits rows in MR-aligned blocks, or batch items when the matrices are short. */
  private shares(call: SgemmCall, parts: number): Share[] {
    const { mr } = this.blocking;
    if (call.m >= 2 * parts * mr || call.batch < parts) {
      const per = Math.ceil(call.m / parts / mr) * mr;
      const out: Share[] = [];
      for (let i0 = 0; i0 < call.m; i0 += per) out.push({ i0, i1: Math.min(call.m, i0 + per), t0: 0, t1: call.batch });
      return out;
    }
    const per = Math.ceil(call.batch / parts);
    const out: Share[] = [];
    for (let t0 = 0; t0 < call.batch; t0 += per) out.push({ i0: 0, i1: call.m, t0, t1: Math.min(call.batch, t0 + per) });
    return out;
  }

  protected override execute(call: SgemmCall): void {
    const flops = 2 * call.m * call.n * call.k * call.batch;
    const ready = flops < this.minFlops ? [] : this.workers.filter((w) => w.alive && Atomics.load(w.ctl, READY) === 1);
    if (ready.length === 0) return super.execute(call);
    const shares = this.shares(call, ready.length + 1);
    const sent: { w: Worker; seq: number; share: Share }[] = [];
    shares.slice(1).forEach((share, i) => {
      const w = ready[i];
      const { m, n, k, a, rsA, csA, b, rsB, csB, c, bias, flags } = call;
      const args = [
        share.i1 - share.i0,
        n,
        k,
        a + 4 * (share.t0 * m * k + share.i0 * rsA),
        rsA,
        csA,
        b + 4 * share.t0 * k * n,
        rsB,
        csB,
        c + 4 * (share.t0 * m * n + share.i0 * n),
        n,
        bias,
        flags,
        this.workArea(this.workers.indexOf(w) + 1),
        share.t1 - share.t0,
        4 * m * k,
        4 * k * n,
        4 * m * n,
      ];
      w.ctl.set(args, ARGS);
      const seq = (Atomics.load(w.ctl, SEQ) + 1) | 0 || 1;
      Atomics.store(w.ctl, SEQ, seq);
      Atomics.notify(w.ctl, SEQ);
      sent.push({ w, seq, share });
    });
    const own = shares[0];
    this.runRows(call, own.i0, own.i1, own.t0, own.t1, this.workArea(0));
    // Generous deadline: a worker slower than 0.1 GFLOP/s is taken for dead and its share redone here.
    const deadline = Date.now() + 10_000 + flops / 1e8;
    for (const { w, seq, share } of sent) {
      while (Atomics.load(w.ctl, DONE) !== seq && Date.now() < deadline)
        Atomics.wait(w.ctl, DONE, Atomics.load(w.ctl, DONE), 100);
      if (Atomics.load(w.ctl, DONE) !== seq || Atomics.load(w.ctl, STATUS) !== 0) {
        w.alive = false;
        w.handle.terminate();
        this.runRows(call, share.i0, share.i1, share.t0, share.t1, this.workArea(0));
      } else this.workerShares++;
    }
  }

  /** Stops the workers; later calls run on the caller's thread. */
  close(): void {
    for (const w of this.workers) {
      w.alive = false;
      w.handle.terminate();
    }
  }
}

let shared: Sgemm | null = null;

/**
 * The process-wide matmul: parallel over a shared memory where a thread platform exists
 * (Node), else the single-threaded kernel. Workers start on first use.
 */
export function parallelSgemm(): Sgemm {
  if (!shared) {
    const platform = threadPlatform();
    try {
      shared = platform && platform.cores > 1 ? new ParallelSgemm(platform) : new Sgemm();
    } catch {
      // A shared memory reserves its maximum up front, which a tight address-space limit refuses.
      shared = new Sgemm();
    }
  }
  return shared;
}
