/** JAX-style dtype promotion: the strong lattice, weak JS scalars, and the guide's table. */
import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import type { DType } from "../../src/index.js";
import { DTypeError, np, promoteTypes, resultType } from "../../src/index.js";

const DTYPES: DType[] = ["bool", "int32", "uint32", "float32", "float64"];

// Written out by hand (JAX's lattice, 32-bit mode, plus float64), not derived from the code under test.
const EXPECTED: Record<DType, Record<DType, DType>> = {
  bool: { bool: "bool", int32: "int32", uint32: "uint32", float32: "float32", float64: "float64" },
  int32: { bool: "int32", int32: "int32", uint32: "int32", float32: "float32", float64: "float64" },
  uint32: { bool: "uint32", int32: "int32", uint32: "uint32", float32: "float32", float64: "float64" },
  float32: { bool: "float32", int32: "float32", uint32: "float32", float32: "float32", float64: "float64" },
  float64: { bool: "float64", int32: "float64", uint32: "float64", float32: "float64", float64: "float64" },
};
const WEAK_INT: Record<DType, DType> = {
  bool: "int32",
  int32: "int32",
  uint32: "uint32",
  float32: "float32",
  float64: "float64",
};
const WEAK_FLOAT: Record<DType, DType> = {
  bool: "float32",
  int32: "float32",
  uint32: "float32",
  float32: "float32",
  float64: "float64",
};

/** The promotion table of docs/arrays-and-dtypes.md, generated from the library. */
function promotionTableMarkdown(): string {
  const header = `| | ${DTYPES.join(" | ")} | weak int (\`2\`) | weak float (\`0.5\`) |`;
  const rule = `|${"---|".repeat(DTYPES.length + 3)}`;
  const rows = DTYPES.map(
    (a) =>
      `| **${a}** | ${DTYPES.map((b) => promoteTypes(a, b)).join(" | ")} | ${resultType([a], ["int"])} | ${resultType([a], ["float"])} |`,
  );
  return [header, rule, ...rows].join("\n");
}

describe("promotion between strongly typed arrays", () => {
  for (const a of DTYPES) {
    for (const b of DTYPES) {
      test(`${a} with ${b} → ${EXPECTED[a][b]}`, () => {
        expect(promoteTypes(a, b)).toBe(EXPECTED[a][b]);
        expect(resultType([a, b], [])).toBe(EXPECTED[a][b]);
        // And the operations really produce it.
        // Arithmetic refuses bool⊕bool (cast first), so that pair is checked through where/concatenate only.
        if (a !== "bool" || b !== "bool") {
          expect(np.add(np.zeros([2], a), np.zeros([2], b)).dtype).toBe(EXPECTED[a][b]);
          expect(np.maximum(np.zeros([], a), np.zeros([2], b)).dtype).toBe(EXPECTED[a][b]);
        }
        expect(np.concatenate([np.zeros([1], a), np.zeros([2], b)]).dtype).toBe(EXPECTED[a][b]);
        expect(np.where(true, np.zeros([1], a), np.zeros([1], b)).dtype).toBe(EXPECTED[a][b]);
      });
    }
  }

  test("promotion is commutative and associative", () => {
    const d = fc.constantFrom(...DTYPES);
    fc.assert(
      fc.property(d, d, d, (a, b, c) => {
        expect(promoteTypes(a, b)).toBe(promoteTypes(b, a));
        expect(promoteTypes(promoteTypes(a, b), c)).toBe(promoteTypes(a, promoteTypes(b, c)));
      }),
      { numRuns: 60 },
    );
  });
});

describe("weak JS scalars adopt the array's dtype", () => {
  for (const d of DTYPES) {
    test(`${d} with a weak int → ${WEAK_INT[d]}, with a weak float → ${WEAK_FLOAT[d]}`, () => {
      expect(resultType([d], ["int"])).toBe(WEAK_INT[d]);
      expect(resultType([d], ["float"])).toBe(WEAK_FLOAT[d]);
      const x = np.ones([2], d);
      expect(np.add(x, 2).dtype).toBe(WEAK_INT[d]);
      expect(np.add(2, x).dtype).toBe(WEAK_INT[d]);
      expect(np.multiply(x, 0.5).dtype).toBe(WEAK_FLOAT[d]);
      expect(np.subtract(0.5, x).dtype).toBe(WEAK_FLOAT[d]);
    });
  }

  test("the examples from the guide", () => {
    const f32 = np.array([1, 2]);
    expect(f32.mul(2).dtype).toBe("float32");
    expect(f32.add(0.5).dtype).toBe("float32");
    expect(np.array([1, 2], "int32").add(0.5).dtype).toBe("float32");
    expect(np.array([1, 2], "int32").add(0.5).toArray()).toEqual([1.5, 2.5]);
    expect(np.array([1, 2], "int32").add(2).dtype).toBe("int32");
    expect(np.array([true, false]).add(1).dtype).toBe("int32");
    expect(np.array([true, false]).add(1).toArray()).toEqual([2, 1]);
    expect(np.array([1, 2], "float64").mul(2.5).dtype).toBe("float64");
    expect(np.array([1, 2], "float64").add(np.array([1], "float32")).dtype).toBe("float64");
  });

  test("a weak float keeps its value in float64 (not rounded to float32 first)", () => {
    const x = np.zeros([1], "float64").add(0.1);
    expect(x.item()).toBe(0.1);
  });

  test("with no array operand: ints give int32, floats float32; JS booleans are strong bool", () => {
    expect(resultType([], ["int"])).toBe("int32");
    expect(resultType([], ["int", "float"])).toBe("float32");
    expect(np.add(np.array([1], "int32"), true).dtype).toBe("int32");
    expect(np.logicalAnd(np.array([1, 0]), true).dtype).toBe("bool");
  });

  test("comparisons give bool; divide of ints gives float32", () => {
    expect(np.less(np.array([1], "int32"), 0.5).dtype).toBe("bool");
    expect(np.less(np.array([1], "int32"), 1.5).toArray()).toEqual([true]);
    expect(np.divide(np.array([1], "int32"), 2).dtype).toBe("float32");
    expect(np.divide(np.array([1], "int32"), 2).item()).toBe(0.5);
  });
});

describe("unknown dtypes", () => {
  test("creation functions reject unknown dtype strings, listing the valid ones", () => {
    const bad = "float16" as DType;
    for (const f of [() => np.zeros([2], bad), () => np.ones(2, bad), () => np.full([2], 1, bad), () => np.array([1], bad)]) {
      expect(f).toThrow(DTypeError);
      expect(f).toThrow('unknown dtype "float16"; use one of float32, float64, int32, uint32, bool');
    }
  });
});

describe("docs/arrays-and-dtypes.md", () => {
  test("its promotion table matches promoteTypes/resultType", () => {
    const doc = readFileSync(new URL("../../docs/arrays-and-dtypes.md", import.meta.url), "utf8");
    const m = /<!-- promotion-table:start -->\n([\s\S]*?)\n<!-- promotion-table:end -->/.exec(doc);
    expect(m, "the guide must keep the promotion-table markers").not.toBeNull();
    // On a mismatch, paste the expected value (promotionTableMarkdown()) between the markers.
    expect(m?.[1].trim()).toBe(promotionTableMarkdown());
  });
});
