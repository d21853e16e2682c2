/** batches and trainTestSplit: every row exactly once, sizes, pairing of columns, determinism. */
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { ValueError } from "../../src/core/errors.js";
import * as np from "../../src/numpy/index.js";
import * as random from "../../src/random/index.js";
import { datasets, thrown, values } from "./helpers.js";

/** n rows where row i is x = [i, -i], id = i: lets a test see which rows a batch holds and that columns stay paired. */
function table(n: number) {
  const id = np.arange(n, undefined, 1, "int32");
  const x = np.stack([np.astype(id, "float32"), np.negative(np.astype(id, "float32"))], 1);
  return { x, id };
}

function checkPaired(b: { x: { data(): ArrayLike<number> }; id: { data(): ArrayLike<number> } }): number[] {
  const ids = Array.from(b.id.data());
  const xs = Array.from(b.x.data());
  ids.forEach((i, r) => {
    expect(xs[2 * r]).toBe(i);
    expect(xs[2 * r + 1]).toBe(-i);
  });
  return ids;
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

describe("batches", () => {
  test("shuffled: every row exactly once per epoch, sizes right, columns paired", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 60 }), fc.integer({ min: 1, max: 25 }), fc.integer(), (n, bs, seed) => {
        const bb = datasets.batches(seed, table(n), bs);
        expect(bb).toHaveLength(Math.ceil(n / bs));
        bb.forEach((b, i) => expect(b.x.shape[0]).toBe(i < bb.length - 1 ? bs : n - bs * (bb.length - 1)));
        const seen = bb.flatMap(checkPaired);
        expect([...seen].sort((a, b) => a - b)).toEqual(range(n));
      }),
      { numRuns: 40 },
    );
  });

  test("dropLast keeps only full batches", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 60 }), fc.integer({ min: 1, max: 25 }), fc.integer(), (n, bs, seed) => {
        const bb = datasets.batches(seed, table(n), bs, { dropLast: true });
        expect(bb).toHaveLength(Math.floor(n / bs));
        expect(bb.every((b) => b.x.shape[0] === bs && b.id.shape[0] === bs)).toBe(true);
        const seen = bb.flatMap(checkPaired);
        expect(new Set(seen).size).toBe(seen.length);
      }),
      { numRuns: 40 },
    );
  });

  test("unshuffled keeps row order", () => {
    const bb = datasets.batches(null, table(10), 4);
    expect(bb.map((b) => values(b.id))).toEqual([
      [0, 1, 2, 3],
      [4, 5, 6, 7],
      [8, 9],
    ]);
    expect(bb[0].x.shape).toEqual([4, 2]);
  });

  test("shuffle is deterministic per seed and differs across seeds", () => {
    const order = (seed: number) => datasets.batches(seed, table(50), 50)[0].id.toArray();
    expect(order(1)).toEqual(order(1));
    expect(order(1)).not.toEqual(order(2));
    expect(order(1)).not.toEqual(range(50));
  });

  test("batches are frozen records with the same keys; works on digits", () => {
    const d = datasets.digits();
    const bb = datasets.batches(null, d, 500);
    expect(bb.map((b) => b.images.shape[0])).toEqual([500, 500, 500, 297]);
    expect(Object.keys(bb[0]).sort()).toEqual(["images", "labels"]);
    expect(Object.isFrozen(bb[0])).toBe(true);
    expect(Object.isFrozen(bb)).toBe(true);
    expect(bb[3].labels.dtype).toBe("int32");
    expect(values(bb[1].labels)).toEqual(values(d.labels).slice(500, 1000));
  });

  test("errors", () => {
    const cases: [() => unknown, string][] = [
      [
        () => datasets.batches(null, { x: np.zeros([3, 2]), y: np.zeros([4]) }, 2),
        "data.y has 4 rows (shape [4]) but data.x has 3",
      ],
      [() => datasets.batches(null, table(5), 2, { shuffle: true }), "shuffle needs a key"],
      [() => datasets.batches(null, table(5), 0), "batchSize must be a positive integer, got 0"],
      [() => datasets.batches(null, {}, 2), "data has no arrays"],
      [() => datasets.batches(null, { s: np.zeros([]) }, 2), "data.s is a scalar"],
    ];
    for (const [f, msg] of cases) {
      const e = thrown(f);
      expect(e).toBeInstanceOf(ValueError);
      expect(e.message).toContain(msg);
    }
  });
});

