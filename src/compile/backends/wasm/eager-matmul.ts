/**
 * The Wasm float32 matmul as seen by eager `dot_general`: which instance to use for a product
 * of a given size, or null when the Wasm kernel cannot run here (no WebAssembly, or a
 * Content-Security-Policy without 'wasm-unsafe-eval'), in which case eager code keeps the
 * reference kernel. Small products stay single-threaded so that no worker starts for them.
 */
import { DEFAULT_MIN_FLOPS, parallelSgemm } from "../../threads/parallel-sgemm.js";
import { Sgemm, sgemm } from "./sgemm.js";

/**
 * Products with fewer multiply-adds (m·k·n·batch) stay on the reference kernel: below this the
 * copy into Wasm memory and the call cost about what the float64 JS loop does.
 */
export const EAGER_WASM_MIN_MACS = 4096;

let unavailable: string | null = null;

/** The kernel for a product of `macs` multiply-adds, or null to use the reference kernel. */
export function eagerSgemm(macs: number): Sgemm | null {
  if (unavailable !== null || macs < EAGER_WASM_MIN_MACS) return null;
  try {
    return 2 * macs >= DEFAULT_MIN_FLOPS ? parallelSgemm() : sgemm();
  } catch (e) {
    // Compiling or instantiating failed once: it will fail again, so stop trying.
    unavailable = e instanceof Error ? e.message : String(e);
    return null;
  }
}

/** Why the Wasm kernel is not used (null when it is available or untried). */
export function eagerSgemmUnavailable(): string | null {
  return unavailable;
}

export { Sgemm };
