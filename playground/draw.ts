/** Canvas drawing for the playground: the XOR heatmap, the digits curves and a digit picture. */
import type { DigitsSnapshot } from "./train.js";

const CLASS0 = [49, 110, 190];
const CLASS1 = [230, 120, 40];
const MID = [246, 246, 246];

/** A canvas drawn at the device's pixel ratio, in CSS pixels. */
export function context(canvas: HTMLCanvasElement): CanvasRenderingContext2D {
  const dpr = window.devicePixelRatio || 1;
  const w = Number(canvas.getAttribute("width"));
  const h = Number(canvas.getAttribute("height"));
  if (canvas.dataset.scaled !== String(dpr)) {
    canvas.style.width = `${w}px`;
    canvas.style.height = `${h}px`;
    canvas.width = Math.round(w * dpr);
    canvas.height = Math.round(h * dpr);
    canvas.dataset.scaled = String(dpr);
  }
  const ctx = canvas.getContext("2d");
  if (ctx === null) throw new Error("canvas 2d context unavailable");
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  return ctx;
}

/** Blue for 0, near-white at 0.5, orange for 1. */
function color(p: number): number[] {
  const t = Math.min(1, Math.max(0, p));
  const [a, b, u] = t < 0.5 ? [CLASS0, MID, t / 0.5] : [MID, CLASS1, (t - 0.5) / 0.5];
  return a.map((v, i) => Math.round(v + (b[i] - v) * u));
}

export interface HeatmapSpec {
  grid: Float32Array;
  /** Cells per side; the grid is row-major from the top-left corner. */
  n: number;
  lo: number;
  hi: number;
  /** The four XOR patterns, their targets and the net's outputs. */
  points: { x: number; y: number; target: number; out: number }[];
}

/** The net's output over the plane, its 0.5 contour, and the four patterns. */
export function drawHeatmap(canvas: HTMLCanvasElement, spec: HeatmapSpec) {
  const ctx = context(canvas);
  const W = Number(canvas.getAttribute("width"));
  const H = Number(canvas.getAttribute("height"));
  const { grid, n, lo, hi } = spec;
  const img = new ImageData(n, n);
  for (let i = 0; i < n * n; i++) {
    const [r, g, b] = color(grid[i]);
    img.data.set([r, g, b, 255], 4 * i);
  }
  const off = new OffscreenCanvas(n, n);
  const octx = off.getContext("2d");
  if (octx === null) throw new Error("offscreen 2d context unavailable");
  octx.putImageData(img, 0, 0);
  ctx.imageSmoothingEnabled = true;
  ctx.drawImage(off, 0, 0, W, H);

  // The decision boundary: marching squares over cell centres at the 0.5 level.
  const cx = (c: number) => ((c + 0.5) / n) * W;
  const cy = (r: number) => ((r + 0.5) / n) * H;
  const at = (r: number, c: number) => grid[r * n + c] - 0.5;
  ctx.strokeStyle = "rgba(20, 20, 20, 0.85)";
  ctx.lineWidth = 2;
  ctx.beginPath();
  for (let r = 0; r < n - 1; r++) {
    for (let c = 0; c < n - 1; c++) {
      const corners: [number, number, number][] = [
        [cx(c), cy(r), at(r, c)],
        [cx(c + 1), cy(r), at(r, c + 1)],
        [cx(c + 1), cy(r + 1), at(r + 1, c + 1)],
        [cx(c), cy(r + 1), at(r + 1, c)],
      ];
      const cross: [number, number][] = [];
      for (let k = 0; k < 4; k++) {
        const [x0, y0, v0] = corners[k];
        const [x1, y1, v1] = corners[(k + 1) % 4];
        if (v0 < 0 !== v1 < 0) {
          const t = v0 / (v0 - v1);
          cross.push([x0 + t * (x1 - x0), y0 + t * (y1 - y0)]);
        }
      }
      for (let k = 0; k + 1 < cross.length; k += 2) {
        ctx.moveTo(cross[k][0], cross[k][1]);
        ctx.lineTo(cross[k + 1][0], cross[k + 1][1]);
      }
    }
  }
  ctx.stroke();

  const px = (x: number) => ((x - lo) / (hi - lo)) * W;
  const py = (y: number) => ((hi - y) / (hi - lo)) * H;
  ctx.strokeStyle = "rgba(0, 0, 0, 0.25)";
  ctx.lineWidth = 1;
  ctx.beginPath();
  for (const v of [0, 1]) {
    ctx.moveTo(px(v), 0);
    ctx.lineTo(px(v), H);
    ctx.moveTo(0, py(v));
    ctx.lineTo(W, py(v));
  }
  ctx.stroke();
  ctx.font = "12px system-ui, sans-serif";
  for (const p of spec.points) {
    const [r, g, b] = p.target > 0.5 ? CLASS1 : CLASS0;
    ctx.beginPath();
    ctx.arc(px(p.x), py(p.y), 9, 0, 2 * Math.PI);
    ctx.fillStyle = `rgb(${r}, ${g}, ${b})`;
    ctx.fill();
    ctx.lineWidth = 3;
    ctx.strokeStyle = "#fff";
    ctx.stroke();
    // The outer ring: dark when the net classifies the pattern right, red when wrong.
    ctx.beginPath();
    ctx.arc(px(p.x), py(p.y), 11, 0, 2 * Math.PI);
    ctx.lineWidth = 1.5;
    ctx.strokeStyle = p.out > 0.5 === p.target > 0.5 ? "#222" : "#e00";
    ctx.stroke();
    ctx.fillStyle = "#111";
    ctx.fillText(p.out.toFixed(2), px(p.x) + 12, py(p.y) + 4);
  }
  ctx.fillStyle = "#333";
  ctx.fillText("x₀ →", W - 34, H - 6);
  ctx.fillText("x₁ ↑", 4, 14);
}

