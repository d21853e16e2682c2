#!/usr/bin/env node
/**
 * `npm run playground`: bundle playground/ with esbuild into out/playground/site/ and serve it on
 * localhost with COOP/COEP headers, so the page is cross-origin isolated.
 *
 *   node scripts/playground.mjs [--port 8080] [--host 127.0.0.1] [--build-only]
 *
 * scripts/test-browser.mjs imports buildPlayground and serve from here.
 */
import { copyFile, mkdir, readFile, rm, stat } from "node:fs/promises";
import { createServer } from "node:http";
import { extname, join, normalize, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = resolve(fileURLToPath(new URL("..", import.meta.url)));
export const siteDir = join(root, "out", "playground", "site");

/** Bundle the page and its worker (ES modules, source maps) and copy the static files and data. */
export async function buildPlayground({ minify = false } = {}) {
  await rm(siteDir, { recursive: true, force: true });
  await mkdir(siteDir, { recursive: true });
  const result = await build({
    entryPoints: [join(root, "playground", "main.ts"), join(root, "playground", "worker.ts")],
    outdir: siteDir,
    bundle: true,
    platform: "browser",
    format: "esm",
    target: "es2022",
    sourcemap: true,
    minify,
    logLevel: "warning",
    metafile: true,
  });
  for (const f of ["index.html", "styles.css"]) await copyFile(join(root, "playground", f), join(siteDir, f));
  // The digits the worker fetches and gunzips itself (served as bytes, not Content-Encoding).
  await copyFile(join(root, "data", "digits.csv.gz"), join(siteDir, "digits.csv.gz"));
  const sizes = Object.fromEntries(Object.entries(result.metafile.outputs).map(([k, v]) => [k.split("/").pop(), v.bytes]));
  return { dir: siteDir, sizes };
}

const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".map": "application/json; charset=utf-8",
  ".gz": "application/octet-stream",
  ".png": "image/png",
};

/** Headers that make the page cross-origin isolated (window.crossOriginIsolated === true). */
const ISOLATION = {
  "Cross-Origin-Opener-Policy": "same-origin",
  "Cross-Origin-Embedder-Policy": "require-corp",
  "Cross-Origin-Resource-Policy": "same-origin",
};

/**
 * Serve `dir` on http://host:port (port 0: any free port). Only files inside `dir`; GET and HEAD.
 * Resolves to { url, close }.
 */
export function serve({ dir = siteDir, port = 8080, host = "127.0.0.1" } = {}) {
  const base = resolve(dir);
  const server = createServer(async (req, res) => {
    const headers = { ...ISOLATION, "Cache-Control": "no-store" };
    try {
      if (req.method !== "GET" && req.method !== "HEAD") {
        res.writeHead(405, { ...headers, Allow: "GET, HEAD" }).end();
        return;
      }
      const path = decodeURIComponent(new URL(req.url ?? "/", "http://localhost").pathname);
      const file = normalize(join(base, path.endsWith("/") ? `${path}index.html` : path));
      if (file !== base && !file.startsWith(base + sep)) {
        res.writeHead(403, headers).end("forbidden");
        return;
      }
      const info = await stat(file).catch(() => null);
      if (info === null || !info.isFile()) {
        res.writeHead(404, { ...headers, "Content-Type": "text/plain; charset=utf-8" }).end(`not found: ${path}`);
        return;
      }
      const body = await readFile(file);
      res.writeHead(200, {
        ...headers,
        "Content-Type": TYPES[extname(file)] ?? "application/octet-stream",
        "Content-Length": body.length,
      });
      res.end(req.method === "HEAD" ? undefined : body);
    } catch (e) {
      res.writeHead(500, headers).end(String(e));
    }
  });
  return new Promise((ok, fail) => {
    server.once("error", fail);
    server.listen(port, host, () => {
      const addr = server.address();
      const shown = host === "127.0.0.1" ? "localhost" : host;
      ok({
        url: `http://${shown}:${addr.port}/`,
        close: () => new Promise((done) => server.close(() => done())),
      });
    });
  });
}

function option(args, name, fallback) {
  const i = args.indexOf(name);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : fallback;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const t0 = performance.now();
  const { sizes } = await buildPlayground();
  const kb = (b) => `${(b / 1024).toFixed(0)} kB`;
  console.log(
    `built out/playground/site in ${(performance.now() - t0).toFixed(0)} ms (main.js ${kb(sizes["main.js"])}, worker.js ${kb(sizes["worker.js"])})`,
  );
  if (!args.includes("--build-only")) {
    const port = Number(option(args, "--port", process.env.PORT ?? "8080"));
    const host = option(args, "--host", "127.0.0.1");
    const { url } = await serve({ port, host }).catch((e) => {
      console.error(`cannot listen on ${host}:${port}: ${e.message}; pick another with --port`);
      process.exit(1);
    });
    console.log(`axle playground: ${url}  (COOP/COEP set: the page is cross-origin isolated; Ctrl+C stops)`);
  }
}
