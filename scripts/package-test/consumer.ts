// Type-checked in a fresh project against the installed package's .d.ts, under strict,
// noUncheckedIndexedAccess and exactOptionalPropertyTypes (skipLibCheck off, so axle's own
// declarations are checked under those flags too). Not run; node-check.mjs covers behaviour.
import { datasets, grad, jit, type NDArray, nn, np, optim, random, ShapeError, tree, valueAndGrad, vmap } from "axle";
import { checkGrads, GradCheckError, numericalGrad } from "axle/testing";

// Importing NDArray leaves the global Array alone.
const plain: Array<number> = [1, 2, 3];
export const isList: boolean = Array.isArray(plain);

type Params = { w: NDArray; b: NDArray };
const loss = (p: Params, x: NDArray, y: NDArray): NDArray => np.mean(np.square(x.matmul(p.w).add(p.b).sub(y)));
const params: Params = { w: np.zeros([2]), b: np.array(0) };
const xs = np.array([
  [1, 2],
  [3, 4],
]);
const ys = np.array([5, 11]);

export const g: Params = grad(loss)(params, xs, ys);
const [value, g2] = valueAndGrad(loss)(params, xs, ys);
export const total: number = value.item() + g2.w.sum().item();
export const perExample: NDArray = vmap(grad(loss), { inAxes: [null, 0, 0] })(params, xs, ys).w;

const opt = optim.adam(0.1);
const trainStep = jit((p: Params, s: ReturnType<typeof opt.init>, x: NDArray, y: NDArray) => {
  const [updates, next] = opt.update(grad(loss)(p, x, y), s, p);
  return [optim.applyUpdates(p, updates), next] as const;
});
export const [trained] = trainStep(params, opt.init(params), xs, ys);

const net = nn.mlp([4, 8, 3]);
const [, netParams] = net.init(random.key(0), [2, 4]);
export const logits: NDArray = net.apply(netParams, random.normal(random.key(1), [2, 4]));
export const scaled = tree.map((a: NDArray) => a.mul(2), params);
export const digitsShape: readonly number[] = datasets.digits().images.shape;
export const shapeErr: Error = new ShapeError("example");

checkGrads((x: NDArray) => np.tanh(x), [np.array([0.1, 0.2], "float64")], { order: 2 });
export const numeric: [NDArray] = numericalGrad((x: NDArray) => np.sum(np.square(x)), [np.array([1, 2], "float64")]);
export const isCheckError = (e: unknown): boolean => e instanceof GradCheckError;
