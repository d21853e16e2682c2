/**
 * Immutability: no op, transform, optimizer, tree function, dataset helper or jitted program
 * writes to anything it is given, and no later call changes what an earlier one returned. Every
 * value a test hands over (arrays, their containers, tangents, cotangents, closed-over
 * constants, optimizer states of earlier steps) is fingerprinted first — per array its aval and
 * a 64-bit FNV-1a hash of the bytes of a `data()` copy of its buffer, per container its keys,
 * frozenness and the identity of its children — and checked after every call. Writing into a
 * `data()` or `toArray()` copy, or into the typed array / list an array was made from, never
 * changes the array.
 */
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import {
  Array as AxArray,
  AxleError,
  cond,
  customJvp,
  customVjp,
  datasets,
  foriLoop,
  grad,
  hessian,
  jacfwd,
  jacrev,
  jit,
  jvp,
  linearize,
  nn,
  np,
  optim,
  random,
  scan,
  tree,
  valueAndGrad,
  vjp,
  vmap,
  whileLoop,
} from "../../src/index.js";
import { arrays, arrayTrees } from "../../src/testing/arbitraries/index.js";
import { tally } from "./tally.js";

const count = tally("immutability");

/** Runs per property; AXLE_RELIABILITY_RUNS=N runs longer. */
const RUNS = Number(process.env.AXLE_RELIABILITY_RUNS ?? 60);

// ---------------------------------------------------------------------------------------------
// Fingerprints.

/** FNV-1a over the bytes, in two 32-bit lanes with different offsets (a 64-bit fingerprint). */
function hashBytes(view: ArrayBufferView): string {
  const bytes = new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ bytes.length;
  for (let i = 0; i < bytes.length; i++) {
    a = Math.imul(a ^ bytes[i], 0x01000193) >>> 0;
    b = Math.imul(b ^ bytes[i] ^ (i & 0xff), 0x01000193) >>> 0;
  }
  return `${a.toString(16)}${b.toString(16)}`;
}

const ids = new WeakMap<object, number>();
let nextId = 0;
const idOf = (o: object) => {
  let id = ids.get(o);
  if (id === undefined) ids.set(o, (id = ++nextId));
  return id;
};

/** Everything observable about a value: arrays by content and identity, containers by shape. */
function fingerprint(x: unknown): string {
  const parts: string[] = [];
  const seen = new Set<object>();
  const visit = (v: unknown, path: string): void => {
    if (v instanceof AxArray) {
      parts.push(`${path}=#${idOf(v)} ${v.aval.str()} ${hashBytes(v.data())}`);
      return;
    }
    if (v !== null && typeof v === "object") {
      if (seen.has(v)) return void parts.push(`${path}=cycle`);
      seen.add(v);
      if (ArrayBuffer.isView(v)) return void parts.push(`${path}=#${idOf(v)} ${v.constructor.name} ${hashBytes(v)}`);
      const keys = Object.keys(v);
      parts.push(`${path}=#${idOf(v)} ${Array.isArray(v) ? "list" : "object"}(${keys})${Object.isFrozen(v) ? " frozen" : ""}`);
      for (const k of keys) visit((v as Record<string, unknown>)[k], `${path}.${k}`);
      return;
    }
    parts.push(`${path}=${typeof v}:${String(v)}`);
  };
  visit(x, "");
  return parts.join("\n");
}

