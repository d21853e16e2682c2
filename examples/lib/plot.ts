/**
 * Plots for the examples: Vega-Lite specs rendered to SVG files (no browser, no canvas).
 * Each helper takes plain JS data and writes `out/<example>/<name>.svg`.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import * as vega from "vega";
import * as vl from "vega-lite";

type Row = Record<string, number | string | boolean>;

/** Render a Vega-Lite spec to an SVG file; returns the path. */
export async function saveSvg(path: string, spec: vl.TopLevelSpec): Promise<string> {
  const compiled = vl.compile(spec).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: "none" });
  const svg = await view.toSVG();
  view.finalize();
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, svg);
  return path;
}

const base = (title: string, width = 420, height = 260) => ({
  $schema: "https://vega.github.io/schema/vega-lite/v6.json",
  title,
  width,
  height,
  background: "white",
});

/** Lines of y against x, one colour per series. */
export function lineChart(
  path: string,
  title: string,
  series: Record<string, readonly number[]>,
  opts: { x?: string; y?: string; logY?: boolean; xValues?: readonly number[] } = {},
): Promise<string> {
  const values: Row[] = [];
  for (const [name, ys] of Object.entries(series)) {
    ys.forEach((y, i) => values.push({ x: opts.xValues?.[i] ?? i + 1, y, series: name }));
  }
  return saveSvg(path, {
    ...base(title),
    data: { values },
    mark: { type: "line", strokeWidth: 1.5 },
    encoding: {
      x: { field: "x", type: "quantitative", title: opts.x ?? "epoch" },
      y: { field: "y", type: "quantitative", title: opts.y ?? "value", scale: opts.logY ? { type: "log" } : { zero: false } },
      color: { field: "series", type: "nominal", title: null },
    },
  } as vl.TopLevelSpec);
}

/** A histogram of values. */
export function histogram(path: string, title: string, values: readonly number[], opts: { x?: string; bins?: number } = {}) {
  return saveSvg(path, {
    ...base(title),
    data: { values: values.map((v) => ({ v })) },
    mark: "bar",
    encoding: {
      x: { field: "v", type: "quantitative", bin: { maxbins: opts.bins ?? 40 }, title: opts.x ?? "value" },
      y: { aggregate: "count", type: "quantitative", title: "count" },
    },
  } as vl.TopLevelSpec);
}

/** A heatmap with numbers in the cells (e.g. a confusion matrix). */
export function heatmap(
  path: string,
  title: string,
  matrix: readonly (readonly number[])[],
  opts: { x?: string; y?: string } = {},
) {
  const values: Row[] = [];
  matrix.forEach((row, i) => row.forEach((v, j) => values.push({ row: String(i), col: String(j), v })));
  return saveSvg(path, {
    ...base(title, 360, 360),
    data: { values },
    encoding: {
      x: { field: "col", type: "ordinal", title: opts.x ?? "predicted" },
      y: { field: "row", type: "ordinal", title: opts.y ?? "true" },
    },
    layer: [
      { mark: "rect", encoding: { color: { field: "v", type: "quantitative", scale: { scheme: "blues" }, title: "count" } } },
      {
        mark: { type: "text", fontSize: 10 },
        encoding: {
          text: { field: "v", type: "quantitative" },
          // Light text on the dark cells, so every count stays readable.
          color: { condition: { test: `datum.v > ${Math.max(...matrix.flat()) / 2}`, value: "white" }, value: "black" },
        },
      },
    ],
  } as vl.TopLevelSpec);
}

/**
 * Points coloured by class over a background grid of predicted classes (decision regions).
 * `grid` rows are {x, y, cls}; `points` rows are {x, y, cls}.
 */
export function decisionRegions(
  path: string,
  title: string,
  grid: readonly { x: number; y: number; cls: number | string }[],
  points: readonly { x: number; y: number; cls: number | string }[],
  step: number,
) {
  return saveSvg(path, {
    ...base(title, 380, 380),
    layer: [
      {
        data: { values: grid.map((g) => ({ ...g, cls: String(g.cls), x2: g.x + step, y2: g.y + step })) },
        mark: { type: "rect", opacity: 0.35 },
        encoding: {
          x: { field: "x", type: "quantitative", title: "x₁" },
          x2: { field: "x2" },
          y: { field: "y", type: "quantitative", title: "x₂" },
          y2: { field: "y2" },
          color: { field: "cls", type: "nominal", title: "class" },
        },
      },
      {
        data: { values: points.map((p) => ({ ...p, cls: String(p.cls) })) },
        mark: { type: "point", filled: true, size: 50, stroke: "black", strokeWidth: 0.8 },
        encoding: {
          x: { field: "x", type: "quantitative" },
          y: { field: "y", type: "quantitative" },
          color: { field: "cls", type: "nominal" },
        },
      },
    ],
  } as vl.TopLevelSpec);
}

