/**
 * The editable loss cell: the user's source is an arrow function `(p, x, y) => scalar` over a
 * logistic-regression model on the XOR inputs; we show its IR, its gradient's IR and their values.
 * The code runs through `new Function` in a dedicated worker (the page terminates it on a
 * timeout), sees only the names passed in, and every failure comes back as a message, not a throw.
 */
import { grad, makeIr, NDArray, nn, np, random, tree } from "../src/index.js";

export const DEFAULT_LOSS = `// p = { w: f32[2], b: f32[] }, x: f32[4,2] (the XOR inputs), y: f32[4]
(p, x, y) => {
  const yHat = np.sigmoid(x.matmul(p.w).add(p.b));
  return np.mean(np.square(yHat.sub(y)));
}`;

export interface CellResult {
  ok: boolean;
  /** The error's class and message when `ok` is false. */
  error?: string;
  /** Where it failed: "syntax", "loss" (calling or tracing it) or "grad". */
  stage?: "syntax" | "loss" | "grad";
  value?: number;
  lossIr?: string;
  gradIr?: string;
  grads?: { w: number[]; b: number };
}

function describeError(e: unknown): string {
  if (e instanceof Error) return `${e.name}: ${e.message}`;
  return `thrown value: ${String(e)}`;
}

type Params = { w: NDArray; b: NDArray };
type Loss = (p: Params, x: NDArray, y: NDArray) => NDArray;

/** Compile the user's source to a function; globals a worker has are shadowed by undefined. */
function compile(source: string): Loss {
  const shadowed = ["self", "globalThis", "postMessage", "close", "importScripts", "fetch"];
  const make = new Function("np", "nn", "random", "tree", ...shadowed, `"use strict";\nreturn (\n${source}\n);`);
  const f: unknown = make(np, nn, random, tree, ...shadowed.map(() => undefined));
  if (typeof f !== "function") throw new TypeError(`the cell must be a function (p, x, y) => loss, got ${typeof f}`);
  return f as Loss;
}

/** Evaluate the cell at fixed parameters w = [0.5, -0.3], b = 0.1 on the XOR patterns. */
export function evaluateCell(source: string): CellResult {
  let loss: Loss;
  try {
    loss = compile(source);
  } catch (e) {
    return { ok: false, stage: "syntax", error: describeError(e) };
  }
  const p: Params = { w: np.array([0.5, -0.3]), b: np.array(0.1) };
  const x = np.array([
    [0, 0],
    [0, 1],
    [1, 0],
    [1, 1],
  ]);
  const y = np.array([0, 1, 1, 0]);
  const out: CellResult = { ok: true };
  try {
    const v = loss(p, x, y);
    if (!(v instanceof NDArray)) {
      throw new TypeError(`the loss must return an axle array (a scalar), got ${v === null ? "null" : typeof v}`);
    }
    if (v.ndim !== 0) {
      throw new TypeError(`the loss must return a scalar, got shape [${v.shape}]; reduce it, e.g. with np.mean(…)`);
    }
    out.lossIr = makeIr(loss)(p, x, y).toString();
    out.value = v.item();
  } catch (e) {
    return { ok: false, stage: "loss", error: describeError(e) };
  }
  try {
    const g = grad(loss)(p, x, y);
    out.gradIr = makeIr(grad(loss))(p, x, y).toString();
    out.grads = { w: g.w.toArray() as number[], b: g.b.item() };
  } catch (e) {
    return { ...out, ok: false, stage: "grad", error: describeError(e) };
  }
  return out;
}