/** Values under watch: `check` fails naming the value that changed and the call that changed it. */
class Watch {
  readonly #entries: [string, unknown, string][] = [];
  add<T>(name: string, value: T): T {
    this.#entries.push([name, value, fingerprint(value)]);
    return value;
  }
  check(after: string): void {
    count("calls checked");
    count("fingerprints compared", this.#entries.length);
    for (const [name, value, fp] of this.#entries) expect(fingerprint(value), `${name} changed by ${after}`).toBe(fp);
  }
}

/** Call `f`; an AxleError (an invalid random combination) is fine, anything else is a failure. */
function attempt(f: () => unknown): unknown {
  try {
    return f();
  } catch (e) {
    if (e instanceof AxleError) return undefined;
    throw e;
  }
}

// ---------------------------------------------------------------------------------------------
// np: random programs over a pool of arrays; every array ever produced stays as it was.

type PoolOp = [name: string, arity: 1 | 2 | 3, f: (...xs: AxArray[]) => unknown];

const first = (x: AxArray) => (x.ndim > 0 ? x : x.reshape(1));
const NP_OPS: PoolOp[] = [
  ...(
    [
      "add",
      "subtract",
      "multiply",
      "divide",
      "floorDivide",
      "power",
      "maximum",
      "minimum",
      "equal",
      "notEqual",
      "less",
      "lessEqual",
      "greater",
      "greaterEqual",
      "logicalAnd",
      "logicalOr",
      "logicalXor",
      "isclose",
      "matmul",
      "dot",
      "vdot",
      "inner",
      "outer",
    ] as const
  ).map((n): PoolOp => [n, 2, (a, b) => (np[n] as (a: AxArray, b: AxArray) => unknown)(a, b)]),
  ...(
    [
      "negative",
      "abs",
      "sign",
      "exp",
      "log",
      "log1p",
      "expm1",
      "sqrt",
      "rsqrt",
      "sin",
      "cos",
      "tan",
      "tanh",
      "sigmoid",
      "log2",
      "log10",
      "square",
      "reciprocal",
      "floor",
      "ceil",
      "round",
      "isfinite",
      "isnan",
      "isinf",
      "logicalNot",
      "stopGradient",
      "sum",
      "mean",
      "prod",
      "max",
      "min",
      "argmax",
      "argmin",
      "var",
      "std",
      "logsumexp",
      "cumsum",
      "transpose",
      "squeeze",
      "flip",
      "ravel",
      "zerosLike",
      "onesLike",
    ] as const
  ).map((n): PoolOp => [n, 1, (a) => (np[n] as (a: AxArray) => unknown)(a)]),
  ["where", 3, (c, a, b) => np.where(c, a, b)],
  ["clip", 3, (x, lo, hi) => np.clip(x, lo, hi)],
  ["allclose", 2, (a, b) => np.allclose(a, b)],
  ["arrayEqual", 2, (a, b) => np.arrayEqual(a, b)],
  ["sum0-keepdims", 1, (a) => np.sum(first(a), 0, { keepdims: true })],
  ["var-ddof", 1, (a) => np.var(a, null, { ddof: 1 })],
  ["reshape", 1, (a) => np.reshape(a, [-1])],
  ["moveaxis", 1, (a) => np.moveaxis(first(a), 0, -1)],
  ["swapaxes", 1, (a) => np.swapaxes(first(a), 0, -1)],
  ["expandDims", 1, (a) => np.expandDims(a, 0)],
  ["broadcastTo", 1, (a) => np.broadcastTo(a, [2, ...a.shape])],
  ["broadcastArrays", 2, (a, b) => np.broadcastArrays(a, b)],
  ["concatenate", 2, (a, b) => np.concatenate([first(a), first(b)])],
  ["stack", 2, (a, b) => np.stack([a, b])],
  ["split", 1, (a) => np.split(first(a), 1)],
  ["slice", 1, (a) => np.slice(first(a), [null, null, -1])],
  ["pad", 1, (a) => np.pad(a, 1, 3)],
  ["take", 2, (a, i) => np.take(first(a), np.astype(np.abs(i), "int32"), 0, { mode: "clip" })],
  ["tile", 1, (a) => np.tile(a, 2)],
  ["repeat", 1, (a) => np.repeat(a, 2)],
  ["tensordot", 2, (a, b) => np.tensordot(a, b, 0)],
  ["einsum", 2, (a, b) => np.einsum("ij,kj->ik", a, b)],
  ["astype-int32", 1, (a) => np.astype(a, "int32")],
  ["astype-same", 1, (a) => np.astype(a, a.dtype)],
  ["array-copy", 1, (a) => np.array(a)],
  ["fullLike", 1, (a) => np.fullLike(a, 1)],
  ["methods", 2, (a, b) => a.add(b).mul(2).sub(a).div(3).sum()],
  ["T", 1, (a) => a.T],
  ["reads", 1, (a) => [a.toArray(), a.toString(), JSON.stringify(a), a.size === 1 ? a.item() : null]],
  ["data-write", 1, (a) => a.data().fill(7)],
  [
    "toArray-write",
    1,
    (a) => {
      const v = a.toArray();
      if (Array.isArray(v)) v.fill(7 as never);
    },
  ],
  // Activations and losses (nn composites over np).
  ["relu", 1, (a) => nn.relu(a)],
  ["softplus", 1, (a) => nn.softplus(a)],
  ["gelu", 1, (a) => nn.gelu(a)],
  ["softmax", 1, (a) => nn.softmax(first(a))],
  ["logSoftmax", 1, (a) => nn.logSoftmax(first(a))],
  ["mse", 2, (a, b) => nn.mse(a, b)],
  ["sigmoidBinaryCrossEntropy", 2, (a, b) => nn.sigmoidBinaryCrossEntropy(a, b)],
];

const poolArb = fc
  .tuple(
    fc.constantFrom<number[]>([3], [2, 3], [2, 2], [1, 3], []),
    fc.constantFrom("float32" as const, "float64" as const, "int32" as const, "bool" as const),
  )
  .chain(([shape, dtype]) =>
    fc.tuple(
      arrays({ shape, dtype, min: -4, max: 4 }),
      arrays({ shape, dtype: "float32", min: -4, max: 4 }),
      arrays({ shape: shape.slice(-1), dtype: "float64", min: -4, max: 4 }),
      arrays({ shape: [], dtype: "int32", min: -3, max: 3 }),
    ),
  );

describe("np: random programs never write to an input or an earlier result", () => {
  test(`each of the ${NP_OPS.length} np/nn functions runs on valid inputs and leaves them as they were`, () => {
    const x = np.array([
      [0.5, -1, 2],
      [3, -0.25, 1],
    ]);
    const y = np.array([
      [1, 2, -3],
      [0.5, 4, 1],
    ]);
    const z = np.array([
      [-1, 0, 1],
      [2, 2, -2],
    ]);
    for (const [name, arity, f] of NP_OPS) {
      const watch = new Watch();
      const args = [x, y, z].slice(0, arity).map((a, i) => watch.add(`argument ${i}`, a));
      // matmul-like functions need matching inner dimensions: give them y transposed.
      const fixed = ["matmul", "dot"].includes(name)
        ? [x, y.T]
        : ["vdot", "inner"].includes(name)
          ? [x.reshape(-1), y.reshape(-1)]
          : args;
      watch.add("y.T", fixed[1] ?? y);
      const out = f(...fixed);
      watch.add(`result of ${name}`, out);
      f(...fixed);
      watch.check(`${name} (run twice)`);
    }
  });

  test(`${RUNS} programs × up to 10 ops from ${NP_OPS.length} np/nn functions (every result joins the pool)`, () => {
    fc.assert(
      fc.property(
        poolArb,
        fc.array(fc.tuple(fc.constantFrom(...NP_OPS), fc.array(fc.nat(), { minLength: 3, maxLength: 3 })), {
          minLength: 1,
          maxLength: 10,
        }),
        (start, program) => {
          const watch = new Watch();
          const pool: AxArray[] = [];
          const join = (name: string, v: unknown) => {
            for (const leaf of tree.leaves(v)) {
              if (leaf instanceof AxArray) pool.push(watch.add(name, leaf));
            }
          };
          start.forEach((a, i) => join(`input ${i}`, a));
          for (const [[name, arity, f], picks] of program) {
            const args = picks.slice(0, arity).map((k) => pool[k % pool.length]);
            const out = attempt(() => f(...args));
            watch.check(`${name}(${args.map((a) => a.aval.str()).join(", ")})`);
            join(`result of ${name}`, out);
          }
        },
      ),
      { numRuns: RUNS },
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Transforms of random small functions.

type Unary = [string, (x: AxArray) => AxArray];
const SMOOTH: Unary[] = [
  ["sin", np.sin],
  ["tanh", np.tanh],
  ["square", np.square],
  ["exp∘clip", (x) => np.exp(np.clip(x, -5, 5))],
  ["x·x+x", (x) => x.mul(x).add(x)],
  ["sigmoid", nn.sigmoid],
  ["softplus", nn.softplus],
  ["cumsum", (x) => np.cumsum(x)],
  ["flip", (x) => np.flip(x)],
  ["pad-slice", (x) => np.slice(np.pad(x, 1), [1, -1])],
  ["logSoftmax", (x) => nn.logSoftmax(x)],
  ["where", (x) => np.where(x.gt(0), x, x.mul(0.5))],
];

/** f(x) = op_k(… op_1(x)) ⊙ c + x: x is used twice, so the backward pass accumulates cotangents. */
function composite(ops: readonly Unary[], c: AxArray): (x: AxArray) => AxArray {
  return (x) =>
    ops
      .reduce((h, [, op]) => op(h), x)
      .mul(c)
      .add(x);
}

const fnArb = fc.tuple(
  fc.array(fc.constantFrom(...SMOOTH), { minLength: 1, maxLength: 4 }),
  fc.constantFrom("float32" as const, "float64" as const),
  fc.integer({ min: 1, max: 4 }),
);

describe("transforms of random small functions never write to primals, tangents, cotangents or constants", () => {
  test(`${RUNS} functions × grad, valueAndGrad, vjp, jvp, linearize, vmap, jit, jacfwd, jacrev, hessian and their compositions`, () => {
    fc.assert(
      fc.property(fnArb, fc.nat(), ([ops, dtype, n], seed) => {
        const [kx, kc, kt, kb] = random.split(random.key(seed), 4);
        const watch = new Watch();
        const x = watch.add("x", random.normal(kx, [n], dtype));
        const c = watch.add("closed-over constant c", random.normal(kc, [n], dtype));
        const t = watch.add("tangent t", random.normal(kt, [n], dtype));
        const xs = watch.add("batch xs", random.normal(kb, [3, n], dtype));
        const f = composite(ops, c);
        const loss = (z: AxArray) => np.sum(f(z));
        const label = ops.map(([name]) => name).join("∘");
        const outputs = new Watch();
        const run = (what: string, g: () => unknown) => {
          const out = g();
          watch.check(`${what} of ${label}`);
          outputs.add(`${what}'s result`, out);
          outputs.check(`${what} of ${label}`);
        };
        run("eager", () => f(x));
        run("grad", () => grad(loss)(x));
        run("valueAndGrad", () => valueAndGrad(loss)(x));
        run("jvp", () => jvp(f, [x], [t]));
        run("linearize", () => {
          const [y, fl] = linearize(f, x);
          return [y, fl(t), fl(t)];
        });
        run("vjp", () => {
          const [y, pull] = vjp(f, x);
          return [y, pull(watch.add("cotangent", t.mul(2))), pull(t)];
        });
        run("vmap", () => vmap(f)(xs));
        run("vmap(inAxes 1)", () => vmap(f, { inAxes: 1 })(xs.T));
        const jf = jit(f);
        run("jit (first call)", () => jf(x));
        run("jit (cached call)", () => jf(t));
        run("jit(grad)", () => jit(grad(loss))(x));
        run("grad(jit)", () => grad(jit(loss))(x));
        run("vmap(grad)", () => vmap(grad(loss))(xs));
        run("vmap(jit)", () => vmap(jf)(xs));
        run("jacfwd", () => jacfwd(f)(x));
        run("jacrev", () => jacrev(f)(x));
        run("hessian", () => hessian(loss)(x));
        run("grad(grad)", () => grad((z: AxArray) => np.sum(grad(loss)(z)))(x));
      }),
      { numRuns: RUNS },
    );
  });

  test(`${RUNS} parameter trees of mixed dtypes: grad, jit(grad) and vmap over a tree leave every leaf and container as it was`, () => {
    fc.assert(
      fc.property(arrayTrees({ minRank: 1, maxRank: 1, minDim: 3, maxDim: 3, maxLeaves: 4 }), (params) => {
        const watch = new Watch();
        watch.add("params", params);
        const loss = (p: unknown) =>
          (tree.leaves(p) as AxArray[]).reduce(
            (s: AxArray, l) => s.add(np.sum(np.tanh(l).mul(l)).astype("float32")),
            np.zeros([]),
          );
        grad(loss)(params);
        watch.check("grad over a tree");
        jit(grad(loss))(params);
        jit(grad(loss))(params);
        watch.check("jit(grad) over a tree");
        const batched = tree.map((l: AxArray) => np.stack([l, l.mul(2)]), params);
        watch.add("batched params", batched);
        vmap(loss)(batched);
        watch.check("vmap over a tree");
        jvp(loss, [params], [params]);
        watch.check("jvp over a tree (primals and tangents the same object)");
      }),
      { numRuns: RUNS },
    );
  });

  test("control flow and custom rules: cond, scan, whileLoop, customJvp and customVjp under grad, vmap and jit", () => {
    const watch = new Watch();
    const x = watch.add("x", np.array([0.5, -1, 2]));
    const xs = watch.add(
      "xs",
      np.array([
        [1, 2, 3],
        [4, 5, 6],
      ]),
    );
    const c = watch.add("constant", np.array([2, 3, 4]));
    const clipped = customVjp(
      (z: AxArray) => z.mul(c),
      (z: AxArray) => [z.mul(c), z] as const,
      (res: AxArray, g: AxArray): [AxArray] => [np.clip(g.mul(c).add(res.mul(0)), -1, 1)],
    );
    const softplus = customJvp(
      (z: AxArray) => nn.softplus(z),
      ([z], [tz]) => [nn.softplus(z), tz.mul(nn.sigmoid(z))],
    );
    const loops = (z: AxArray, withWhile: boolean) => {
      const branch = cond(
        np.sum(z).gt(0),
        (a: AxArray) => a.mul(c),
        (a: AxArray) => a.sub(c),
        z,
      );
      const [carry] = scan((h: AxArray, row: AxArray) => [h.add(row).mul(0.5), h] as const, branch, xs);
      const stepped = foriLoop(0, 3, (_i, h: AxArray) => h.mul(0.9), carry);
      // whileLoop has no reverse mode (its trip count is data-dependent, as in JAX): forward only.
      const looped = withWhile
        ? whileLoop(
            ([i]: [AxArray, AxArray]) => i.lt(3),
            ([i, h]: [AxArray, AxArray]) => [i.add(1), h.mul(0.9)] as [AxArray, AxArray],
            [np.array(0, "int32"), stepped] as [AxArray, AxArray],
          )[1]
        : stepped;
      return np.sum(clipped(looped)).add(np.sum(softplus(z)));
    };
    const body = (z: AxArray) => loops(z, false);
    const forward = (z: AxArray) => loops(z, true);
    const outs = new Watch();
    for (const [name, g] of [
      ["eager", () => forward(x)],
      // (no jvp: a customVjp function has no forward-mode rule, as in JAX)
      ["grad", () => grad(body)(x)],
      ["jit", () => jit(forward)(x)],
      ["jit (cached)", () => jit(forward)(x)],
      ["vmap", () => vmap(forward)(np.stack([x, x.mul(2)]))],
      ["jit(grad)", () => jit(grad(body))(x)],
      ["vmap(grad)", () => vmap(grad(body))(np.stack([x, x.mul(2)]))],
    ] as const) {
      outs.add(name, g());
      watch.check(name);
      outs.check(name);
    }
  });
});

// ---------------------------------------------------------------------------------------------
// Optimizers: init, every update step and applyUpdates leave params, grads and earlier states as they were.

const OPTIMIZERS: [string, () => optim.AnyTransformation][] = [
  ["sgd", () => optim.sgd(0.1)],
  ["sgd momentum", () => optim.sgd(0.1, { momentum: 0.9 })],
  ["sgd nesterov", () => optim.sgd(0.1, { momentum: 0.9, nesterov: true })],
  ["adam", () => optim.adam(1e-2)],
  ["adamw", () => optim.adamw(1e-2, { weightDecay: 1e-2 })],
  ["rmsprop", () => optim.rmsprop(1e-2)],
  ["adagrad", () => optim.adagrad(1e-1)],
  ["adam with a schedule", () => optim.adam(optim.exponentialDecay({ init: 1e-2, decayRate: 0.5, transitionSteps: 2 }))],
  ["chain(clipByGlobalNorm, adam)", () => optim.chain(optim.clipByGlobalNorm(1), optim.adam(1e-2))],
  ["chain(clip, trace, scale)", () => optim.chain(optim.clip(0.5), optim.trace({ decay: 0.9 }), optim.scale(-0.1))],
  ["addDecayedWeights", () => optim.addDecayedWeights(1e-3)],
  ["scaleByRss", () => optim.scaleByRss()],
  ["scaleBySchedule", () => optim.scaleBySchedule(optim.cosineDecay({ init: 1, decaySteps: 10 }))],
  ["maskedTransform", () => optim.maskedTransform(optim.adam(1e-2), (p) => tree.map((l: AxArray) => l.ndim > 1, p))],
  [
    "partition",
    () =>
      optim.partition({ a: optim.sgd(0.1), b: optim.adam(1e-2) }, (p) => tree.map((l: AxArray) => (l.ndim > 1 ? "a" : "b"), p)),
  ],
  ["multiSteps", () => optim.multiSteps(optim.adam(1e-2), 2)],
  ["setToZero", () => optim.setToZero()],
  ["identity", () => optim.identity()],
];

describe("optimizers never write to params, grads or states", () => {
  test.each(OPTIMIZERS)(`%s: ${Math.max(10, Math.floor(RUNS / 3))} random trees × 3 steps, eager and jitted`, (_name, make) => {
    fc.assert(
      fc.property(fc.nat(), fc.boolean(), (seed, jitted) => {
        const [k1, k2, k3] = random.split(random.key(seed), 3);
        const watch = new Watch();
        let params: unknown = watch.add("params", { w: random.normal(k1, [2, 3]), b: random.normal(k2, [3]) });
        const opt = make();
        let state = watch.add("state 0", opt.init(params));
        watch.check("init");
        const update = jitted
          ? jit((g: unknown, s: unknown, p: unknown) => opt.update(g as never, s as never, p as never))
          : (g: unknown, s: unknown, p: unknown) => opt.update(g as never, s as never, p as never);
        for (let step = 0; step < 3; step++) {
          const grads = watch.add(
            `grads ${step}`,
            tree.map((l: AxArray) => random.normal(random.foldIn(k3, step), l.shape).mul(l), params),
          );
          const [updates, next] = update(grads, state, params) as readonly [unknown, unknown];
          watch.add(`updates ${step}`, updates);
          watch.check(`update step ${step}`);
          params = watch.add(`params ${step + 1}`, optim.applyUpdates(params, updates));
          watch.check(`applyUpdates step ${step}`);
          state = watch.add(`state ${step + 1}`, next);
        }
        optim.globalNorm(params);
        watch.check("globalNorm");
      }),
      { numRuns: Math.max(10, Math.floor(RUNS / 3)) },
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Tree functions and dataset helpers.

describe("tree functions never modify the trees they are given", () => {
  test(`${RUNS} unfrozen user trees: map, mapWithPath, update, at, flatten/unflatten, leaves, structure, assertSameStructure`, () => {
    fc.assert(
      fc.property(arrayTrees({ minRank: 1, maxRank: 1, minDim: 2, maxDim: 2, maxLeaves: 5 }), (t0) => {
        // t0 is a plain, unfrozen tree as a user writes it; `mine` is a frozen one axle returned.
        const mine = tree.map((l: AxArray) => l, t0);
        const user = tree.unflatten(tree.structure(t0), tree.leaves(t0));
        const watch = new Watch();
        watch.add("input tree", t0);
        watch.add("rebuilt tree", user);
        watch.add("mapped tree", mine);
        tree.map((l: AxArray) => l.mul(2), t0);
        tree.map((a: AxArray, b: AxArray) => a.add(b), t0, user);
        tree.mapWithPath((_p, l: AxArray) => l.neg(), t0);
        tree.flatten(t0);
        tree.leavesWithPath(t0);
        tree.structure(t0);
        tree.assertSameStructure(t0, user);
        const paths = tree.leavesWithPath(t0).map(([p]) => tree.pathKeys(p));
        if (paths.length > 0 && paths[0].length > 0) tree.at(t0, paths[0], np.zeros([2]));
        tree.update(t0 as object, (draft: object) => {
          if (Array.isArray(draft)) draft.push(np.ones([1]));
          else (draft as Record<string, unknown>).extra = np.ones([1]);
        });
        tree.update(mine as object, (draft: object) => {
          if (Array.isArray(draft)) draft.reverse();
          else for (const k of Object.keys(draft)) delete (draft as Record<string, unknown>)[k];
        });
        watch.check("tree functions");
      }),
      { numRuns: RUNS },
    );
  });
});

describe("dataset helpers never modify their data", () => {
  test(`${RUNS} record sizes: batches (shuffled, dropLast), trainTestSplit, standardize, standardizeGlobal`, () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 5 }), fc.nat(), (n, size, seed) => {
        const [kx, ky] = random.split(random.key(seed));
        const watch = new Watch();
        const data = watch.add("data", { x: random.normal(kx, [n, 3]), y: random.randint(ky, [n], 0, 3) });
        const got = new Watch();
        got.add("batches", datasets.batches(random.key(seed), data, size, { dropLast: seed % 2 === 0 }));
        got.add("unshuffled batches", datasets.batches(null, data, size));
        watch.check("batches");
        if (n > 1) got.add("split", datasets.trainTestSplit(data, { testSize: 1, seed }));
        watch.check("trainTestSplit");
        const s = got.add("standardized", datasets.standardize(data.x));
        datasets.standardize(data.x, { mean: s.mean, std: s.std });
        datasets.standardizeGlobal(data.x);
        watch.check("standardize");
        got.check("later dataset calls");
      }),
      { numRuns: RUNS },
    );
  });

  test("synthetic sets and truth tables: each call returns fresh buffers, so writing a copy of one never shows in another", () => {
    const a = datasets.moons({ n: 10, seed: 0 });
    const watch = new Watch();
    watch.add("moons", a);
    watch.add("xor", datasets.xor());
    a.x.data().fill(9);
    datasets.moons({ n: 10, seed: 0 }).x.data().fill(9);
    datasets.xor().y.data().fill(9);
    watch.check("writing copies and calling again");
    expect(datasets.moons({ n: 10, seed: 0 }).x.data()).toEqual(a.x.data());
  });
});

// ---------------------------------------------------------------------------------------------
// Copies out and in.

describe("copies out of an array, and the data it was made from, are not the array", () => {
  test(`${RUNS} arrays of every dtype, from np, jit, grad, vmap, reshape and astype (which may share buffers): writing data()/toArray() copies changes nothing`, () => {
    const sources: [string, (x: AxArray) => AxArray][] = [
      ["itself", (x) => x],
      ["reshape (shares the buffer)", (x) => x.reshape(-1)],
      ["astype to its own dtype", (x) => x.astype(x.dtype)],
      ["jit(identity)", (x) => jit((z: AxArray) => z)(x)],
      ["jit(x + 0)", (x) => jit((z: AxArray) => z.add(0))(x)],
      ["vmap(identity)", (x) => (x.ndim > 0 ? vmap((z: AxArray) => z)(x) : x)],
      ["stopGradient", (x) => np.stopGradient(x)],
    ];
    const arb = fc
      .constantFrom("float32" as const, "float64" as const, "int32" as const, "uint32" as const, "bool" as const)
      .chain((dtype) => arrays({ dtype, maxRank: 3, maxDim: 3 }));
    fc.assert(
      fc.property(arb, fc.constantFrom(...sources), (x, [name, derive]) => {
        const watch = new Watch();
        watch.add("x", x);
        const y = derive(x);
        watch.add(`x via ${name}`, y);
        y.data().fill(1);
        x.data().reverse();
        const nested = y.toArray();
        if (Array.isArray(nested)) nested.reverse();
        watch.check(`writing copies of x via ${name}`);
      }),
      { numRuns: RUNS },
    );
  });

  test("np.array copies its input: editing the source list or typed array afterwards changes nothing", () => {
    const list = [
      [1, 2],
      [3, 4],
    ];
    const typed = new Float64Array([1, 2, 3]);
    const ints = new Int32Array([5, 6]);
    const a = np.array(list);
    const b = np.array(typed);
    const c = np.array(ints, "int32");
    const d = np.array(typed, "float32");
    list[0][0] = 100;
    typed[0] = 100;
    ints[1] = 100;
    expect(a.toArray()).toEqual([
      [1, 2],
      [3, 4],
    ]);
    expect(b.toArray()).toEqual([1, 2, 3]);
    expect(c.toArray()).toEqual([5, 6]);
    expect(d.toArray()).toEqual([1, 2, 3]);
  });

  test("a jitted program's outputs are its own: later calls (cached, same signature) never overwrite earlier results", () => {
    const f = jit((x: AxArray, y: AxArray) => [x.mul(y).add(1), np.sum(x), x.reshape(-1)] as const);
    const g = jit(grad((x: AxArray) => np.sum(np.tanh(x).mul(x))));
    const watch = new Watch();
    for (let i = 0; i < 5; i++) {
      const x = np.full([2, 2], i);
      watch.add(`f call ${i}`, f(x, x));
      watch.add(`grad call ${i}`, g(x));
      watch.add(`vmap call ${i}`, vmap(f)(x, x));
      watch.check(`call ${i}`);
    }
  });
});
