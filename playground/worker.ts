/**
 * The playground's Web Worker: one instance trains XOR, another the digits MLP, a third evaluates
 * the loss cell and the self-checks, so the page never blocks and the two trainings run on two
 * cores. Every failure is reported as a message; nothing here throws past onmessage.
 */
import { BACKENDS } from "../src/compile/compile.js";
import { datasets } from "../src/index.js";
import { evaluateCell } from "./cell.js";
import { runChecks } from "./checks.js";
import {
  DIGITS_MAX_EPOCHS,
  DIGITS_TARGET,
  type Pace,
  type Reached,
  type Reply,
  type Request,
  XOR_DONE_LOSS,
  XOR_MAX_STEPS,
  XOR_TARGET,
} from "./protocol.js";
import { type DigitsTrainer, digitsTrainer, type XorTrainer, xorTrainer } from "./train.js";

/** The parts of DedicatedWorkerGlobalScope used here (the project's lib is DOM, not WebWorker). */
interface WorkerScope {
  postMessage(message: Reply): void;
  onmessage: ((ev: MessageEvent<Request>) => void) | null;
  addEventListener(type: "unhandledrejection", f: (ev: PromiseRejectionEvent) => void): void;
  crossOriginIsolated: boolean;
  location: { href: string };
}
const scope = self as unknown as WorkerScope;
const post = (m: Reply) => scope.postMessage(m);
const message = (e: unknown) => (e instanceof Error ? `${e.name}: ${e.message}` : String(e));

type Job = { task: "xor"; trainer: XorTrainer } | { task: "digits"; trainer: DigitsTrainer };

let job: Job | null = null;
let running = false;
let pace: Pace = "full";
/** Training time accumulated before the current running stretch, and when that stretch began. */
let banked = 0;
let since = 0;
let reached: Reached | null = null;
let generation = 0;
/** A start that arrived while a reset was still loading its data. */
let pendingRun = false;

const elapsed = () => banked + (running ? performance.now() - since : 0);

let digitsData: Promise<datasets.Digits> | null = null;
/** The digits CSV, fetched from the dev server next to this script and gunzipped by the browser. */
function loadDigits(): Promise<datasets.Digits> {
  digitsData ??= (async () => {
    const url = new URL("digits.csv.gz", scope.location.href);
    const res = await fetch(url);
    if (!res.ok) throw new Error(`fetching ${url} failed: HTTP ${res.status}`);
    // Read the whole file first, then gunzip it: the request is complete before decoding starts.
    const gz = new Blob([await res.arrayBuffer()]);
    const text = await new Response(gz.stream().pipeThrough(new DecompressionStream("gzip"))).text();
    return datasets.parseDigitsCsv(text, url.pathname);
  })();
  digitsData.catch(() => {
    digitsData = null; // let the next reset try again
  });
  return digitsData;
}

function setRunning(on: boolean) {
  if (on === running) return;
  if (on) since = performance.now();
  else banked += performance.now() - since;
  running = on;
}

/**
 * Training runs in slices of a fixed number of steps, each followed by a progress message, so
 * the step at which a target is first seen depends on the seed only, not on the machine's speed.
 * XOR: 2 compiled calls of 25 steps; digits: 10 minibatches (each slice takes ~10 ms here).
 */
const XOR_CALLS_PER_SLICE = 2;
const DIGITS_STEPS_PER_SLICE = 10;

function tick(gen: number) {
  if (!running || job === null || gen !== generation) return;
  try {
    if (job.task === "xor") {
      const tr = job.trainer;
      tr.train(XOR_CALLS_PER_SLICE);
      const snap = tr.snapshot();
      if (reached === null && snap.accuracy >= XOR_TARGET) reached = { step: snap.step, ms: elapsed() };
      const done = snap.step >= XOR_MAX_STEPS || snap.loss < XOR_DONE_LOSS;
      if (done) setRunning(false);
      post({ type: "xor", progress: { run: gen, snap, ms: elapsed(), reached, done } });
    } else {
      const tr = job.trainer;
      const max = DIGITS_MAX_EPOCHS * tr.stepsPerEpoch;
      tr.train(Math.min(DIGITS_STEPS_PER_SLICE, max - tr.step));
      const snap = tr.snapshot();
      if (reached === null && snap.testAccuracy >= DIGITS_TARGET) reached = { step: snap.step, ms: elapsed() };
      const done = tr.step >= max;
      if (done) setRunning(false);
      post({ type: "digits", progress: { run: gen, snap, ms: elapsed(), reached, done } });
    }
  } catch (e) {
    setRunning(false);
    post({ type: "error", message: `training failed: ${message(e)}` });
    return;
  }
  if (running) setTimeout(() => tick(gen), pace === "slow" ? 80 : 0);
}

function start() {
  pendingRun = false;
  if (running) return; // one tick loop at a time
  setRunning(true);
  const gen = generation;
  setTimeout(() => tick(gen), 0);
}

async function handle(req: Request) {
  switch (req.type) {
    case "hello":
      post({
        type: "hello",
        backends: BACKENDS,
        isolated: scope.crossOriginIsolated,
        cores: navigator.hardwareConcurrency,
        sharedMemory: typeof SharedArrayBuffer !== "undefined",
      });
      return;
    case "reset": {
      const gen = req.run;
      generation = gen;
      setRunning(false);
      banked = 0;
      reached = null;
      job = null;
      pendingRun = false;
      if (req.task === "xor") {
        job = { task: "xor", trainer: xorTrainer(req.cfg) };
        post({ type: "xor", progress: { run: gen, snap: job.trainer.snapshot(), ms: 0, reached: null, done: false } });
      } else {
        const data = await loadDigits();
        if (gen !== generation) return; // another reset came in while the data loaded
        const trainer = digitsTrainer(data, req.cfg);
        job = { task: "digits", trainer };
        post({ type: "digits-ready", shown: trainer.shown });
        post({ type: "digits", progress: { run: gen, snap: trainer.snapshot(), ms: 0, reached: null, done: false } });
      }
      if (pendingRun) start();
      return;
    }
    case "run":
      pendingRun = req.running && job === null;
      if (req.running && job !== null) start();
      else if (!req.running) setRunning(false);
      return;
    case "pace":
      pace = req.pace;
      return;
    case "cell":
      post({ type: "cell", id: req.id, result: evaluateCell(req.source) });
      return;
    case "checks":
      post({ type: "checks", results: runChecks() });
      return;
  }
}

scope.onmessage = (ev) => {
  handle(ev.data).catch((e: unknown) => post({ type: "error", message: message(e) }));
};
scope.addEventListener("unhandledrejection", (ev) => post({ type: "error", message: message(ev.reason) }));
