// Bundled by esbuild for the browser (platform browser) and run in a bare JS realm with no
// process or require, as a page would run it.
import { grad, jit, np, vmap } from "axle";

const f = (x) => np.sum(np.sin(x).mul(x));
const x = np.array([1, 2, 3]);
globalThis.result = {
  g: grad(f)(x).toArray(),
  v: vmap(grad(f))(
    np.array([
      [1, 2],
      [3, 4],
    ]),
  ).shape,
  j: jit(f)(x).item(),
  hasProcess: typeof process !== "undefined",
};
