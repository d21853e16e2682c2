// Run with plain `node` inside a project that installed the axle tarball (no TypeScript, no
// loader): the built package must work as an ordinary dependency. fast-check is NOT installed
// here, so axle/testing must work without it and axle/testing/arbitraries must say it needs it.
import assert from "node:assert/strict";
import { Array, customJvp, datasets, grad, jit, NDArray, np, vmap } from "axle";
import { checkGrads, GradCheckError, numericalGrad } from "axle/testing";

const close = (got, want, tol, what) => {
  assert.equal(got.length, want.length, `${what}: length`);
  got.forEach((g, i) =>
    assert.ok(Math.abs(g - want[i]) <= tol * Math.max(1, Math.abs(want[i])), `${what}[${i}]: ${g} vs ${want[i]}`),
  );
};

// A gradient: d/dx sum(sin(x)·x) = sin(x) + x·cos(x).
const f = (x) => np.sum(np.sin(x).mul(x));
const xs = [1, 2, 3];
close(
  grad(f)(np.array(xs)).toArray(),
  xs.map((v) => Math.sin(v) + v * Math.cos(v)),
  1e-5,
  "grad",
);
close(
  vmap(grad(f))(np.array([xs, xs]))
    .toArray()
    .flat(),
  [...xs, ...xs].map((v) => Math.sin(v) + v * Math.cos(v)),
  1e-5,
  "vmap(grad)",
);

// A jitted gradient-descent step on least squares, y = X·[1, 2]. From w = 0 the first step is
// w − 0.02·(2/3)·Xᵀ(Xw − y) = 0.02·(2/3)·[123, 156] = [1.64, 2.08]; many steps reach [1, 2].
const loss = (w, x, y) => np.mean(np.square(x.matmul(w).sub(y)));
const step = jit((w, x, y) => w.sub(grad(loss)(w, x, y).mul(0.02)));
const X = np.array([
  [1, 2],
  [3, 4],
  [5, 6],
]);
const Y = np.array([5, 11, 17]);
let w = step(np.zeros([2]), X, Y);
close(w.toArray(), [1.64, 2.08], 1e-6, "first jitted step");
for (let i = 0; i < 3000; i++) w = step(w, X, Y);
close(w.toArray(), [1, 2], 1e-3, "trained weights");
assert.ok(loss(w, X, Y).item() < 1e-6, "trained loss");

// NDArray is the Array class under a name that does not shadow the global one.
assert.equal(NDArray, Array);
assert.ok(w instanceof NDArray);

// The vendored data file ships in the package.
assert.deepEqual(datasets.digits().images.shape, [1797, 64]);

// axle/testing without fast-check: checkGrads passes a right derivative, catches a wrong one.
checkGrads((x) => np.tanh(x), [np.array([0.1, -0.7], "float64")], { order: 2 });
const wrong = customJvp(
  (x) => np.sin(x),
  ([x], [t]) => [np.sin(x), t.mul(np.sin(x))],
);
assert.throws(() => checkGrads(wrong, [np.array([0.3, 1.1], "float64")]), GradCheckError);
close(numericalGrad((x) => np.sum(np.square(x)), [np.array([1, 2], "float64")])[0].toArray(), [2, 4], 1e-6, "numericalGrad");

// The arbitraries subpath needs the optional peer dependency, and the error says which.
await assert.rejects(
  import("axle/testing/arbitraries"),
  (e) => e.code === "ERR_MODULE_NOT_FOUND" && /'fast-check'/.test(e.message),
);

console.log("node: ok");
