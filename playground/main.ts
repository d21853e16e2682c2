/**
 * The playground page: controls, drawing and three workers (XOR, digits, the loss cell and the
 * worker half of the self-test). The page itself only draws; it runs axle for the page half of
 * the self-test.
 */
import type { Backend } from "../src/compile/compile.js";
import { DEFAULT_LOSS } from "./cell.js";
import { type CheckResult, runChecks } from "./checks.js";
import { drawCurves, drawDigit, drawHeatmap } from "./draw.js";
import { DIGITS_TARGET, type Pace, type Progress, type Reply, type Request } from "./protocol.js";
import { type DigitsSnapshot, GRID, GRID_HI, GRID_LO, type XorModel, type XorSnapshot } from "./train.js";

const $ = <T extends HTMLElement = HTMLElement>(id: string): T => {
  const el = document.getElementById(id);
  if (el === null) throw new Error(`playground: #${id} is missing from index.html`);
  return el as T;
};
const text = (id: string, s: string) => {
  $(id).textContent = s;
};
const pct = (v: number) => `${(100 * v).toFixed(1)}%`;
const secs = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

/** Errors of the page or a worker: shown in the page and logged (the browser test fails on them). */
function showError(msg: string) {
  const el = $("errors");
  el.hidden = false;
  el.textContent = `${el.textContent ? `${el.textContent}\n` : ""}${msg}`;
  console.error(msg);
}
window.addEventListener("error", (ev) => showError(`page error: ${ev.message}`));
window.addEventListener("unhandledrejection", (ev) => showError(`page error: ${String(ev.reason)}`));

interface Channel {
  send(req: Request): void;
  worker: Worker;
}

function spawn(name: string, onReply: (r: Reply) => void): Channel {
  const worker = new Worker(new URL("worker.js", window.location.href), { type: "module", name });
  worker.onmessage = (ev: MessageEvent<Reply>) => {
    if (ev.data.type === "error") showError(`${name} worker: ${ev.data.message}`);
    else onReply(ev.data);
  };
  worker.onerror = (ev) => {
    ev.preventDefault();
    showError(`${name} worker: ${ev.message || "failed to load"}`);
  };
  worker.onmessageerror = () => showError(`${name} worker: a message could not be decoded`);
  return { worker, send: (req) => worker.postMessage(req) };
}

/** A positive number, an integer in a range: null (and a message in `status`) when invalid. */
function readNumber(id: string, status: string, opts: { integer?: boolean; min: number; max: number }): number | null {
  const input = $<HTMLInputElement>(id);
  const v = Number(input.value);
  const ok =
    input.value.trim() !== "" && Number.isFinite(v) && v >= opts.min && v <= opts.max && (!opts.integer || Number.isInteger(v));
  input.classList.toggle("invalid", !ok);
  if (!ok)
    text(
      status,
      `${input.labels?.[0]?.textContent?.trim() ?? id}: needs ${opts.integer ? "an integer" : "a number"} in ${opts.min}..${opts.max}`,
    );
  return ok ? v : null;
}

const backendSelect = $<HTMLSelectElement>("backend");
const backend = () => (backendSelect.value || "js") as Backend;

// ---- XOR ----
const xorCard = $("xor");
let xorRunning = false;
/** Resets so far: progress of an earlier run still in flight is dropped. */
let xorRun = 0;
const xor = spawn("xor", (r) => {
  if (r.type === "hello") showEnvironment(r);
  else if (r.type === "xor" && r.progress.run === xorRun) showXor(r.progress);
});
const XOR_ABOUT: Record<XorModel, string> = {
  skip: "The classroom net: logistic hidden unit(s) h = σ(x·W + b₀) and a logistic output that sees both inputs and h, ŷ = σ([x, h]·w + b₁). Summed squared error, full-batch gradient descent.",
  tanh: "A 2-H-1 net: dense, tanh, dense, sigmoid. Summed squared error, full-batch gradient descent. Some seeds stop in a local minimum with two patterns at 0.5.",
};

