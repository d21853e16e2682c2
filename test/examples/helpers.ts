/** Shared set-up of the example tests: a temporary output folder, and checks on written plots. */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect } from "vitest";

/** A fresh folder for an example's plots, removed after the file's tests. */
export function tempOutDir(name: string): string {
  const dir = mkdtempSync(join(tmpdir(), `axle-${name}-`));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Every path is a written, non-empty SVG file. */
export function expectSvgFiles(paths: readonly string[]): void {
  expect(paths.length).toBeGreaterThan(0);
  for (const p of paths) expect(readFileSync(p, "utf8").startsWith("<svg")).toBe(true);
}
