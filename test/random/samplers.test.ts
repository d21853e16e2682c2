/** Samplers: determinism (eager = jit = vmap), statistics, and argument errors. */
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { type Array, ConcretizationError, DTypeError, grad, jit, np, ShapeError, ValueError, vmap } from "../../src/index.js";
import * as random from "../../src/random/index.js";
import { erfScalar } from "../../src/random/special.js";

const N = 100_000;
const vals = (a: Array) => globalThis.Array.from(a.data(), Number);
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const variance = (xs: number[]) => {
  const m = mean(xs);
  return mean(xs.map((x) => (x - m) ** 2));
};
const corr = (a: number[], b: number[]) => {
  const ma = mean(a);
  const mb = mean(b);
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] - ma) * (b[i] - mb);
  return s / a.length / Math.sqrt(variance(a) * variance(b));
};
/** Kolmogorov–Smirnov statistic: max |empirical CDF − cdf|. */
const ksStat = (xs: number[], cdf: (x: number) => number) => {
  const s = [...xs].sort((a, b) => a - b);
  let d = 0;
  s.forEach((x, i) => {
    const f = cdf(x);
    d = Math.max(d, Math.abs(f - i / s.length), Math.abs(f - (i + 1) / s.length));
  });
  return d;
};
const phi = (x: number) => 0.5 * (1 + erfScalar(x / Math.SQRT2));
// The KS critical value at α = 0.001 is 1.95/√n; samples are deterministic, so no flakes.
const KS_BOUND = 1.95 / Math.sqrt(N);

type Sampler = (k: Array) => Array;
const samplers: Record<string, Sampler> = {
  bits: (k) => random.bits(k, [5]),
  uniform: (k) => random.uniform(k, [2, 3], { minval: -2, maxval: 3 }),
  uniform64: (k) => random.uniform(k, [4], { dtype: "float64" }),
  normal: (k) => random.normal(k, [5]),
  normal64: (k) => random.normal(k, [3], "float64"),
  truncatedNormal: (k) => random.truncatedNormal(k, -1, 2, [5]),
  bernoulli: (k) => random.bernoulli(k, 0.3, [6]),
  randint: (k) => random.randint(k, [6], -5, 100),
  gumbel: (k) => random.gumbel(k, [4]),
  categorical: (k) =>
    random.categorical(
      k,
      np.array([
        [0, 1, 2],
        [2, 0, -1],
      ]),
      { shape: [4, 2] },
    ),
  permutation: (k) => random.permutation(k, 12),
  permuteRows: (k) => random.permutation(k, np.arange(10).reshape(5, 2)),
};

describe("determinism", () => {
  test.each(Object.entries(samplers))("%s: same key → same values, eagerly, under jit, and under vmap", (_n, f) => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 40 }), (seed) => {
        const k = random.key(seed);
        const eager = f(k);
        expect(np.arrayEqual(f(random.key(seed)), eager)).toBe(true);
        const jitted = jit(f)(k);
        expect(jitted.dtype).toBe(eager.dtype);
        expect(jitted.toArray()).toEqual(eager.toArray());
        const keys = random.splitArray(k, 3);
        const batched = vmap(f)(keys);
        random.split(k, 3).forEach((ki, i) => {
          expect(np.take(batched, i, 0).toArray()).toEqual(f(ki).toArray());
        });
      }),
      { numRuns: 8 },
    );
  });

  test("matches jax.random (JAX ≥ 0.5) for key(0): normal → 1.6226422", () => {
    expect(random.normal(random.key(0)).item()).toBeCloseTo(1.6226422, 6);
  });

  test("different keys give different streams; the same size in another shape gives the same bits", () => {
    const [k1, k2] = random.split(random.key(1));
    expect(vals(random.bits(k1, [8]))).not.toEqual(vals(random.bits(k2, [8])));
    // Counters are element indices, so a reshape of the same size gives the same bits.
    expect(vals(random.bits(k1, [2, 4]))).toEqual(vals(random.bits(k1, [8])));
  });
});

