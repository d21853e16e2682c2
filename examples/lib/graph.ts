/**
 * Graph pictures for the examples: Graphviz DOT (from `ir.toDot()`) rendered to SVG by
 * `@viz-js/viz`, a WebAssembly build of Graphviz that bundles its wasm (no system install, no
 * network). A devDependency of the examples, not of the axle package.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { instance, type Viz } from "@viz-js/viz";

let viz: Promise<Viz> | undefined;

/** Lay out and draw DOT text as an SVG document; throws with Graphviz's messages when the DOT is invalid. */
export async function renderDot(dot: string): Promise<string> {
  viz ??= instance();
  const result = (await viz).render(dot, { format: "svg" });
  const problems = result.errors
    // Graphviz has no font metrics for non-ASCII text here (it estimates it as wide as a space);
    // labels are laid out a little narrow, which is harmless.
    .filter((e) => !/no value for width of non-ASCII character/.test(e.message))
    .map((e) => `${e.level ?? "error"}: ${e.message}`);
  if (result.status !== "success") throw new Error(`renderDot: Graphviz could not render the graph:\n${problems.join("\n")}`);
  // Warnings (an unknown attribute, a bad HTML label) would silently drop parts of the picture.
  if (problems.length > 0) throw new Error(`renderDot: Graphviz warned:\n${problems.join("\n")}`);
  return result.output;
}

/** Render DOT text to an SVG file; returns the path. */
export async function saveDotSvg(path: string, dot: string): Promise<string> {
  const svg = await renderDot(dot);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, svg);
  return path;
}
