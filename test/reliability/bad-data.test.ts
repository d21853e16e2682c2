/**
 * Bad data: np.array and the dataset loaders given ragged, non-numeric, NaN-filled, truncated or
 * mistyped input raise a ValueError naming the position / file / row / option, and never coerce
 * silently. NaN in a float array is an ordinary value (as in NumPy and JAX); NaN, fractions and
 * out-of-range values stored into an integer dtype raise (NumPy raises for NaN, JAX for a Python
 * int that does not fit; axle applies the same rule to typed arrays and fill values).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import fc from "fast-check";
import { afterAll, describe, expect, test } from "vitest";
import type { Array as AxArray } from "../../src/index.js";
import { AxleError, DTypeError, datasets, jit, nn, np, random, ShapeError, ValueError } from "../../src/index.js";
import { tally } from "./tally.js";

const count = tally("bad data");

/** The error `f` throws (failing the test when it returns). */
function thrown(f: () => unknown): Error {
  try {
    f();
  } catch (e) {
    return e as Error;
  }
  throw new Error("expected an error, nothing was thrown");
}

/** `f` throws a `cls` whose message contains every fragment. */
function expectError(f: () => unknown, cls: new (...a: never[]) => Error, ...fragments: string[]): void {
  const e = thrown(f);
  count("bad inputs rejected with a named error");
  expect(e, e.message).toBeInstanceOf(cls);
  for (const frag of fragments) expect(e.message).toContain(frag);
}

