/**
 * jax-js on its WebAssembly backend (single-threaded in Node: its worker pool needs the browser's
 * global `Worker`). jax-js arrays are reference-counted: passing an array to a function consumes
 * it, `.ref` keeps it alive; work is dispatched lazily and runs when a result is read, so every
 * contender settles (blockUntilReady) inside the timed region.
 */
import { blockUntilReady, defaultDevice, init, numpy as jnp, tree as jtree } from "@jax-js/jax";

let ready: Promise<void> | undefined;

/** Starts the wasm backend once and makes it the default device. */
export function jaxReady(): Promise<void> {
  ready ??= (async () => {
    const devices = await init("wasm");
    if (!devices.includes("wasm")) throw new Error(`jax-js: the wasm backend did not start (devices: ${devices.join(", ")})`);
    defaultDevice("wasm");
  })();
  return ready;
}

/** A jax-js float32 array over a copy of `data`. */
export function jf32(data: Float32Array, shape: readonly number[]): jnp.Array {
  return jnp.array(data.slice()).reshape([...shape]);
}

export function ji32(data: Int32Array, shape: readonly number[]): jnp.Array {
  return jnp.array(data.slice(), { dtype: jnp.int32 }).reshape([...shape]);
}

/** Reads (and consumes) a jax-js array as float32 values. */
export function jvalues(a: jnp.Array): Float32Array {
  return Float32Array.from(a.dataSync() as ArrayLike<number>);
}

/** Settles the outputs of a batch: waits until every leaf is computed, then frees them. */
export async function jsettle(outs: unknown[]): Promise<void> {
  await blockUntilReady(outs as jnp.Array[][]);
  jtree.dispose(outs as jnp.Array[][]);
}

export { jnp, jtree };