describe("trainTestSplit", () => {
  test("digits: testSize 899, 0.5 and trainSize 0.5 all give 898/899, disjoint and covering", () => {
    const d = datasets.digits();
    const withId = { ...d, id: np.arange(1797, undefined, 1, "int32") };
    for (const opts of [{ testSize: 899 }, { testSize: 0.5 }, { trainSize: 0.5 }, { trainSize: 898 }]) {
      const { train, test: tst } = datasets.trainTestSplit(withId, { ...opts, seed: 0 });
      expect(train.images.shape).toEqual([898, 64]);
      expect(tst.images.shape).toEqual([899, 64]);
      expect(train.labels.shape).toEqual([898]);
      const ids = [...values(train.id), ...values(tst.id)];
      expect([...ids].sort((a, b) => a - b)).toEqual(range(1797));
      // rows stay together: the image of row id i is row i of the full set
      const img = values(d.images);
      const i = values(tst.id)[7];
      expect(values(tst.images).slice(7 * 64, 8 * 64)).toEqual(img.slice(i * 64, (i + 1) * 64));
    }
  });

  test("sizes and disjointness (property)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 80 }).chain((n) => fc.tuple(fc.constant(n), fc.integer({ min: 0, max: n }), fc.integer())),
        ([n, nTest, seed]) => {
          const { train, test: tst } = datasets.trainTestSplit(table(n), { testSize: nTest, seed });
          expect(tst.id.shape).toEqual([nTest]);
          expect(train.id.shape).toEqual([n - nTest]);
          const ids = [...checkPaired(train), ...checkPaired(tst)];
          expect([...ids].sort((a, b) => a - b)).toEqual(range(n));
        },
      ),
      { numRuns: 40 },
    );
  });

  test("fractions round as scikit-learn without float noise; both sizes; default 0.25", () => {
    const t = table(10);
    expect(datasets.trainTestSplit(t, { testSize: 0.3, seed: 0 }).test.id.shape).toEqual([3]);
    expect(datasets.trainTestSplit(t, { testSize: 0.25, seed: 0 }).test.id.shape).toEqual([3]);
    expect(datasets.trainTestSplit(t, { trainSize: 0.75, seed: 0 }).train.id.shape).toEqual([7]);
    expect(datasets.trainTestSplit(t, { seed: 0 }).test.id.shape).toEqual([3]);
    const both = datasets.trainTestSplit(t, { trainSize: 4, testSize: 0.2, seed: 5 });
    expect([both.train.id.shape[0], both.test.id.shape[0]]).toEqual([4, 2]);
    expect(new Set([...values(both.train.id), ...values(both.test.id)]).size).toBe(6);
  });

  test("seeded: same seed same split, other seed other split; shuffle false splits in order", () => {
    const t = table(40);
    const ids = (seed: number) => values(datasets.trainTestSplit(t, { testSize: 10, seed }).test.id);
    expect(ids(3)).toEqual(ids(3));
    expect(ids(3)).not.toEqual(ids(4));
    const fixed = datasets.trainTestSplit(t, { testSize: 10, seed: 0, shuffle: false });
    expect(values(fixed.train.id)).toEqual(range(30));
    expect(values(fixed.test.id)).toEqual(range(40).slice(30));
  });

  test("errors", () => {
    const t = table(10);
    const cases: [() => unknown, string][] = [
      [
        () => datasets.trainTestSplit(t, { testSize: 11, seed: 0 }),
        "testSize must be a fraction in (0, 1) or a row count in 0..10, got 11",
      ],
      [() => datasets.trainTestSplit(t, { testSize: 1.5, seed: 0 }), "testSize must be a fraction"],
      [() => datasets.trainTestSplit(t, { testSize: 6, trainSize: 5, seed: 0 }), "exceed the 10 rows"],
      [() => datasets.trainTestSplit(t, { testSize: 2, seed: 1.5 }), "seed must be an integer"],
    ];
    for (const [f, msg] of cases) {
      const e = thrown(f);
      expect(e).toBeInstanceOf(ValueError);
      expect(e.message).toContain(msg);
    }
  });
});

describe("keys as seeds", () => {
  test("a random key seeds batches, splits and synthetic sets deterministically", () => {
    const k = random.key(3);
    const a = datasets.batches(k, table(20), 20)[0].id.toArray();
    const b = datasets.batches(random.key(3), table(20), 20)[0].id.toArray();
    const c = datasets.batches(random.key(4), table(20), 20)[0].id.toArray();
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
    expect([...(a as number[])].sort((u, v) => u - v)).toEqual([...Array(20).keys()]);
    expect(datasets.moons({ n: 10, seed: k }).x.toArray()).toEqual(datasets.moons({ n: 10, seed: random.key(3) }).x.toArray());
    const s = datasets.trainTestSplit(table(10), { testSize: 3, seed: k });
    expect(s.test.id.shape).toEqual([3]);
  });

  test("a key of the wrong shape is rejected with the expected shape named", () => {
    expect(() => datasets.moons({ n: 4, seed: np.zeros([3], "uint32") })).toThrow("a key seed must be a uint32[2] PRNG key");
  });
});