describe("np.array rejects what it cannot represent, naming the entry", () => {
  test.each<[string, unknown, string]>([
    ["a string among numbers", [1, "2"], 'element at [1] is the string "2"'],
    [
      "a nested string",
      [
        [1, 2],
        [3, "x"],
      ],
      'element at [1][1] is the string "x"',
    ],
    ["null", [1, null], "element at [1] is null"],
    ["undefined", [[1], [undefined]], "element at [1][0] is undefined"],
    // biome-ignore lint/suspicious/noSparseArray: the hole is the bad data under test
    ["a hole in a sparse list", [1, , 3], "element at [1] is undefined (a missing entry or a hole in the list)"],
    ["an object", [{ a: 1 }], "element at [0] is an object"],
    ["a bigint", [1n], "element at [0] is the bigint 1n"],
    ["a BigInt64Array", new BigInt64Array([1n]), "element at the top is a BigInt64Array; … 64-bit integers are not supported"],
    ["a DataView", new DataView(new ArrayBuffer(8)), "element at the top is a DataView"],
    ["axle arrays in a list", [np.ones([2]), np.ones([2])], "element at [0] is an axle Array f32[2]; … np.stack"],
    ["a string at the top", "3", 'element at the top is the string "3"'],
  ])("%s", (_, input, fragment) => {
    const [before, after] = fragment.split("; … ");
    expectError(() => np.array(input as never), ValueError, `array: ${before}`, ...(after ? [after] : []));
  });

  test.each<[string, unknown, string]>([
    ["a short row", [[1, 2], [3]], "ragged nested input: [1] has 1 entries but its siblings have 2"],
    ["a scalar among lists", [[1, 2], 3], "ragged nested input: [1] is a scalar, but a list of 2 was expected"],
    ["a list among scalars", [1, [2]], "ragged nested input: [1] is a list, but other entries at this depth are scalars"],
    ["typed arrays of different lengths", [new Float32Array(2), new Float32Array(3)], "ragged nested input: [1] has 3 entries"],
    ["a deep short row", [[[1, 2]], [[3]]], "ragged nested input: [1][0] has 1 entries but its siblings have 2"],
  ])("ragged: %s", (_, input, fragment) => {
    expectError(() => np.array(input as never), ValueError, `array: ${fragment}`);
  });

  test.each<[string, unknown, "int32" | "uint32", string]>([
    ["NaN in a list", [1, Number.NaN], "int32", "value NaN at flat index 1 (position [1]) has no integer value"],
    ["NaN in a Float64Array", new Float64Array([1, Number.NaN]), "int32", "value NaN at flat index 1 (position [1])"],
    [
      "NaN nested",
      [
        [0, 1],
        [Number.NaN, 3],
      ],
      "uint32",
      "value NaN at flat index 2 (position [1][0])",
    ],
    ["Infinity", [Number.POSITIVE_INFINITY], "int32", "value Infinity at flat index 0 (position [0]) has no integer value"],
    [
      "a fraction in a Float32Array",
      new Float32Array([1, 2.5]),
      "int32",
      "value 2.5 at flat index 1 (position [1]) is not an integer",
    ],
    ["2 ** 31 into int32", [2 ** 31], "int32", "value 2147483648 at flat index 0 (position [0]) is out of the range of int32"],
    ["-1 into uint32", [-1], "uint32", "value -1 at flat index 0 (position [0]) is out of the range of uint32"],
    ["a negative Int32Array into uint32", new Int32Array([3, -1]), "uint32", "value -1 at flat index 1"],
  ])("integer dtypes: %s raises instead of truncating or wrapping", (_, input, dtype, fragment) => {
    expectError(() => np.array(input as never, dtype), ValueError, `array: ${fragment}`, `cannot be stored as ${dtype}`, "Fix:");
  });

  test("fill values convert as lax.full does (XLA's saturating convert), unlike np.array's data", () => {
    // np.array refuses data that an integer dtype cannot hold; a fill value is one scalar that
    // np.full converts, as JAX's jnp.full does: NaN → 0, out of range → clamped, 1.5 → 1.
    expect(np.full([2], Number.NaN, "int32").toArray()).toEqual([0, 0]);
    expect(np.full([2], 1.5, "uint32").toArray()).toEqual([1, 1]);
    expect(np.fullLike(np.zeros([2], "int32"), 2 ** 32).toArray()).toEqual([2147483647, 2147483647]);
    expect(np.full([2], 7, "int32").toArray()).toEqual([7, 7]);
    expect(np.full([2], Number.NaN).toArray()).toEqual([Number.NaN, Number.NaN]);
  });

  test("valid data is kept exactly: NaN and ±Infinity in float arrays, in-range integers of every typed array", () => {
    expect(np.array([1, Number.NaN, Number.NEGATIVE_INFINITY]).toArray()).toEqual([1, Number.NaN, Number.NEGATIVE_INFINITY]);
    expect(np.array(new Float64Array([Number.NaN]), "float32").toArray()).toEqual([Number.NaN]);
    expect(np.array(new Int8Array([-3, 4]) as never, "int32").toArray()).toEqual([-3, 4]);
    expect(np.array(new Uint32Array([4294967295]), "uint32").toArray()).toEqual([4294967295]);
    expect(np.array([-2147483648, 2147483647], "int32").toArray()).toEqual([-2147483648, 2147483647]);
    expect(np.array(new Float64Array([3, -0]), "int32").toArray()).toEqual([3, 0]);
    // bool is "non-zero", as NumPy's bool(x): NaN, 0.5 and 256 are true (not truncated to a byte first).
    expect(np.array([Number.NaN, 0, 0.5, 256, -0], "bool").toArray()).toEqual([true, false, true, true, false]);
    expect(np.array(new Float32Array([0.25, 0]), "bool").toArray()).toEqual([true, false]);
    // A cast of an existing array is the explicit way to truncate (as astype in NumPy).
    expect(np.array([1.7, -1.7]).astype("int32").toArray()).toEqual([1, -1]);
  });

  test("property: np.array into int32 either stores every value exactly or raises a ValueError naming a bad one", () => {
    const value = fc.oneof(
      fc.integer({ min: -2147483648, max: 2147483647 }),
      fc.double({ noDefaultInfinity: false }),
      fc.constantFrom(2 ** 31, -(2 ** 31) - 1, 0.5, Number.NaN),
    );
    fc.assert(
      fc.property(fc.array(value, { maxLength: 6 }), fc.boolean(), (vals, typed) => {
        const input = typed ? Float64Array.from(vals) : vals;
        const bad = vals.findIndex((v) => !Number.isInteger(v) || v < -2147483648 || v > 2147483647);
        if (bad < 0) {
          expect(np.array(input, "int32").toArray()).toEqual(vals.map((v) => v + 0)); // -0 is stored as 0
        } else {
          expectError(() => np.array(input, "int32"), ValueError, `at flat index ${bad} (position [${bad}])`);
        }
      }),
      { numRuns: Number(process.env.AXLE_RELIABILITY_RUNS ?? 200) },
    );
  });
});