/** Filled contours of f on a grid with optimisation paths drawn on top. */
export function contourWithPaths(
  path: string,
  title: string,
  grid: readonly { x: number; y: number; z: number }[],
  step: number,
  paths: Record<string, readonly { x: number; y: number }[]>,
) {
  const pathRows: Row[] = [];
  for (const [name, pts] of Object.entries(paths)) pts.forEach((p, i) => pathRows.push({ ...p, i, path: name }));
  return saveSvg(path, {
    ...base(title, 420, 380),
    layer: [
      {
        data: { values: grid.map((g) => ({ ...g, x2: g.x + step, y2: g.y + step })) },
        mark: "rect",
        encoding: {
          x: { field: "x", type: "quantitative", title: "x" },
          x2: { field: "x2" },
          y: { field: "y", type: "quantitative", title: "y" },
          y2: { field: "y2" },
          color: { field: "z", type: "quantitative", scale: { scheme: "viridis" }, title: "f(x, y)" },
        },
      },
      {
        data: { values: pathRows },
        mark: { type: "line", point: true, strokeWidth: 2 },
        encoding: {
          x: { field: "x", type: "quantitative" },
          y: { field: "y", type: "quantitative" },
          order: { field: "i", type: "quantitative" },
          color: { field: "path", type: "nominal", scale: { range: ["#ff5a36", "#ffffff"] }, title: "path" },
        },
      },
    ],
    resolve: { scale: { color: "independent" } },
  } as vl.TopLevelSpec);
}

/** A grid of 8×8 grey images with captions; `marked` ones get a red caption. */
export function imageGrid(
  path: string,
  title: string,
  images: readonly (readonly number[])[],
  captions: readonly string[],
  marked: readonly boolean[],
  cols = 10,
  side = 8,
) {
  // Each image takes a (side + 1) × (side + 3) cell: one column of gap, three rows for the caption.
  const cellW = side + 1;
  const cellH = side + 3;
  const rows = Math.ceil(images.length / cols);
  const values: Row[] = [];
  images.forEach((img, k) => {
    const gx = (k % cols) * cellW;
    const gy = Math.floor(k / cols) * cellH;
    img.forEach((v, p) => {
      const x = gx + (p % side);
      const y = gy + Math.floor(p / side);
      values.push({ x, x2: x + 1, y, y2: y + 1, v });
    });
  });
  const labels = captions.map((c, k) => ({
    x: (k % cols) * cellW + side / 2,
    y: Math.floor(k / cols) * cellH + side + 1.6,
    c,
    bad: marked[k] ? "wrong" : "right",
  }));
  const xScale = { domain: [0, cols * cellW], nice: false, zero: false };
  const yScale = { domain: [rows * cellH, 0], nice: false, zero: false };
  return saveSvg(path, {
    ...base(title, cols * 44, rows * 60),
    layer: [
      {
        data: { values },
        mark: "rect",
        encoding: {
          x: { field: "x", type: "quantitative", axis: null, scale: xScale },
          x2: { field: "x2" },
          y: { field: "y", type: "quantitative", axis: null, scale: yScale },
          y2: { field: "y2" },
          color: { field: "v", type: "quantitative", scale: { scheme: "greys" }, legend: null },
        },
      },
      {
        data: { values: labels },
        mark: { type: "text", fontSize: 10 },
        encoding: {
          x: { field: "x", type: "quantitative", axis: null, scale: xScale },
          y: { field: "y", type: "quantitative", axis: null, scale: yScale },
          text: { field: "c" },
          color: {
            field: "bad",
            type: "nominal",
            scale: { domain: ["right", "wrong"], range: ["#222222", "#d62728"] },
            legend: null,
          },
        },
      },
    ],
    resolve: { scale: { color: "independent" } },
  } as vl.TopLevelSpec);
}
