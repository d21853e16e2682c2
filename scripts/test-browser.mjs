#!/usr/bin/env node
/**
 * `npm run test:browser`: the playground end to end in a real browser. Builds and serves the page
 * (scripts/playground.mjs), drives Debian's Chromium through playwright-core (no browser
 * download), and fails on any console error, uncaught exception or failed request. It
 *   1. checks that the page is cross-origin isolated;
 *   2. runs the self-test (a slice of the unit suite) in the page and in a worker, and compares
 *      every computed value with the same checks run under Node;
 *   3. trains XOR (2-2-1 tanh, then 2-1+skip) to 100% accuracy and digits to ≥ 95% test accuracy
 *      within a minute, timing both, while measuring how long the page's main thread stalls;
 *   4. exercises the loss cell (a new loss, a broken one, an endless loop);
 *   5. saves screenshots to out/playground/ (with --docs-image, also docs/images/playground.png).
 *
 *   node scripts/test-browser.mjs [--docs-image]
 * CHROMIUM=/path/to/chromium overrides /usr/bin/chromium.
 */
import { existsSync } from "node:fs";
import { copyFile, mkdir, mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { tsImport } from "tsx/esm/api";
import { buildPlayground, serve } from "./playground.mjs";

const root = resolve(fileURLToPath(new URL("..", import.meta.url)));
const outDir = join(root, "out", "playground");
const executablePath = process.env.CHROMIUM ?? "/usr/bin/chromium";
const args = process.argv.slice(2);
const DIGITS_BUDGET_MS = 60_000;

const failures = [];
const fail = (msg) => {
  failures.push(msg);
  console.error(`  FAIL ${msg}`);
};
const ok = (msg) => console.log(`  ok   ${msg}`);
const s = (ms) => `${(ms / 1000).toFixed(2)} s`;

if (!existsSync(executablePath)) {
  console.error(`${executablePath} not found: install Debian's chromium (apt-get install -y chromium) or set CHROMIUM`);
  process.exit(1);
}

// A hung page must not hang CI.
const watchdog = setTimeout(() => {
  console.error("test-browser: gave up after 8 minutes");
  process.exit(1);
}, 8 * 60_000);
watchdog.unref();

await mkdir(outDir, { recursive: true });
const { sizes } = await buildPlayground();
console.log(
  `built the playground (main.js ${(sizes["main.js"] / 1024).toFixed(0)} kB, worker.js ${(sizes["worker.js"] / 1024).toFixed(0)} kB)`,
);
const server = await serve({ port: 0 });
const userDataDir = await mkdtemp(join(tmpdir(), "axle-chromium-"));
const context = await chromium.launchPersistentContext(userDataDir, {
  executablePath,
  headless: true,
  args: [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
  ],
  viewport: { width: 1280, height: 900 },
  deviceScaleFactor: 1,
});
const browserVersion = context.browser()?.version() ?? (await chromiumVersion());
console.log(`chromium ${browserVersion} at ${executablePath}; page ${server.url}`);

async function chromiumVersion() {
  const { execFileSync } = await import("node:child_process");
  return execFileSync(executablePath, ["--version"], { encoding: "utf8" }).trim();
}

const problems = [];
const page = context.pages()[0] ?? (await context.newPage());
const onConsole = (where) => (m) => {
  if (m.type() === "error" || m.type() === "assert") problems.push(`console.${m.type()} in ${where}: ${m.text()}`);
};
page.on("console", onConsole("page"));
page.on("pageerror", (e) => problems.push(`uncaught exception in the page: ${e.message}`));
page.on("worker", (w) => w.on("console", onConsole(`worker ${w.url()}`)));
page.on("requestfailed", (r) => problems.push(`request failed: ${r.url()} (${r.failure()?.errorText})`));
page.on("response", (r) => {
  if (r.status() >= 400) problems.push(`HTTP ${r.status()} for ${r.url()}`);
});
page.on("crash", () => problems.push("the page crashed"));

const results = { chromium: browserVersion, url: server.url };
try {
  await run();
} catch (e) {
  fail(`the run stopped: ${e instanceof Error ? e.stack : e}`);
} finally {
  await page.screenshot({ path: join(outDir, "last.png"), fullPage: true }).catch(() => {});
  await context.close();
  await server.close();
  await rm(userDataDir, { recursive: true, force: true });
}
for (const p of problems) fail(p);
results.failures = failures;
await writeFile(join(outDir, "results.json"), `${JSON.stringify(results, null, 2)}\n`);
if (results.xor || results.digits) {
  console.log("\nmeasured in headless Chromium:");
  for (const [net, r] of Object.entries(results.xor ?? {})) {
    console.log(`  ${`XOR ${net}`.padEnd(24)} to 100%: ${s(r.wallMs)} wall (${s(r.trainMs)} of training, ${r.steps} steps)`);
  }
  if (results.digits) {
    const d = results.digits;
    console.log(
      `  ${"digits".padEnd(24)} to 95%:  ${s(d.wallMs)} wall (${s(d.trainMs)} of training, ${d.steps} steps, epoch ${d.epoch.toFixed(2)}); ` +
        `final test accuracy ${(100 * d.finalAccuracy).toFixed(2)}% after 30 epochs in ${s(d.totalMs)}`,
    );
    console.log(`  longest main-thread stall while training: ${d.maxStallMs.toFixed(0)} ms`);
  }
}
console.log(failures.length === 0 ? "\ntest-browser: passed" : `\ntest-browser: ${failures.length} failure(s)`);
process.exit(failures.length === 0 ? 0 : 1);

async function run() {
  await page.goto(server.url);
  // "ready" follows the worker's hello (backends, isolation) and the first reset.
  await page.waitForFunction(() => document.getElementById("xor-status")?.textContent === "ready", null, { timeout: 30_000 });

  const env = await page.evaluate(() => ({
    isolated: window.crossOriginIsolated,
    backend: document.getElementById("backend").value,
    backends: [...document.getElementById("backend").options].map((o) => o.value),
    badge: document.getElementById("isolation").textContent,
    cores: document.getElementById("cores").textContent,
  }));
  results.env = env;
  if (env.isolated && /isolated: yes/.test(env.badge)) ok(`cross-origin isolated (${env.cores})`);
  else fail(`the page is not cross-origin isolated: ${env.badge}`);
  ok(`jit backends offered: ${env.backends.join(", ")}; running ${env.backend}`);

  await selfTest();
  await controls();
  results.xor = {};
  // XOR on every jit backend the page offers (the default last, so the screenshot shows it).
  for (const b of [...env.backends.filter((b) => b !== env.backend), env.backend]) {
    await page.selectOption("#backend", b);
    for (const net of ["tanh", "skip"]) results.xor[b === env.backend ? net : `${net} (${b})`] = await trainXor(net, b);
  }
  results.digits = await trainDigits();
  await lossCell();

  const shot = join(outDir, "playground.png");
  await page.evaluate(() => window.scrollTo(0, 0));
  // The header and the two training cards: the trained XOR heatmap and the digits.
  const bottom = await page.evaluate(() =>
    Math.max(...["xor", "digits"].map((id) => document.getElementById(id).getBoundingClientRect().bottom)),
  );
  await page.screenshot({ path: shot, clip: { x: 0, y: 0, width: 1280, height: Math.ceil(bottom) + 12 } });
  await page.screenshot({ path: join(outDir, "playground-full.png"), fullPage: true });
  ok(`screenshots: ${shot} (${((await stat(shot)).size / 1024).toFixed(0)} kB), out/playground/playground-full.png`);
  if (args.includes("--docs-image")) {
    await mkdir(join(root, "docs", "images"), { recursive: true });
    await copyFile(shot, join(root, "docs", "images", "playground.png"));
    ok("copied to docs/images/playground.png");
  }
}

async function selfTest() {
  await page.click("#checks-run");
  await page.waitForFunction(() => ["pass", "fail"].includes(document.getElementById("checks").dataset.state), null, {
    timeout: 60_000,
  });
  const browser = JSON.parse(await page.evaluate(() => document.getElementById("checks").dataset.results));
  const { runChecks } = await tsImport("../playground/checks.ts", import.meta.url);
  const node = runChecks();
  for (const where of ["page", "worker"]) {
    const got = browser[where];
    const passed = got.filter((r) => r.ok).length;
    if (passed === got.length && got.length === node.length) ok(`self-test in the ${where}: ${passed}/${got.length} checks pass`);
    for (const r of got) if (!r.ok) fail(`self-test in the ${where}: ${r.name}: ${r.detail}`);
    got.forEach((r, i) => {
      const n = node[i];
      if (n?.name !== r.name) return fail(`self-test: check ${i} is "${r.name}" in the ${where} but "${n?.name}" in Node`);
      const same =
        n.values.length === r.values.length && n.values.every((v, k) => Math.abs(v - r.values[k]) <= 1e-6 * (1 + Math.abs(v)));
      if (!same) fail(`self-test "${r.name}": the ${where} computed [${r.values}] but Node [${n.values}]`);
    });
  }
  const nodeFailed = node.filter((r) => !r.ok);
  for (const r of nodeFailed) fail(`self-test under Node: ${r.name}: ${r.detail}`);
  ok(`the browser's values equal Node's for all ${node.length} checks (within 1e-6)`);
  results.checks = { count: node.length, page: browser.page.every((r) => r.ok), worker: browser.worker.every((r) => r.ok) };
}

/** Slow motion, start, pause (training stops), reset (back to step 0), full speed again. */
async function controls() {
  const step = () => page.evaluate(() => Number(document.getElementById("xor-step").textContent));
  await page.selectOption("#pace", "slow");
  await page.click("#xor-start");
  await page.waitForFunction(() => Number(document.getElementById("xor-step").textContent) >= 100, null, { timeout: 20_000 });
  await page.click("#xor-start");
  await page.waitForFunction(() => document.getElementById("xor-status").textContent === "paused");
  const paused = await step();
  await page.waitForTimeout(400);
  const later = await step();
  if (later <= paused + 50) ok(`pause stops training (step ${paused}, then ${later})`);
  else fail(`pause: training went on from step ${paused} to ${later}`);
  if (paused < 5000) ok(`slow motion: ${paused} steps when paused`);
  else fail(`slow motion ran ${paused} steps before the pause`);
  await page.click("#xor-reset");
  await page.waitForFunction(() => document.getElementById("xor-step").textContent === "0", null, { timeout: 10_000 });
  ok("reset goes back to step 0");
  await page.selectOption("#pace", "full");
}

/** Select the net, reset, start; wait for 100% accuracy, then for the run to finish. */
async function trainXor(net, backend) {
  await page.selectOption("#xor-model", net);
  await page.click("#xor-reset"); // selecting the net already shown fires no change
  await page.waitForFunction(() => document.getElementById("xor-status").textContent === "ready");
  const t0 = Date.now();
  await page.click("#xor-start");
  await page.waitForFunction(() => document.getElementById("xor").dataset.accuracy === "1", null, { timeout: 60_000 });
  const wallMs = Date.now() - t0;
  await page.waitForFunction(() => document.getElementById("xor").dataset.done === "true", null, { timeout: 120_000 });
  const r = await page.evaluate(() => ({
    trainMs: Number(document.getElementById("xor").dataset.reachedMs),
    reached: document.getElementById("xor-reached").textContent,
    steps: Number(document.getElementById("xor").dataset.reachedStep),
    finalAccuracy: Number(document.getElementById("xor").dataset.accuracy),
    loss: Number(document.getElementById("xor-loss").textContent),
    status: document.getElementById("xor-status").textContent,
  }));
  if (r.finalAccuracy === 1) ok(`XOR ${net}: 100% after ${r.reached} (${s(wallMs)} wall); ${r.status}, loss ${r.loss}`);
  else fail(`XOR ${net} on ${backend}: accuracy fell back to ${r.finalAccuracy} by the end`);
  if (!r.status.includes(`backend ${backend}`)) fail(`XOR ${net}: the status does not name the backend ${backend}: ${r.status}`);
  return { wallMs, ...r };
}

async function trainDigits() {
  await page.waitForFunction(() => !document.getElementById("digits-start").disabled, null, { timeout: 30_000 });
  // Stalls of the page's event loop while the worker trains: the page must stay responsive.
  await page.evaluate(() => {
    const w = window;
    w.__maxStall = 0;
    let last = performance.now();
    w.__stallTimer = setInterval(() => {
      const now = performance.now();
      w.__maxStall = Math.max(w.__maxStall, now - last - 50);
      last = now;
    }, 50);
  });
  const t0 = Date.now();
  await page.click("#digits-start");
  await page.waitForFunction(() => Number(document.getElementById("digits").dataset.accuracy) >= 0.95, null, {
    timeout: DIGITS_BUDGET_MS,
  });
  const wallMs = Date.now() - t0;
  if (wallMs < DIGITS_BUDGET_MS) ok(`digits: 95% test accuracy after ${s(wallMs)} (budget ${s(DIGITS_BUDGET_MS)})`);
  else fail(`digits took ${s(wallMs)} to reach 95%`);
  await page.waitForFunction(() => document.getElementById("digits").dataset.done === "true", null, { timeout: 180_000 });
  const totalMs = Date.now() - t0;
  const r = await page.evaluate(() => {
    clearInterval(window.__stallTimer);
    const text = document.getElementById("digits-reached").textContent;
    const wrong = document.querySelectorAll("#digits-grid figure.wrong").length;
    const captions = [...document.querySelectorAll("#digits-grid figcaption")].map((c) => c.textContent);
    return {
      trainMs: Number(document.getElementById("digits").dataset.reachedMs),
      steps: Number(document.getElementById("digits").dataset.reachedStep),
      epoch: Number(/^([\d.]+) epochs/.exec(text)?.[1]),
      finalAccuracy: Number(document.getElementById("digits").dataset.accuracy),
      maxStallMs: window.__maxStall,
      wrong,
      captions,
    };
  });
  if (r.finalAccuracy >= 0.95) ok(`digits: ${(100 * r.finalAccuracy).toFixed(2)}% test accuracy after 30 epochs (${s(totalMs)})`);
  else fail(`digits: test accuracy ${r.finalAccuracy} after 30 epochs`);
  if (r.captions.length === 40 && r.captions.every((c) => /^\d \(\d\)$/.test(c))) {
    ok(`digits: 40 test digits shown with predictions, ${r.wrong} wrong`);
  } else fail(`digits: the prediction grid shows ${JSON.stringify(r.captions.slice(0, 5))}…`);
  if (r.maxStallMs < 1000) ok(`the page stayed responsive (longest stall ${r.maxStallMs.toFixed(0)} ms)`);
  else fail(`the page's main thread stalled for ${r.maxStallMs.toFixed(0)} ms while digits trained`);
  return { wallMs, totalMs, ...r, captions: undefined };
}

async function cellRun(source) {
  const before = await page.evaluate(() => document.getElementById("cell-status").textContent);
  await page.fill("#cell-source", source);
  await page.press("#cell-source", "Control+Enter");
  await page.waitForFunction((b) => document.getElementById("cell-status").textContent !== b, before, { timeout: 10_000 });
  return page.evaluate(() => ({
    status: document.getElementById("cell-status").textContent,
    bad: document.getElementById("cell-status").classList.contains("bad"),
    lossIr: document.getElementById("cell-loss-ir").textContent,
    gradIr: document.getElementById("cell-grad-ir").textContent,
  }));
}

async function lossCell() {
  const initial = await page.evaluate(() => ({
    status: document.getElementById("cell-status").textContent,
    lossIr: document.getElementById("cell-loss-ir").textContent,
  }));
  if (/^loss = 0\.258366/.test(initial.status) && initial.lossIr.includes("logistic")) ok(`loss cell: ${initial.status}`);
  else fail(`loss cell: the default loss shows ${JSON.stringify(initial)}`);

  const bce = await cellRun(`(p, x, y) => nn.binaryCrossEntropy(np.sigmoid(x.matmul(p.w).add(p.b)), y)`);
  if (!bce.bad && bce.lossIr.includes("log") && bce.gradIr.includes("in (")) ok(`loss cell, binary cross-entropy: ${bce.status}`);
  else fail(`loss cell: binary cross-entropy shows ${JSON.stringify(bce)}`);

  const broken = await cellRun(`(p, x, y) => np.sum(x.matmul(p.w).matmul(p.w))`);
  if (broken.bad && /ShapeError/.test(broken.status)) ok(`loss cell, a shape bug: ${broken.status.slice(0, 90)}…`);
  else fail(`loss cell: a shape error shows ${JSON.stringify(broken)}`);

  const syntax = await cellRun(`(p, x, y) => {`);
  if (syntax.bad && /does not compile/.test(syntax.status)) ok(`loss cell, a syntax error: ${syntax.status}`);
  else fail(`loss cell: a syntax error shows ${JSON.stringify(syntax)}`);

  const endless = await cellRun(`(p, x, y) => { for (;;) {} }`);
  if (endless.bad && /stopped/.test(endless.status)) ok(`loss cell, an endless loop: ${endless.status}`);
  else fail(`loss cell: an endless loop shows ${JSON.stringify(endless)}`);

  const back = await cellRun(await tsImport("../playground/cell.ts", import.meta.url).then((m) => m.DEFAULT_LOSS));
  if (!back.bad && back.lossIr !== "") ok("loss cell: works again after the endless loop (fresh worker)");
  else fail(`loss cell: after the endless loop it shows ${JSON.stringify(back)}`);
}
