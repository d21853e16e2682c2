/**
 * The core runs in browsers: bundling src/index.ts for the browser platform needs no Node
 * built-ins, and the bundle computes a gradient, a vmap and a jit in a bare JS realm (no
 * `process`, no `require`), as a page would.
 */
import { runInNewContext } from "node:vm";
import { build } from "esbuild";
import { describe, expect, test } from "vitest";

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
