/**
 * The core runs in browsers: bundling src/index.ts for the browser platform needs no Node
 * built-ins, and the bundle computes a gradient, a vmap and a jit in a bare JS realm (no
 * `process`, no `require`), as a page would.
 */
import { runInNewContext } from "node:vm";
import { build } from "esbuild";
import { describe, expect, test } from "vitest";
import { allPrimitives } from "../../src/index.js";

/** axle bundled for a page, as an IIFE defining the global `axle`. */
function bundleForBrowser() {
  return build({
    entryPoints: ["src/index.ts"],
    bundle: true,
    platform: "browser",
    format: "iife",
    globalName: "axle",
    write: false,
    logLevel: "silent",
  });
}

describe("browser bundle", () => {
  test("bundles without Node built-ins and runs transforms in a bare realm", async () => {
    const result = await bundleForBrowser();
    expect(result.errors).toEqual([]);
    const code = result.outputFiles[0].text;
    expect(code).not.toMatch(/require\(["']node:/);
    // A page has URL and console; it has no process or require.
    const sandbox: Record<string, unknown> = { console, URL };
    const out = runInNewContext(
      `${code};
      const { np, grad, vmap, jit } = axle;
      const f = (x) => np.sum(np.sin(x).mul(x));
      const x = np.array([1, 2, 3]);
      JSON.stringify({
        g: grad(f)(x).toArray(),
        v: vmap(grad(f))(np.array([[1, 2], [3, 4]])).shape,
        j: jit(f)(x).item(),
        hasProcess: typeof process !== "undefined",
      });`,
      sandbox,
    );
    const r = JSON.parse(out as string);
    expect(r.hasProcess).toBe(false);
    const expected = [1, 2, 3].map((v) => Math.sin(v) + v * Math.cos(v));
    r.g.forEach((gv: number, i: number) => expect(gv).toBeCloseTo(expected[i], 5));
    expect(r.v).toEqual([2, 2]);
    expect(r.j).toBeCloseTo(Math.sin(1) + 2 * Math.sin(2) + 3 * Math.sin(3), 5);
  });

  // numpy/index installs Array's methods when it loads, and every primitive registers itself when
  // its module loads: package.json's "sideEffects" names those modules, so a bundler keeps them
  // whenever they are imported, while it may drop every other module the program never uses.
  test("array methods and the primitives a program reaches survive a bundle that imports only random", async () => {
    const result = await build({
      stdin: {
        contents: `import { allPrimitives, random } from "./src/index.ts";
          const x = random.uniform(random.key(0), [3]);
          globalThis.result = { y: x.mul(2).add(1).toArray(), x: x.toArray(), names: allPrimitives().map((p) => p.name) };`,
        resolveDir: process.cwd(),
      },
      bundle: true,
      platform: "browser",
      format: "esm",
      write: false,
      logLevel: "silent",
    });
    const sandbox: { result?: { y: number[]; x: number[]; names: string[] } } = {};
    runInNewContext(result.outputFiles[0].text, sandbox);
    const { x, y, names } = sandbox.result ?? { x: [], y: [], names: [] };
    expect(y).toHaveLength(3);
    y.forEach((v, i) => expect(v).toBeCloseTo(2 * x[i] + 1, 6));
    // random reaches the threefry and bit primitives, the np namespace the elementwise ones.
    for (const name of ["threefry2x32", "shift_right_logical", "mul", "add", "convert_element_type", "reshape"]) {
      expect(names).toContain(name);
    }
    expect(names.length).toBeLessThanOrEqual(allPrimitives().length);
  });

  test("datasets.digits explains that it needs Node when there is none", async () => {
    const result = await bundleForBrowser();
    const out = runInNewContext(
      `${result.outputFiles[0].text};
      let msg = "";
      try { axle.datasets.digits(); } catch (e) { msg = e.message; }
      msg;`,
      { URL },
    );
    expect(out).toMatch(/needs Node/);
    expect(out).toMatch(/parseDigitsCsv/);
  });
});
