/**
 * A script that uses the worker pool (a matmul large enough to split across threads) and then
 * finishes must exit by itself: the workers are unref'd, so they never keep Node alive.
 */
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { expect, test } from "vitest";

test("a script that ran a threaded matmul exits without process.exit", () => {
  const src = join(import.meta.dirname, "../../src/index.ts");
  const script = `
    const { np, random } = await import(${JSON.stringify(src)});
    const a = random.uniform(random.key(0), [256, 256]);
    const c = np.matmul(a, a); // 33 MFLOP: above the two-thread threshold
    console.log(c.shape.join("x"));
  `;
  const r = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
    encoding: "utf8",
    timeout: 30_000,
  });
  expect(r.error).toBeUndefined();
  expect(r.signal).toBeNull();
  expect(r.status).toBe(0);
  expect(r.stdout.trim()).toBe("256x256");
});
