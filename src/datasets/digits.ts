/**
 * The handwritten digits set, read from the copy vendored in `data/digits.csv.gz` (Node only).
 *
 * Data: Alpaydin, E. & Kaynak, C. (1998). Optical Recognition of Handwritten Digits [Dataset].
 * UCI Machine Learning Repository. https://doi.org/10.24432/C50P49 — CC BY 4.0. The file is the
 * copy scikit-learn ships; `sklearn.datasets.load_digits()` returns the same rows in the same order.
 */
import { ValueError } from "../core/errors.js";
import { type Digits, parseDigitsCsv } from "./parse.js";

export interface DigitsOptions {
  /** Where the CSV lives (gzip-compressed or plain text). Default: axle's vendored `data/digits.csv.gz`. */
  path?: string | URL;
}

/** The vendored copy, resolved when first needed (bundlers may leave import.meta.url empty). */
const defaultPath = (): URL => new URL("../../data/digits.csv.gz", import.meta.url);

interface NodeApis {
  readFileSync(path: string | URL): Buffer;
  fileURLToPath(url: URL): string;
  gunzipSync(bytes: Buffer): Buffer;
}

/**
 * Node's fs/zlib/url, looked up at call time (process.getBuiltinModule) rather than imported, so
 * that importing axle in a browser never pulls in Node modules.
 */
function node(): NodeApis {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  const get = proc?.getBuiltinModule;
  if (typeof get !== "function") {
    throw new ValueError(
      "digits: reading the bundled file needs Node (>= 20.16). In a browser, fetch the CSV yourself and " +
        "call datasets.parseDigitsCsv(text, source)",
    );
  }
  const fs = get("node:fs") as { readFileSync: NodeApis["readFileSync"] };
  const url = get("node:url") as { fileURLToPath: NodeApis["fileURLToPath"] };
  const zlib = get("node:zlib") as { gunzipSync: NodeApis["gunzipSync"] };
  return { readFileSync: fs.readFileSync, fileURLToPath: url.fileURLToPath, gunzipSync: zlib.gunzipSync };
}

function displayPath(p: string | URL): string {
  return p instanceof URL && p.protocol === "file:" ? node().fileURLToPath(p) : String(p);
}

function errorCode(e: unknown): string | undefined {
  return typeof e === "object" && e !== null && "code" in e ? String((e as { code: unknown }).code) : undefined;
}

function readBytes(path: string | URL, shown: string): Buffer {
  try {
    return node().readFileSync(path);
  } catch (e) {
    if (errorCode(e) === "ENOENT") {
      throw new ValueError(
        `digits: data file not found at ${shown}. axle ships it as data/digits.csv.gz in the repository; ` +
          "restore that file (a copy of scikit-learn's sklearn/datasets/data/digits.csv.gz) or pass " +
          "digits({ path }) pointing at a copy",
      );
    }
    throw new ValueError(`digits: cannot read ${shown}: ${(e as Error).message}. Pass digits({ path }) naming a readable file`);
  }
}

function decode(bytes: Buffer, shown: string): string {
  const gzipped = bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
  if (!gzipped) return bytes.toString("utf8");
  try {
    return node().gunzipSync(bytes).toString("utf8");
  } catch (e) {
    throw new ValueError(
      `digits: ${shown} looks gzip-compressed but does not decompress (${(e as Error).message}); the file is damaged, restore it`,
    );
  }
}

/**
 * Load the 1797 8×8 handwritten digits: `images` f32[1797, 64] (pixels 0..16, row-major 8×8) and
 * `labels` i32[1797] (0..9). The file is checked on load; a damaged file throws a ValueError naming
 * the first bad rows. Reads synchronously from disk, so Node only.
 *
 * @example
 * const { images, labels } = datasets.digits();
 * images.shape; // [1797, 64]
 * const x = images.div(16); // scale pixels to [0, 1]
 */
export function digits(opts: DigitsOptions = {}): Digits {
  node(); // fail early, with the browser hint, where there is no Node
  const path = opts.path ?? defaultPath();
  const shown = displayPath(path);
  return parseDigitsCsv(decode(readBytes(path, shown), shown), shown);
}