/** The page decides running or paused (the worker follows its messages in order). */
function setXorRunning(on: boolean) {
  xorRunning = on;
  text("xor-start", on ? "Pause" : xorCard.dataset.done === "true" ? "Finished" : "Start");
  $<HTMLButtonElement>("xor-start").disabled = !on && xorCard.dataset.done === "true";
  text("xor-status", on ? `training (jit backend ${backend()})…` : xorCard.dataset.done === "true" ? "finished" : "paused");
}

function resetXor() {
  const model = $<HTMLSelectElement>("xor-model").value as XorModel;
  text("xor-about", XOR_ABOUT[model]);
  const lr = readNumber("xor-lr", "xor-status", { min: 1e-4, max: 100 });
  const hidden = readNumber("xor-hidden", "xor-status", { integer: true, min: 1, max: 16 });
  const seed = readNumber("xor-seed", "xor-status", { integer: true, min: 0, max: 2 ** 31 - 1 });
  if (lr === null || hidden === null || seed === null) return;
  xorCard.dataset.done = "false";
  xorCard.dataset.reachedMs = "";
  text("xor-reached", "–");
  xor.send({ type: "reset", task: "xor", cfg: { model, lr, hidden, seed, backend: backend() }, run: ++xorRun });
  setXorRunning(false);
  text("xor-status", "ready");
}

function showXor({ snap, ms, reached, done }: Progress<XorSnapshot>) {
  text("xor-step", String(snap.step));
  text("xor-loss", snap.loss.toFixed(4));
  text("xor-accuracy", pct(snap.accuracy));
  text("xor-outputs", snap.outputs.map((v) => v.toFixed(2)).join("  "));
  xorCard.dataset.accuracy = String(snap.accuracy);
  if (reached !== null) {
    text("xor-reached", `${reached.step} steps, ${secs(reached.ms)}`);
    xorCard.dataset.reachedMs = String(reached.ms);
    xorCard.dataset.reachedStep = String(reached.step);
  }
  const patterns = [
    [0, 0, 0],
    [0, 1, 1],
    [1, 0, 1],
    [1, 1, 0],
  ];
  drawHeatmap($<HTMLCanvasElement>("xor-heatmap"), {
    grid: snap.grid,
    n: GRID,
    lo: GRID_LO,
    hi: GRID_HI,
    points: patterns.map(([x, y, target], i) => ({ x, y, target, out: snap.outputs[i] })),
  });
  if (done) {
    xorCard.dataset.done = "true";
    setXorRunning(false);
    text("xor-status", `finished: ${snap.step} steps in ${secs(ms)} (jit backend ${backend()})`);
  }
}

$("xor-start").addEventListener("click", () => {
  setXorRunning(!xorRunning);
  xor.send({ type: "run", running: xorRunning });
});
$("xor-reset").addEventListener("click", resetXor);
$("xor-model").addEventListener("change", () => {
  const model = $<HTMLSelectElement>("xor-model").value as XorModel;
  $<HTMLInputElement>("xor-hidden").value = model === "skip" ? "1" : "2";
  resetXor();
});
for (const id of ["xor-lr", "xor-hidden", "xor-seed"]) $(id).addEventListener("change", resetXor);

// ---- Digits ----
const digitsCard = $("digits");
let digitsRunning = false;
let digitsRun = 0;
let history: DigitsSnapshot[] = [];
let shownLabels: number[] = [];
const digits = spawn("digits", (r) => {
  if (r.type === "digits-ready") showDigitGrid(r.shown);
  else if (r.type === "digits" && r.progress.run === digitsRun) showDigits(r.progress);
});

function setDigitsRunning(on: boolean) {
  digitsRunning = on;
  const done = digitsCard.dataset.done === "true";
  text("digits-start", on ? "Pause" : done ? "Finished" : "Start");
  $<HTMLButtonElement>("digits-start").disabled = !on && done;
  text("digits-status", on ? `training (jit backend ${backend()})…` : done ? "finished" : "paused");
}

