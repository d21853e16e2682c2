/**
 * Source information: every staged equation records the user's call site (the first frame outside
 * src/), errors raised while tracing name that line, and `toString({ sourceInfo: true })` prints it.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";
import { type Array, DTypeError, grad, jit, makeIr, nn, np, ShapeError, vmap } from "../../src/index.js";

const LINES = readFileSync(fileURLToPath(import.meta.url), "utf8").split("\n");
const FILE = "test/debug/source-info.test.ts";
/** `file:line:` of the line holding `// site: <name>`. */
const site = (name: string) => `${FILE}:${LINES.findIndex((l) => l.includes(`// site: ${name}`)) + 1}:`;

const model = (x: Array) => {
  const h = np.tanh(x.mul(2)); // site: tanh
  return nn.softmax(h).sum(); // site: softmax
};

describe("every IR equation records the user's call site", () => {
  test("makeIr: each equation names the line of this file that called the np/nn function", () => {
    const ir = makeIr(model)(np.ones([3]));
    const sites = ir.eqns.map((e) => e.sourceInfo?.location ?? "none");
    expect(sites.every((s) => s.startsWith(site("tanh")) || s.startsWith(site("softmax")))).toBe(true);
    expect(sites.filter((s) => s.startsWith(site("softmax"))).length).toBeGreaterThan(3); // softmax is a composite
  });

  test("the equations of jit(grad(f)) (forward, the rule's derivative and the backward pass) name the forward line", () => {
    const ir = jit(grad(model)).lower(np.ones([3]));
    expect(ir.eqns.length).toBeGreaterThan(10);
    for (const e of ir.eqns)
      expect(e.sourceInfo?.location ?? "none").toMatch(
        new RegExp(
          `^${FILE}:(${LINES.findIndex((l) => l.includes("// site: tanh")) + 1}|${LINES.findIndex((l) => l.includes("// site: softmax")) + 1}):`,
        ),
      );
  });

  test("toString({ sourceInfo: true }) ends each equation with its site; plain toString is unchanged", () => {
    const ir = makeIr(model)(np.ones([3]));
    const lines = ir.toString({ sourceInfo: true }).split("\n").slice(1, -1);
    expect(lines.length).toBe(ir.eqns.length);
    expect(lines[0]).toMatch(/= mul a 2\.0:f32\[\] {2}# test\/debug\/source-info\.test\.ts:\d+:\d+$/);
    expect(lines[0]).toContain(`# ${site("tanh")}`);
    expect(ir.toString()).not.toContain("#");
  });
});

describe("errors raised while tracing name the user's line", () => {
  test.each([
    ["jit", () => jit((x: Array) => x.add(np.ones([4])))(np.ones([3]))], // site: jit-error
    ["vmap", () => vmap((x: Array) => np.matmul(x, np.ones([4, 2])))(np.ones([5, 3]))], // site: vmap-error
    ["grad", () => grad((x: Array) => nn.mse(x, np.ones([3, 1])))(np.ones([3]))], // site: grad-error
  ] as const)("a ShapeError under %s ends with the transform and this file's line", (name, call) => {
    let err: unknown;
    try {
      call();
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ShapeError);
    expect((err as Error).message).toContain(`(raised while tracing under ${name}, at ${site(`${name}-error`)}`);
  });

  const floatIndex = np.array([0.5], "float32");
  test.each([
    ["jit", () => jit((x: Array) => np.take(x, floatIndex))(np.ones([3]))], // site: jit-dtype
    ["vmap", () => vmap((x: Array) => np.take(x, floatIndex))(np.ones([5, 3]))], // site: vmap-dtype
    ["grad", () => grad((x: Array) => np.take(x, floatIndex).sum())(np.ones([3]))], // site: grad-dtype
  ] as const)("a DTypeError under %s ends with the transform and this file's line", (name, call) => {
    let err: unknown;
    try {
      call();
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DTypeError);
    expect((err as Error).message).toContain(`(raised while tracing under ${name}, at ${site(`${name}-dtype`)}`);
  });

  test("an eager error keeps its message as it was", () => {
    expect(() => np.add(np.ones([2]), np.ones([3]))).toThrow(/line up$/);
  });
});