describe("statistics (1e5 samples)", () => {
  const k = random.key(2024);

  test("uniform float32: range, mean, variance, KS", () => {
    const xs = vals(random.uniform(k, [N]));
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThan(1);
    expect(Math.abs(mean(xs) - 0.5)).toBeLessThan(0.005);
    expect(Math.abs(variance(xs) - 1 / 12)).toBeLessThan(0.002);
    expect(ksStat(xs, (x) => x)).toBeLessThan(KS_BOUND);
  });

  test("uniform with bounds and float64 (finer than the float32 grid)", () => {
    const xs = vals(random.uniform(k, [N], { minval: -3, maxval: 5 }));
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(-3);
    expect(Math.max(...xs)).toBeLessThan(5);
    expect(Math.abs(mean(xs) - 1)).toBeLessThan(0.04);
    const ys = vals(random.uniform(k, [N], { dtype: "float64" }));
    expect(ys.some((y) => !Number.isInteger(y * 2 ** 23))).toBe(true);
    expect(ksStat(ys, (x) => x)).toBeLessThan(KS_BOUND);
  });

  test.each(["float32", "float64"] as const)("normal %s: mean, variance, KS against Φ", (dtype) => {
    const xs = vals(random.normal(k, [N], dtype));
    expect(xs.every(Number.isFinite)).toBe(true);
    expect(Math.abs(mean(xs))).toBeLessThan(0.015);
    expect(Math.abs(variance(xs) - 1)).toBeLessThan(0.02);
    expect(ksStat(xs, phi)).toBeLessThan(KS_BOUND);
  });

  test("split streams are uncorrelated", () => {
    const [a, b] = random.split(k);
    expect(Math.abs(corr(vals(random.normal(a, [N])), vals(random.normal(b, [N]))))).toBeLessThan(0.02);
    const [c, d] = random.split(a);
    expect(Math.abs(corr(vals(random.uniform(c, [N])), vals(random.uniform(d, [N]))))).toBeLessThan(0.02);
    // foldIn streams too.
    const f1 = vals(random.uniform(random.foldIn(k, 1), [N]));
    const f2 = vals(random.uniform(random.foldIn(k, 2), [N]));
    expect(Math.abs(corr(f1, f2))).toBeLessThan(0.02);
  });

  test("truncatedNormal stays inside (lower, upper) and follows the truncated CDF", () => {
    const [lo, hi] = [-0.5, 2];
    const xs = vals(random.truncatedNormal(k, lo, hi, [N]));
    expect(Math.min(...xs)).toBeGreaterThan(lo);
    expect(Math.max(...xs)).toBeLessThan(hi);
    const z = phi(hi) - phi(lo);
    expect(ksStat(xs, (x) => (phi(x) - phi(lo)) / z)).toBeLessThan(KS_BOUND);
    // Half-normal: mean √(2/π).
    const hs = vals(random.truncatedNormal(k, 0, Number.POSITIVE_INFINITY, [N]));
    expect(Math.min(...hs)).toBeGreaterThan(0);
    expect(Math.abs(mean(hs) - Math.sqrt(2 / Math.PI))).toBeLessThan(0.01);
  });

  test("bernoulli rate ≈ p, elementwise p broadcasts", () => {
    const xs = random.bernoulli(k, 0.3, [N]);
    expect(xs.dtype).toBe("bool");
    expect(Math.abs(mean(vals(xs)) - 0.3)).toBeLessThan(0.01);
    const p = np.array([0, 1, 0.5]);
    const m = random.bernoulli(k, p, [N / 10, 3]);
    const rates = vals(np.mean(m.astype("float32"), 0));
    expect(rates[0]).toBe(0);
    expect(rates[1]).toBe(1);
    expect(Math.abs(rates[2] - 0.5)).toBeLessThan(0.02);
    expect(random.bernoulli(k, p).shape).toEqual([3]);
  });

  test("randint covers [minval, maxval) uniformly", () => {
    const xs = random.randint(k, [N], -5, 7);
    expect(xs.dtype).toBe("int32");
    const counts = new Map<number, number>();
    for (const x of vals(xs)) counts.set(x, (counts.get(x) ?? 0) + 1);
    expect([...counts.keys()].sort((a, b) => a - b)).toEqual(globalThis.Array.from({ length: 12 }, (_, i) => i - 5));
    for (const c of counts.values()) expect(Math.abs(c / N - 1 / 12)).toBeLessThan(0.005);
    // Wide and degenerate ranges.
    const wide = vals(random.randint(k, [1000], -(2 ** 31), 2 ** 31 - 1));
    expect(wide.some((x) => x < -(2 ** 30)) && wide.some((x) => x > 2 ** 30)).toBe(true);
    expect(vals(random.randint(k, [5], 3, 3))).toEqual([3, 3, 3, 3, 3]);
    expect(random.randint(k, [3], 0, 2 ** 32 - 1, "uint32").dtype).toBe("uint32");
  });

  test("categorical frequencies ≈ softmax(logits), along any axis", () => {
    const logits = [0, 1, 2, -1];
    const z = logits.reduce((a, l) => a + Math.exp(l), 0);
    const xs = vals(random.categorical(k, np.array(logits), { shape: [N] }));
    logits.forEach((l, i) => {
      expect(Math.abs(xs.filter((x) => x === i).length / N - Math.exp(l) / z)).toBeLessThan(0.01);
    });
    // axis 0 of a [3, 2] table: column j is a distribution over 3 categories.
    const table = np.log(
      np.array([
        [0.7, 0.1],
        [0.2, 0.1],
        [0.1, 0.8],
      ]),
    );
    const s = random.categorical(k, table, { axis: 0, shape: [N / 10, 2] });
    expect(s.shape).toEqual([N / 10, 2]);
    const col1 = vals(np.slice(s, [0, N / 10], 1));
    expect(Math.abs(col1.filter((x) => x === 2).length / (N / 10) - 0.8)).toBeLessThan(0.02);
  });

  test("gumbel has mean ≈ Euler–Mascheroni γ", () => {
    expect(Math.abs(mean(vals(random.gumbel(k, [N]))) - 0.5772156649)).toBeLessThan(0.02);
  });
});