function resetDigits() {
  const lr = readNumber("digits-lr", "digits-status", { min: 1e-6, max: 10 });
  const hidden = readNumber("digits-hidden", "digits-status", { integer: true, min: 1, max: 512 });
  const seed = readNumber("digits-seed", "digits-status", { integer: true, min: 0, max: 2 ** 31 - 1 });
  if (lr === null || hidden === null || seed === null) return;
  text("digits-h", String(hidden));
  digitsCard.dataset.done = "false";
  digitsCard.dataset.reachedMs = "";
  text("digits-reached", "–");
  history = [];
  digits.send({ type: "reset", task: "digits", cfg: { lr, hidden, seed, backend: backend() }, run: ++digitsRun });
  setDigitsRunning(false);
  text("digits-status", "ready");
}

function showDigitGrid(shown: { pixels: number[][]; labels: number[] }) {
  const grid = $("digits-grid");
  grid.replaceChildren();
  shownLabels = shown.labels;
  shown.pixels.forEach((px, i) => {
    const fig = document.createElement("figure");
    const c = document.createElement("canvas");
    c.width = 8;
    c.height = 8;
    drawDigit(c, px);
    const cap = document.createElement("figcaption");
    cap.id = `digit-${i}`;
    cap.textContent = `? (${shown.labels[i]})`;
    fig.append(c, cap);
    grid.append(fig);
  });
  $<HTMLButtonElement>("digits-start").disabled = false;
}

function showDigits({ snap, ms, reached, done }: Progress<DigitsSnapshot>) {
  if (snap.step > 0) history.push(snap);
  text("digits-epoch", snap.epoch.toFixed(2));
  text("digits-loss", Number.isFinite(snap.trainLoss) ? snap.trainLoss.toFixed(4) : "–");
  text("digits-accuracy", pct(snap.testAccuracy));
  digitsCard.dataset.accuracy = String(snap.testAccuracy);
  if (reached !== null) {
    const epochs = (reached.step / snap.step) * snap.epoch;
    text("digits-reached", `${epochs.toFixed(2)} epochs, ${secs(reached.ms)}`);
    digitsCard.dataset.reachedMs = String(reached.ms);
    digitsCard.dataset.reachedStep = String(reached.step);
  }
  snap.predictions.forEach((p, i) => {
    const cap = document.getElementById(`digit-${i}`);
    if (cap === null) return;
    cap.textContent = `${p} (${shownLabels[i]})`;
    cap.parentElement?.classList.toggle("wrong", p !== shownLabels[i]);
  });
  drawCurves($<HTMLCanvasElement>("digits-curve"), history, DIGITS_TARGET);
  if (done) {
    digitsCard.dataset.done = "true";
    setDigitsRunning(false);
    text("digits-status", `finished: ${snap.epoch.toFixed(0)} epochs in ${secs(ms)} (jit backend ${backend()})`);
  }
}

$("digits-start").addEventListener("click", () => {
  setDigitsRunning(!digitsRunning);
  digits.send({ type: "run", running: digitsRunning });
});
$("digits-reset").addEventListener("click", resetDigits);
for (const id of ["digits-lr", "digits-hidden", "digits-seed"]) $(id).addEventListener("change", resetDigits);

// ---- Environment ----
backendSelect.addEventListener("change", () => {
  resetXor();
  resetDigits();
});
$<HTMLSelectElement>("pace").addEventListener("change", () => {
  const pace = $<HTMLSelectElement>("pace").value as Pace;
  xor.send({ type: "pace", pace });
  digits.send({ type: "pace", pace });
});

/** The worker's answer to hello: the backends, isolation and cores; then the first reset. */
function showEnvironment(r: Extract<Reply, { type: "hello" }>) {
  backendSelect.replaceChildren(
    ...r.backends.map((b) => {
      const o = document.createElement("option");
      o.value = b;
      o.textContent = b;
      o.selected = b === "js";
      return o;
    }),
  );
  const iso = window.crossOriginIsolated;
  const isoEl = $("isolation");
  isoEl.textContent = `cross-origin isolated: ${iso ? "yes" : "no"}${r.isolated === iso ? "" : ` (worker: ${r.isolated ? "yes" : "no"})`}`;
  isoEl.classList.add(iso ? "good" : "warn");
  isoEl.title = iso
    ? "COOP/COEP are set: SharedArrayBuffer is available."
    : "Serve with COOP/COEP headers (npm run playground does) to enable SharedArrayBuffer.";
  text(
    "cores",
    `cores: ${r.cores} · XOR and digits train in separate workers${r.sharedMemory ? " · shared memory available" : ""}`,
  );
  resetXor();
  resetDigits();
}
xor.send({ type: "hello" });

