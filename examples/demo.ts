/**
 * A tour of axle in one file: arrays, broadcasting, reductions, grad, vmap for per-example
 * gradients, jit, and the IR behind a function. Run with `npm run demo`.
 */
import { type Array, grad, jit, makeIr, np, valueAndGrad, vmap } from "../src/index.js";

function section(title: string): void {
  console.log(`\n=== ${title} ===`);
}

section("Arrays");
const x = np.array([
  [1, 2, 3],
  [4, 5, 6],
]);
console.log(`x =\n${x}`);
console.log(`shape ${JSON.stringify(x.shape)}, dtype ${x.dtype}`);
console.log(`np.arange(5) = ${np.arange(5)}`);
console.log(`np.linspace(0, 1, 5) = ${np.linspace(0, 1, 5)}`);

section("Broadcasting (a row added to every row, a column scaling every column)");
const row = np.array([10, 20, 30]);
const col = np.array([[1], [-1]]);
console.log(`x + [10, 20, 30] =\n${x.add(row)}`);
console.log(`x * [[1], [-1]] =\n${x.mul(col)}`);
console.log(`x * 0.5 stays ${x.mul(0.5).dtype} (JS numbers are weak scalars)`);

section("Reductions");
console.log(`sum(x) = ${np.sum(x).item()}`);
console.log(`sum(x, axis 0) = ${np.sum(x, 0)}`);
console.log(`mean(x, axis 1, keepdims) =\n${np.mean(x, 1, { keepdims: true })}`);
console.log(`argmax(x, axis 1) = ${np.argmax(x, 1)}`);

section("grad of a least-squares loss");
// Fit w so that xs @ w ≈ ys.
const xs = np.array([
  [1, 0, 2],
  [0, 1, 1],
  [1, 1, 0],
  [2, 1, 1],
]);
const ys = np.array([5, 2.5, 3, 6.5]); // = xs @ [2, 1, 1.5]
const loss = (w: Array, xb: Array, yb: Array): Array => np.mean(np.square(xb.matmul(w).sub(yb)));
let w = np.zeros([3]);
const [l0, g0] = valueAndGrad(loss)(w, xs, ys);
console.log(`loss(w=0) = ${l0.item().toFixed(4)}`);
console.log(`dloss/dw   = ${g0}`);

section("vmap: per-example gradients");
const exampleLoss = (wv: Array, xi: Array, yi: Array): Array => np.square(np.dot(xi, wv).sub(yi));
const perExample = vmap(grad(exampleLoss), { inAxes: [null, 0, 0] })(w, xs, ys);
console.log(`one gradient row per example, shape ${JSON.stringify(perExample.shape)}:\n${perExample}`);
console.log(`their mean equals grad of the mean loss: ${np.allclose(np.mean(perExample, 0), g0)}`);

section("jit: a compiled gradient-descent step");
const step = jit((wv: Array, xb: Array, yb: Array): Array => wv.sub(grad(loss)(wv, xb, yb).mul(0.1)));
for (let i = 0; i < 300; i++) w = step(w, xs, ys);
console.log(`after 300 steps: w = ${w}, loss = ${loss(w, xs, ys).item().toFixed(6)}`);
console.log("(the data were made with w = [2, 1, 1.5])");

section("The IR (what jit traces)");
console.log(makeIr(loss)(w, xs, ys).toString());
console.log("\nand the IR of grad(loss):");
console.log(makeIr(grad(loss))(w, xs, ys).toString());