describe("permutation and batchIndices", () => {
  const sorted = (a: Array) => vals(a).sort((x, y) => x - y);
  const iota = (n: number) => globalThis.Array.from({ length: n }, (_, i) => i);

  test("permutation(key, n) is a permutation of 0..n-1, eagerly and traced (same order)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 }), fc.integer({ min: 0, max: 60 }), (seed, n) => {
        const k = random.key(seed);
        const p = random.permutation(k, n);
        expect(p.dtype).toBe("int32");
        expect(sorted(p)).toEqual(iota(n));
        expect(vals(jit((key: Array) => random.permutation(key, n))(k))).toEqual(vals(p));
      }),
      { numRuns: 30 },
    );
  });

  test("large n: two sort rounds (n > 1625) agree eagerly and under jit", () => {
    const k = random.key(5);
    const n = 1700;
    const p = random.permutation(k, n);
    expect(sorted(p)).toEqual(iota(n));
    expect(vals(jit((key: Array) => random.permutation(key, n))(k))).toEqual(vals(p));
    expect(sorted(random.permutation(k, 60_000))).toEqual(iota(60_000));
  });

  test("permutation of an array permutes its rows; it actually shuffles", () => {
    const x = np.arange(20).reshape(10, 2);
    const p = random.permutation(random.key(1), x);
    expect(sorted(np.slice(p, null, 0))).toEqual(iota(10).map((i) => 2 * i));
    expect(vals(np.slice(p, null, 1))).toEqual(vals(np.slice(p, null, 0)).map((v) => v + 1));
    expect(vals(random.permutation(random.key(1), 50))).not.toEqual(iota(50));
  });

  test("a traced permutation beyond 2048 elements is a ConcretizationError naming the fix", () => {
    const f = jit((key: Array) => random.permutation(key, 5000));
    expect(() => f(random.key(0))).toThrow(ConcretizationError);
    expect(() => f(random.key(0))).toThrow(/outside the transform/);
  });

  test("batchIndices covers every index once, in batches of batchSize", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 100 }), fc.integer({ min: 1, max: 30 }), fc.boolean(), (n, b, dropLast) => {
        const batches = random.batchIndices(random.key(n), n, b, { dropLast });
        const all = batches.flatMap(vals);
        if (dropLast) {
          expect(batches.every((x) => x.shape[0] === b)).toBe(true);
          expect(all).toHaveLength(n - (n % b));
        } else {
          expect(all.sort((x, y) => x - y)).toEqual(iota(n));
          expect(batches).toHaveLength(Math.ceil(n / b));
        }
      }),
      { numRuns: 50 },
    );
    expect(random.batchIndices(null, 5, 2, { shuffle: false }).map(vals)).toEqual([[0, 1], [2, 3], [4]]);
    expect(() => random.batchIndices(null, 5, 2)).toThrow(/needs a key/);
    expect(() => random.batchIndices(random.key(0), 5, 0)).toThrow(ValueError);
  });
});

describe("transforms and errors", () => {
  test("samples are differentiable in their parameters (reparameterization)", () => {
    const k = random.key(3);
    const eps = random.normal(k, [4]);
    const f = (mu: Array, sigma: Array) => np.sum(np.add(mu, np.multiply(sigma, random.normal(k, [4]))));
    const [gmu, gsigma] = grad(f, { argnums: [0, 1] })(np.array(0.5), np.array(2));
    expect(gmu.item()).toBe(4);
    expect(gsigma.item()).toBeCloseTo(np.sum(eps).item(), 5);
    const g = grad((lo: Array) => np.sum(random.uniform(k, [3], { minval: lo, maxval: 1 })))(np.array(0));
    const u = random.uniform(k, [3]);
    expect(g.item()).toBeCloseTo(np.sum(np.subtract(1, u)).item(), 5);
  });

  test("argument errors are typed and say what is expected", () => {
    const k = random.key(0);
    expect(() => random.uniform(k, [2], { dtype: "int32" })).toThrow(DTypeError);
    expect(() => random.normal(k, [2], "bool")).toThrow(/float32" or "float64/);
    expect(() => random.normal(k, [-1])).toThrow(ShapeError);
    expect(() => random.truncatedNormal(k, 2, 1)).toThrow(/lower < upper/);
    expect(() => random.randint(k, [2], 0, 2 ** 31)).toThrow(/int32/);
    expect(() => random.randint(k, [2], 0.5, 3)).toThrow(ValueError);
    expect(() => random.categorical(k, np.zeros([2, 3]), { shape: [5] })).toThrow(/batch shape \[2\]/);
    expect(() => random.permutation(k, -1)).toThrow(ValueError);
  });
});
