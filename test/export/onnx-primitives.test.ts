/**
 * Every primitive's ONNX rule, run in ONNX Runtime on the registry specs' random shapes, params
 * and values (float64 as the specs draw them, and again cast to float32), against axle.
 */
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { exportOnnx } from "../../src/export/onnx/index.js";
import { type Array, tree } from "../../src/index.js";
import { allPrimitives } from "../../src/primitives/registry.js";
import { type PrimitiveSpec, SPECS } from "../primitives/specs.js";
import { maxDiff, RUNTIMES, runOnnx, values } from "./ort.js";

const cases = (s: PrimitiveSpec) => s.setup.chain((p) => s.args(p).map((args) => ({ p, args })));

/** The primitives ONNX cannot express, with the reason their rule gives. */
function ruleOf(name: string) {
  const p = allPrimitives().find((q) => q.name === name);
  return p?.onnx;
}
const UNSUPPORTED = allPrimitives().filter((p) => {
  const r = ruleOf(p.name);
  return r !== undefined && "unsupported" in r;
});

test("every primitive declares an ONNX rule or why it has none", () => {
  const missing = allPrimitives().filter((p) => ruleOf(p.name) === undefined);
  expect(missing.map((p) => p.name)).toEqual([]);
  for (const p of UNSUPPORTED) expect((ruleOf(p.name) as { unsupported: string }).unsupported.length).toBeGreaterThan(20);
});

const asF32 = (a: Array) => (a.dtype === "float64" ? a.astype("float32") : a);

describe.each(RUNTIMES)("each supported primitive matches axle in ONNX Runtime (%s)", (runtime) => {
  const supported = SPECS.filter((s) => !UNSUPPORTED.some((p) => p.name === s.name));
  for (const s of supported) {
    test(s.name, async () => {
      for (const { p, args } of fc.sample(cases(s), { numRuns: 3, seed: 11 })) {
        for (const variant of [args, args.map(asF32)]) {
          const f = s.fn(p);
          const want = tree.leaves(f(...variant)) as Array[];
          const names = variant.map((_, i) => `x${i}`);
          const model = exportOnnx(f, variant, { argNames: names });
          const got = await runOnnx(model, Object.fromEntries(variant.map((a, i) => [names[i], a])), runtime);
          const outs = Object.keys(got).sort();
          expect(outs.length).toBe(want.length);
          want.forEach((w, i) => {
            const key = want.length === 1 ? "out" : `out[${i}]`;
            const tol = w.dtype === "float32" || variant.some((a) => a.dtype === "float32") ? 2e-5 : 1e-9;
            expect(got[key].dims, `${s.name} ${key} shape`).toEqual([...w.shape]);
            expect(maxDiff(got[key].data, values(w)), `${s.name} ${key} (${w.dtype})`).toBeLessThanOrEqual(tol);
          });
        }
      }
    });
  }
});
