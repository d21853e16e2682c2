/**
 * Every module of src/ loads as the first module of a program: no import cycle depends on which
 * module happens to be imported first (the registry once crashed with "Cannot access 'registry'
 * before initialization" unless the np namespace loaded first).
 */
import { readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it, vi } from "vitest";

const root = join(import.meta.dirname, "../../src");

function modules(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return modules(p);
    return name.endsWith(".ts") && !name.endsWith(".d.ts") ? [p] : [];
  });
}

describe("each module of src/ as its own entry point", () => {
  const files = modules(root);

  it("finds the modules", () => {
    expect(files.length).toBeGreaterThan(80);
  });

  for (const file of files) {
    it(relative(root, file), async () => {
      vi.resetModules();
      await expect(import(file)).resolves.toBeDefined();
    });
  }
});
