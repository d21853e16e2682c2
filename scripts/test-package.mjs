// npm run test:package: axle as a user gets it. Packs the tarball (prepare builds dist/), installs
// it into a fresh temporary project, then checks that
//   1. plain `node` runs it (a gradient, a jitted training step, axle/testing without fast-check),
//   2. its types pass `tsc --noEmit` under strict + noUncheckedIndexedAccess +
//      exactOptionalPropertyTypes, moduleResolution nodenext and bundler, with the repository's
//      TypeScript and with the newest on npm,
//   3. esbuild bundles it for the browser (no Node built-ins) and the bundle runs in a bare realm,
//   4. the tarball is < 1 MB and installs no runtime dependency beyond fp-ts and immer,
// and that `npm install <git url>` builds and works, then prints the figures (recorded in
// docs/install.md). `--keep` leaves the temporary project; `--no-git` skips the git install.
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { runInNewContext } from "node:vm";
import { gzipSync } from "node:zlib";
import { build } from "esbuild";

const root = fileURLToPath(new URL("..", import.meta.url));
const fixtures = join(root, "scripts", "package-test");
const require = createRequire(import.meta.url);
const keep = process.argv.includes("--keep");
const noGit = process.argv.includes("--no-git");
// The git install runs npm install with dev dependencies: onnxruntime-node's install script
// would download its CUDA binaries (its CPU ones ship in the package), as .ci/run also skips.
process.env.ONNXRUNTIME_NODE_INSTALL ??= "skip";
const MAX_PACKED_BYTES = 1_000_000;
const RUNTIME_DEPS = ["fp-ts", "immer"];

const tmp = mkdtempSync(join(tmpdir(), "axle-package-"));
const project = join(tmp, "project");
const figures = {};
let passed = 0;
let failed = 0;

function run(cmd, args, cwd, opts = {}) {
  return execFileSync(cmd, args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], ...opts });
}

/** Runs a named check, timing it; a failure is printed and counted, and later checks still run. */
async function check(name, fn, { required = false } = {}) {
  const t0 = performance.now();
  try {
    const note = await fn();
    const ms = Math.round(performance.now() - t0);
    passed++;
    console.log(`ok    ${name} (${(ms / 1000).toFixed(1)} s)${note ? `: ${note}` : ""}`);
  } catch (e) {
    failed++;
    const out = [e.stdout, e.stderr].filter(Boolean).join("\n");
    console.log(`FAIL  ${name}\n${e instanceof Error ? e.message : String(e)}${out ? `\n${out}` : ""}`);
    if (required) finish();
  }
}

function finish() {
  if (keep) console.log(`temporary project kept at ${project}`);
  else rmSync(tmp, { recursive: true, force: true });
  console.log(`package: ${passed} passed, ${failed} failed`);
  process.exit(failed === 0 ? 0 : 1);
}

function assert(cond, message) {
  if (!cond) throw new Error(message);
}

function dirBytes(dir) {
  let n = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    n += e.isDirectory() ? dirBytes(p) : statSync(p).size;
  }
  return n;
}

const kB = (n) => `${(n / 1000).toFixed(1)} kB`;

/** tsc --noEmit in the project with the flags the package promises to pass under. */
function typecheck(tsc, resolution, files) {
  const node = resolution === "nodenext";
  const config = {
    compilerOptions: {
      target: "ES2022",
      module: node ? "nodenext" : "esnext",
      moduleResolution: resolution,
      // A Node user: no DOM, @types/node. A browser/bundler user: DOM, no Node types.
      lib: node ? ["ES2022"] : ["ES2022", "DOM"],
      types: node ? ["node"] : [],
      ...(node ? { typeRoots: [join(root, "node_modules", "@types")] } : {}),
      strict: true,
      noUncheckedIndexedAccess: true,
      exactOptionalPropertyTypes: true,
      skipLibCheck: false,
      noEmit: true,
    },
    files,
  };
  const path = join(project, `tsconfig.${resolution}.json`);
  writeFileSync(path, JSON.stringify(config, null, 2));
  run(process.execPath, [tsc, "-p", path], project);
}