describe("mistyped arguments raise a typed error naming the function, never a TypeError from inside", () => {
  const B = "int64" as never;
  const x = np.ones([2]);
  test.each<[string, () => unknown]>([
    ["np.astype", () => np.astype(x, B)],
    ["astype", () => x.astype(B)],
    ["zerosLike", () => np.zerosLike(x, B)],
    ["onesLike", () => np.onesLike(x, B)],
    ["fullLike", () => np.fullLike(x, 1, B)],
    ["arange", () => np.arange(3, undefined, 1, B)],
    ["linspace", () => np.linspace(0, 1, 3, { dtype: B })],
    ["eye", () => np.eye(2, 2, 0, B)],
    ["oneHot", () => nn.oneHot(np.array([1], "int32"), 3, B)],
    ["astype", () => jit((a: AxArray) => a.astype(B))(x)],
  ])("an unknown dtype in %s is a DTypeError naming it and the valid dtypes", (op, f) => {
    expectError(f, DTypeError, `${op.replace("np.", "")}: unknown dtype "int64"`, "float32, float64, int32, uint32, bool");
  });

  test("float indices for np.take are rejected, not truncated (NumPy and JAX reject them too)", () => {
    expectError(
      () => np.take(np.array([10, 20, 30]), np.array([0.5, 2])),
      DTypeError,
      "take: indices f32[2] have dtype float32",
      'astype("int32")',
    );
    expectError(() => np.take(np.array([10, 20, 30]), [0.5] as never), ValueError, "array: value 0.5");
    expect(np.take(np.array([10, 20, 30]), np.array([2, 0], "int32")).toArray()).toEqual([30, 10]);
  });
});

describe("dataset loaders name the file, row and column of bad data", () => {
  const gz = readFileSync(new URL("../../data/digits.csv.gz", import.meta.url));
  const text = gunzipSync(gz).toString("utf8");
  const lines = text.trimEnd().split("\n");
  const tmp = mkdtempSync(join(tmpdir(), "axle-bad-data-"));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));
  const file = (name: string, content: string | Buffer) => {
    const p = join(tmp, name);
    writeFileSync(p, content);
    return p;
  };
  const edited = (row: number, f: (line: string) => string) => lines.map((l, i) => (i === row ? f(l) : l)).join("\n");

  test("a truncated gzip file", () => {
    const p = file("trunc.csv.gz", gz.subarray(0, gz.length >> 1));
    expectError(() => datasets.digits({ path: p }), ValueError, p, "does not decompress (unexpected end of file)");
  });

  test("a CSV cut in the middle of a row names the row and the row count", () => {
    const p = file("trunc.csv", text.slice(0, text.length >> 1));
    const e = thrown(() => datasets.digits({ path: p }));
    expect(e).toBeInstanceOf(ValueError);
    expect(e.message).toMatch(/row 898: expected 65 comma-separated values \(64 pixels and a label\), got \d+ values/);
    expect(e.message).toContain("expected 1797 rows, got 898");
    expect(e.message).toContain(p);
  });

  test.each<[string, (l: string) => string, string]>([
    ["NaN", (l) => l.replace(/^\d+/, "NaN"), 'row 4, column 1: pixel "NaN" is not an integer in 0..16'],
    ["a float", (l) => l.replace(/^\d+/, "1.0"), 'row 4, column 1: pixel "1.0" is not an integer in 0..16'],
    ["an empty cell", (l) => l.replace(/^\d+/, ""), 'row 4, column 1: pixel "" is not an integer in 0..16'],
    ["a negative pixel", (l) => l.replace(/^\d+/, "-1"), 'row 4, column 1: pixel "-1" is not an integer in 0..16'],
    ["a label out of range", (l) => l.replace(/\d+$/, "12"), 'row 4: label "12" is not an integer in 0..9'],
    [
      "a semicolon separator",
      (l) => l.replaceAll(",", ";"),
      "row 4: expected 65 comma-separated values (64 pixels and a label), got 1 value",
    ],
    ["an extra column", (l) => `${l},0`, "row 4: expected 65 comma-separated values (64 pixels and a label), got 66 values"],
  ])("a cell with %s", (_, f, fragment) => {
    const p = file("bad-cell.csv", edited(3, f));
    expectError(() => datasets.digits({ path: p }), ValueError, `digits: ${p} is not a valid digits CSV`, fragment);
  });

  test("a header line is reported as bad row 1, not skipped or parsed", () => {
    const p = file("header.csv", [`${"p,".repeat(64)}label`, ...lines].join("\n"));
    // 64 pixels, the label and the row count: every problem is counted, the first ones quoted.
    expectError(() => datasets.digits({ path: p }), ValueError, "(66 problems)", 'row 1, column 1: pixel "p"', "no header");
  });

  test("binary garbage, a directory, and text that is not a string", () => {
    const p = file("garbage.csv", Buffer.from([0, 1, 2, 255, 254]));
    expectError(() => datasets.digits({ path: p }), ValueError, p, "row 1: expected 65 comma-separated values");
    expectError(() => datasets.digits({ path: tmp }), ValueError, `digits: cannot read ${tmp}`, "EISDIR");
    expectError(
      () => datasets.parseDigitsCsv(123 as never, "upload"),
      ValueError,
      "upload",
      "expected the CSV text as a string, got number",
    );
  });

  test("a UTF-8 byte-order mark (as spreadsheet exports write) is not data: the file loads as the original", () => {
    const p = file("bom.csv", `\ufeff${text}`);
    expect(datasets.digits({ path: p }).images.data()).toEqual(datasets.digits().images.data());
  });
});