// ---- Loss cell ----
const CELL_TIMEOUT_MS = 3000;
const source = $<HTMLTextAreaElement>("cell-source");
source.value = DEFAULT_LOSS;
let cellId = 0;
let cellTimer: number | undefined;
let cellDebounce: number | undefined;
let cell = spawnCell();

function spawnCell(): Channel {
  return spawn("cell", (r) => {
    if (r.type === "cell" && r.id === cellId) {
      window.clearTimeout(cellTimer);
      const res = r.result;
      const status = $("cell-status");
      status.classList.toggle("bad", !res.ok);
      if (res.ok) {
        const g = res.grads;
        status.textContent = `loss = ${res.value?.toFixed(6)}; ∂loss/∂w = [${g?.w.map((v) => v.toFixed(6)).join(", ")}], ∂loss/∂b = ${g?.b.toFixed(6)}`;
      } else
        status.textContent = `${res.stage === "grad" ? "grad(loss) failed" : res.stage === "syntax" ? "the cell does not compile" : "the loss failed"}: ${res.error}`;
      text("cell-loss-ir", res.lossIr ?? "");
      text("cell-grad-ir", res.gradIr ?? "");
    } else if (r.type === "checks") showChecks("worker", r.results);
  });
}

function runCell() {
  window.clearTimeout(cellDebounce);
  const id = ++cellId;
  cell.send({ type: "cell", id, source: source.value });
  window.clearTimeout(cellTimer);
  cellTimer = window.setTimeout(() => {
    if (id !== cellId) return;
    // A loop that never ends: stop the worker and start a fresh one.
    cell.worker.terminate();
    cell = spawnCell();
    const status = $("cell-status");
    status.classList.add("bad");
    status.textContent = `the cell ran for more than ${CELL_TIMEOUT_MS / 1000} s and was stopped (an endless loop?)`;
  }, CELL_TIMEOUT_MS);
}
source.addEventListener("input", () => {
  window.clearTimeout(cellDebounce);
  cellDebounce = window.setTimeout(runCell, 350);
});
source.addEventListener("keydown", (ev) => {
  if (ev.key === "Enter" && (ev.ctrlKey || ev.metaKey)) {
    ev.preventDefault();
    runCell();
  }
});
runCell();

// ---- Self-test ----
const checkResults: Record<"page" | "worker", CheckResult[] | null> = { page: null, worker: null };
function showChecks(where: "page" | "worker", results: CheckResult[]) {
  checkResults[where] = results;
  const all = [...(checkResults.page ?? []), ...(checkResults.worker ?? [])];
  const failed = all.filter((r) => !r.ok);
  const complete = checkResults.page !== null && checkResults.worker !== null;
  const section = $("checks");
  section.dataset.state = !complete ? "running" : failed.length === 0 ? "pass" : "fail";
  section.dataset.results = JSON.stringify(checkResults);
  text("checks-summary", `${all.length - failed.length} of ${all.length} passed${complete ? "" : " (worker still running)"}`);
  const list = $("checks-list");
  list.replaceChildren(
    ...(["page", "worker"] as const).flatMap((w) =>
      (checkResults[w] ?? []).map((r) => {
        const li = document.createElement("li");
        li.className = r.ok ? "pass" : "fail";
        li.textContent = `${r.ok ? "✓" : "✗"} [${w}] ${r.name}${r.ok ? "" : ` — ${r.detail}`}`;
        return li;
      }),
    ),
  );
}
$("checks-run").addEventListener("click", () => {
  checkResults.page = null;
  checkResults.worker = null;
  $("checks").dataset.state = "running";
  cell.send({ type: "checks" });
  showChecks("page", runChecks());
});
