/**
 * TensorFlow.js with its WebAssembly backend (SIMD; one thread, as Node has no browser
 * `Worker` for its thread pool) and its plain-JS cpu backend. The backend is a process-wide
 * setting, so each TF.js contender switches to its own backend before its (untimed) batch set-up,
 * and keeps its tensors on that backend. The .wasm binaries load from the local node_modules.
 */
import { createRequire } from "node:module";
import path from "node:path";
// The union package: tfjs-core alone registers no gradients, and its ES build does not load in Node.
import * as tf from "@tensorflow/tfjs";
import { setWasmPaths } from "@tensorflow/tfjs-backend-wasm";

export type TfBackend = "wasm" | "cpu";
export const TF_BACKENDS: readonly TfBackend[] = ["wasm", "cpu"];
export const tfName = (b: TfBackend) => `TF.js ${b}`;

let ready: Promise<void> | undefined;

/** Initialises both backends once (wasm from node_modules, never from the network). */
export function tfReady(): Promise<void> {
  ready ??= (async () => {
    const require = createRequire(import.meta.url);
    const dir = path.join(path.dirname(require.resolve("@tensorflow/tfjs-backend-wasm/package.json")), "dist") + path.sep;
    setWasmPaths(dir);
    // TF.js's documented fast path: production mode skips its debug-time correctness checks
    // (and the console note that suggests tfjs-node, which is not a peer here).
    tf.enableProdMode();
    for (const b of TF_BACKENDS) {
      if (!(await tf.setBackend(b))) throw new Error(`TF.js: backend '${b}' did not initialise`);
    }
    await tf.ready();
  })();
  return ready;
}

/** Switches TF.js to backend `b` (both are initialised by tfReady, so this is cheap). */
export async function useTf(b: TfBackend): Promise<void> {
  await tfReady();
  if (tf.getBackend() !== b && !(await tf.setBackend(b))) throw new Error(`TF.js: cannot switch to '${b}'`);
}

export function tvalues(t: tf.Tensor): Float32Array {
  return Float32Array.from(t.dataSync() as ArrayLike<number>);
}

export { tf };