let tarball;
let pack;
await check(
  "npm pack (prepare builds dist/)",
  () => {
    [pack] = JSON.parse(run("npm", ["pack", "--json", "--pack-destination", tmp], root));
    tarball = join(tmp, pack.filename);
    const paths = pack.files.map((f) => f.path);
    const allowed = /^(dist\/.+\.(js|d\.ts|js\.map)|data\/digits\.csv\.gz|data\/README\.md|package\.json|README\.md|LICENSE)$/;
    const stray = paths.filter((p) => !allowed.test(p));
    assert(stray.length === 0, `unexpected files in the tarball: ${stray.join(", ")}`);
    const manifest = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
    for (const [sub, target] of Object.entries(manifest.exports)) {
      for (const file of typeof target === "string" ? [target] : Object.values(target)) {
        assert(paths.includes(file.replace(/^\.\//, "")), `exports["${sub}"] points at ${file}, which is not in the tarball`);
      }
    }
    const deps = Object.keys(manifest.dependencies ?? {}).sort();
    assert(JSON.stringify(deps) === JSON.stringify(RUNTIME_DEPS), `runtime dependencies are ${deps.join(", ")}`);
    assert(manifest.peerDependenciesMeta?.["fast-check"]?.optional === true, "fast-check must be an optional peer dependency");
    assert(manifest.peerDependenciesMeta?.protobufjs?.optional === true, "protobufjs must be an optional peer dependency");
    assert(pack.size < MAX_PACKED_BYTES, `tarball is ${kB(pack.size)}, over the 1 MB budget`);
    figures.packed = pack.size;
    figures.unpacked = pack.unpackedSize;
    figures.files = pack.entryCount;
    return `${pack.filename}, ${kB(pack.size)} packed, ${kB(pack.unpackedSize)} unpacked, ${pack.entryCount} files`;
  },
  { required: true },
);

await check(
  "npm install <tarball> into a fresh project",
  () => {
    mkdirSync(project);
    writeFileSync(join(project, "package.json"), JSON.stringify({ name: "axle-user", private: true, type: "module" }, null, 2));
    run("npm", ["install", tarball, "--no-audit", "--no-fund", "--prefer-offline", "--loglevel=error"], project);
    const lock = JSON.parse(readFileSync(join(project, "node_modules", ".package-lock.json"), "utf8"));
    const installed = Object.keys(lock.packages)
      .filter((p) => p.startsWith("node_modules/"))
      .map((p) => p.slice("node_modules/".length));
    const others = installed.filter((p) => p !== "axle").sort();
    assert(
      others.every((p) => RUNTIME_DEPS.includes(p)),
      `installing axle brought in ${others.join(", ")}; only ${RUNTIME_DEPS.join(", ")} are allowed`,
    );
    figures.deps = others;
    figures.nodeModules = dirBytes(join(project, "node_modules"));
    for (const f of readdirSync(fixtures)) copyFileSync(join(fixtures, f), join(project, f));
    return `${others.length} dependencies (${others.join(", ")}), node_modules ${kB(figures.nodeModules)}`;
  },
  { required: true },
);

await check("node: gradient, jitted step, datasets, axle/testing without fast-check", () => {
  run(process.execPath, ["node-check.mjs"], project);
});

const tsc5 = require.resolve("typescript/bin/tsc");
const ts5 = JSON.parse(readFileSync(require.resolve("typescript/package.json"), "utf8")).version;
const installedVersion = (name) => JSON.parse(readFileSync(join(project, "node_modules", name, "package.json"), "utf8")).version;

/** browser-entry.js (or another fixture) bundled for a page; its code and the global `result`
 * it sets when run in a bare realm (no process, no require). */
async function browserBundle(entry) {
  const result = await build({
    entryPoints: [join(project, entry)],
    absWorkingDir: project,
    bundle: true,
    platform: "browser",
    format: "esm",
    minify: true,
    metafile: true,
    write: false,
    logLevel: "silent",
  });
  assert(result.errors.length === 0, JSON.stringify(result.errors));
  const inputs = Object.keys(result.metafile.inputs);
  const foreign = inputs.filter((p) => p !== entry && !/^node_modules\/(axle|fp-ts|immer)\//.test(p));
  assert(foreign.length === 0, `the bundle pulled in ${foreign.join(", ")}`);
  const code = result.outputFiles[0].text;
  assert(!/\bimport\s*\(|\brequire\(/.test(code), "the bundle still loads modules at run time");
  const sandbox = { console, URL };
  runInNewContext(code, sandbox);
  return { code, result: sandbox.result };
}

await check("esbuild: browser bundle without Node built-ins, run in a bare realm", async () => {
  const { code, result: r } = await browserBundle("browser-entry.js");
  assert(r.hasProcess === false, "the realm had process");
  const want = [1, 2, 3].map((v) => Math.sin(v) + v * Math.cos(v));
  assert(
    r.g.every((g, i) => Math.abs(g - want[i]) < 1e-5),
    `grad in the bundle: ${r.g} vs ${want}`,
  );
  assert(JSON.stringify(r.v) === "[2,2]", `vmap shape ${r.v}`);
  assert(Math.abs(r.j - (Math.sin(1) + 2 * Math.sin(2) + 3 * Math.sin(3))) < 1e-5, `jit value ${r.j}`);
  figures.bundle = code.length;
  figures.bundleGzip = gzipSync(code).length;
  return `${kB(figures.bundle)} minified, ${kB(figures.bundleGzip)} gzipped`;
});

await check(
  "esbuild: a bundle naming only random keeps Array's methods and the primitives it reaches (sideEffects lists the registering modules)",
  async () => {
    const { result: r } = await browserBundle("browser-random.js");
    assert(
      r.y.length === 3 && r.y.every((v, i) => Math.abs(v - (2 * r.x[i] + 1)) < 1e-6),
      `x·2 + 1 in the bundle: ${r.y} for x = ${r.x}`,
    );
    // Tree shaking may drop whole primitive modules the program never reaches (jit_call here), but
    // every module it does reach registers its primitives (package.json "sideEffects" names them).
    for (const name of ["threefry2x32", "shift_right_logical", "mul", "add", "convert_element_type", "reshape"]) {
      assert(r.primitives.includes(name), `the bundle lacks the primitive ${name}: ${r.primitives.join(", ")}`);
    }
  },
);

// The whole library as one ES module, for a page's <script type="module"> (docs/install.md):
// `esbuild axle --bundle --format=esm --platform=browser --minify --outfile=vendor/axle.js`.
await check("esbuild: axle as one ES module file for <script type=module>", async () => {
  const outfile = join(project, "vendor", "axle.js");
  const result = await build({
    entryPoints: ["axle"],
    absWorkingDir: project,
    bundle: true,
    platform: "browser",
    format: "esm",
    minify: true,
    outfile,
    logLevel: "silent",
  });
  assert(result.errors.length === 0, JSON.stringify(result.errors));
  const script =
    'const m = await import("./vendor/axle.js"); console.log(m.grad((x) => m.np.sum(m.np.square(x)))(m.np.array([1, 2])).toArray().join(","));';
  const out = run(process.execPath, ["--input-type=module", "-e", script], project).trim();
  assert(out === "2,4", `the single-file module computed ${out}`);
  const code = readFileSync(outfile);
  figures.vendor = code.length;
  figures.vendorGzip = gzipSync(code).length;
  return `${kB(figures.vendor)} minified, ${kB(figures.vendorGzip)} gzipped`;
});

// The newest TypeScript goes in first (it is fast): axle/testing must type-check with no
// fast-check anywhere. Then fast-check, for the arbitraries, under both TypeScript versions.
let tscLatest;
let tsLatest;
await check("npm install the newest typescript", () => {
  run("npm", ["install", "--save-dev", "typescript@latest", "--no-audit", "--no-fund", "--loglevel=error"], project);
  tscLatest = join(project, "node_modules", "typescript", "bin", "tsc");
  tsLatest = installedVersion("typescript");
  return `typescript ${tsLatest}`;
});

for (const resolution of ["nodenext", "bundler"]) {
  await check(`tsc ${tsLatest} --noEmit, moduleResolution ${resolution}, without fast-check`, () => {
    assert(tscLatest !== undefined, "typescript@latest was not installed");
    typecheck(tscLatest, resolution, ["consumer.ts"]);
  });
}

await check("npm install fast-check (the optional peer dependency)", () => {
  const fcVersion = JSON.parse(readFileSync(require.resolve("fast-check/package.json"), "utf8")).version;
  run(
    "npm",
    ["install", "--save-dev", `fast-check@${fcVersion}`, "--no-audit", "--no-fund", "--prefer-offline", "--loglevel=error"],
    project,
  );
  return `fast-check ${installedVersion("fast-check")}`;
});

await check("node: axle/testing/arbitraries with fast-check", () => {
  run(process.execPath, ["arbitraries-check.mjs"], project);
});

await check("npm install protobufjs (optional peer of axle/onnx); node: axle/onnx writes a model", () => {
  const pbVersion = JSON.parse(readFileSync(require.resolve("protobufjs/package.json"), "utf8")).version;
  run(
    "npm",
    ["install", "--save-dev", `protobufjs@${pbVersion}`, "--no-audit", "--no-fund", "--prefer-offline", "--loglevel=error"],
    project,
  );
  const out = run(
    process.execPath,
    [
      "--input-type=module",
      "-e",
      'import { np } from "axle"; import { exportOnnx, ONNX_OPSET } from "axle/onnx"; ' +
        "const m = exportOnnx((x) => np.tanh(x).mul(2), [np.ones([3])]); " +
        // ModelProto field 1 (ir_version, varint 8) comes first.
        "console.log(m[0] === 0x08 && m[1] === 8 && m.length > 50 ? ['ok', m.length, ONNX_OPSET].join(' ') : 'bad');",
    ],
    project,
  ).trim();
  assert(out.startsWith("ok"), `axle/onnx printed ${out}`);
  return `protobufjs ${installedVersion("protobufjs")}, ${out}`;
});

for (const [tsc, version] of [
  [tsc5, ts5],
  [tscLatest, tsLatest],
]) {
  for (const resolution of ["nodenext", "bundler"]) {
    await check(`tsc ${version} --noEmit, moduleResolution ${resolution}, with the arbitraries`, () => {
      assert(tsc !== undefined, "typescript@latest was not installed");
      typecheck(tsc, resolution, ["consumer.ts", "consumer-arbitraries.ts"]);
    });
  }
}

// npm install <git url> builds dist/ through the prepare script (prepack alone is not run for
// git dependencies). This installs the committed HEAD, so uncommitted changes are not in it.
if (!noGit) {
  await check("npm install git+file://<repository> (prepare builds dist/)", () => {
    const head = run("git", ["rev-parse", "HEAD"], root).trim();
    const gitProject = join(tmp, "git-project");
    mkdirSync(gitProject);
    writeFileSync(join(gitProject, "package.json"), JSON.stringify({ name: "axle-git-user", private: true, type: "module" }));
    run(
      "npm",
      ["install", `git+file://${root}#${head}`, "--no-audit", "--no-fund", "--prefer-offline", "--loglevel=error"],
      gitProject,
    );
    const out = run(
      process.execPath,
      [
        "--input-type=module",
        "-e",
        'import { grad, np } from "axle"; console.log(grad((x) => np.sum(np.square(x)))(np.array([1, 2])).toArray().join(","));',
      ],
      gitProject,
    ).trim();
    assert(out === "2,4", `the git install computed ${out}`);
    return `commit ${head.slice(0, 10)}`;
  });
}

console.log(
  `figures: tarball ${kB(figures.packed)} packed / ${kB(figures.unpacked)} unpacked, ${figures.files} files; ` +
    `installs ${figures.deps?.length} dependencies (${figures.deps?.join(", ")}), node_modules ${kB(figures.nodeModules ?? 0)}; ` +
    `browser bundle of grad+vmap+jit ${kB(figures.bundle ?? 0)} minified, ${kB(figures.bundleGzip ?? 0)} gzipped; ` +
    `all of axle as one module ${kB(figures.vendor ?? 0)} minified, ${kB(figures.vendorGzip ?? 0)} gzipped`,
);
finish();