/** Train loss, test loss and test accuracy against epochs, with the 95% line. */
export function drawCurves(canvas: HTMLCanvasElement, history: DigitsSnapshot[], target: number) {
  const ctx = context(canvas);
  const W = Number(canvas.getAttribute("width"));
  const H = Number(canvas.getAttribute("height"));
  const m = { l: 40, r: 40, t: 22, b: 28 };
  const pw = W - m.l - m.r;
  const ph = H - m.t - m.b;
  ctx.clearRect(0, 0, W, H);
  ctx.fillStyle = "#fff";
  ctx.fillRect(0, 0, W, H);
  const last = history.at(-1);
  const xMax = Math.max(3, Math.ceil(last?.epoch ?? 0));
  const losses = history.flatMap((s) => [s.trainLoss, s.testLoss]).filter(Number.isFinite);
  const yMax = Math.max(0.5, ...losses);
  const X = (e: number) => m.l + (e / xMax) * pw;
  const YL = (v: number) => m.t + ph - (v / yMax) * ph;
  const YA = (v: number) => m.t + ph - v * ph;

  ctx.strokeStyle = "#ccc";
  ctx.lineWidth = 1;
  ctx.strokeRect(m.l, m.t, pw, ph);
  ctx.font = "11px system-ui, sans-serif";
  ctx.fillStyle = "#555";
  const step = xMax <= 10 ? 1 : 5;
  for (let e = 0; e <= xMax; e += step) ctx.fillText(String(e), X(e) - 3, H - m.b + 14);
  ctx.fillText("epoch", W / 2 - 14, H - 4);
  for (const v of [0, 0.5, 1]) {
    ctx.fillText(`${v * 100}%`, W - m.r + 4, YA(v) + 4);
    ctx.fillText((v * yMax).toFixed(2), 4, YL(v * yMax) + 4);
  }
  ctx.setLineDash([4, 4]);
  ctx.strokeStyle = "#999";
  ctx.beginPath();
  ctx.moveTo(m.l, YA(target));
  ctx.lineTo(m.l + pw, YA(target));
  ctx.stroke();
  ctx.setLineDash([]);

  const line = (pick: (s: DigitsSnapshot) => number, y: (v: number) => number, style: string, dash: number[] = []) => {
    ctx.strokeStyle = style;
    ctx.lineWidth = 2;
    ctx.setLineDash(dash);
    ctx.beginPath();
    let first = true;
    for (const s of history) {
      const v = pick(s);
      if (!Number.isFinite(v)) continue;
      if (first) ctx.moveTo(X(s.epoch), y(v));
      else ctx.lineTo(X(s.epoch), y(v));
      first = false;
    }
    ctx.stroke();
    ctx.setLineDash([]);
  };
  line((s) => s.trainLoss, YL, "#3170be");
  line((s) => s.testLoss, YL, "#8a4fbf", [5, 3]);
  line((s) => s.testAccuracy, YA, "#2f9e44");
  const legend: [string, string][] = [
    ["train loss", "#3170be"],
    ["test loss", "#8a4fbf"],
    ["test accuracy", "#2f9e44"],
  ];
  let lx = m.l;
  for (const [label, style] of legend) {
    ctx.fillStyle = style;
    ctx.fillRect(lx, 7, 12, 4);
    ctx.fillStyle = "#333";
    ctx.fillText(label, lx + 16, 13);
    lx += ctx.measureText(label).width + 30;
  }
}

/** One 8×8 digit (pixels 0..16), dark on light. */
export function drawDigit(canvas: HTMLCanvasElement, pixels: number[]) {
  const ctx = canvas.getContext("2d");
  if (ctx === null) return;
  const img = new ImageData(8, 8);
  pixels.forEach((v, i) => {
    const g = Math.round(255 - (v / 16) * 255);
    img.data.set([g, g, g, 255], 4 * i);
  });
  ctx.putImageData(img, 0, 0);
}