describe("dataset helpers reject mistyped options and records, naming the option", () => {
  const x = np.ones([10, 3]);

  test("batches", () => {
    expectError(
      () => datasets.batches(null, null as never, 2),
      ValueError,
      "batches: data must be a record of arrays",
      "got null",
    );
    expectError(() => datasets.batches(null, x as never, 2), ValueError, "batches: data is a single array f32[10,3]", "{ x }");
    expectError(() => datasets.batches(null, { x, y: [1, 2] } as never, 2), ValueError, "data.y is not an axle Array");
    expectError(() => datasets.batches(null, { x, y: np.ones([9]) }, 2), ValueError, "data.y has 9 rows", "data.x has 10");
    expectError(() => datasets.batches(null, { x }, Number.NaN), ValueError, "batchSize must be a positive integer, got NaN");
    expectError(() => datasets.batches(null, { x }, "4" as never), ValueError, 'got "4" (a string)');
    expectError(() => datasets.batches(np.ones([2]), { x }, 2), ValueError, "a key seed must be a uint32[2] PRNG key", "f32[2]");
  });

  test("trainTestSplit and the synthetic sets", () => {
    expectError(
      () => datasets.trainTestSplit({ x }, { testSize: Number.NaN, seed: 0 }),
      ValueError,
      "testSize must be",
      "got NaN",
    );
    expectError(
      () => datasets.trainTestSplit({ x }, { seed: "1" as never }),
      ValueError,
      "seed must be an integer",
      'got "1" (a string)',
    );
    expectError(
      () => datasets.moons({ n: "10" as never, seed: 0 }),
      ValueError,
      'moons: n must be an integer ≥ 1, got "10" (a string)',
    );
    expectError(
      () => datasets.moons({ n: 10, noise: Number.NaN, seed: 0 }),
      ValueError,
      "moons: noise must be a finite number ≥ 0, got NaN",
    );
    expectError(
      () => datasets.blobs({ n: 10, centers: [[0, Number.NaN]], seed: 0 }),
      ValueError,
      "centers must be a non-empty list of finite",
    );
  });

  test("standardize with statistics of the wrong shape names the statistic and both shapes", () => {
    expectError(
      () => datasets.standardize(x, { mean: np.ones([4]) }),
      ShapeError,
      "standardize: the given mean f32[4]",
      "x f32[10,3]",
    );
    expectError(() => datasets.standardize(x, { std: np.ones([10, 1, 3]) }), ShapeError, "the given std f32[10,1,3]");
    // Statistics with the reduced axes kept as size 1 (what standardize returns) are accepted.
    const train = datasets.standardize(x);
    expect(datasets.standardize(np.zeros([4, 3]), { mean: train.mean, std: train.std }).x.shape).toEqual([4, 3]);
  });

  test("NaN in float data is data: standardize propagates it per feature, as NumPy does", () => {
    const s = datasets.standardize(
      np.array([
        [1, Number.NaN],
        [3, 5],
      ]),
    );
    expect(s.x.toArray()).toEqual([
      [-1, Number.NaN],
      [1, Number.NaN],
    ]);
  });

  test("every helper raises an AxleError under jit too (never a TypeError)", () => {
    const e = thrown(() => jit((a: AxArray) => np.array(datasets.batches(random.key(0), { a, b: np.ones([3]) }, 2).length))(x));
    expect(e).toBeInstanceOf(AxleError);
    expect(e.message).toContain("data.b has 3 rows");
  });
});
