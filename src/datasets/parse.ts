/**
 * Parsing and validating the digits CSV (Alpaydin & Kaynak 1998, as shipped by scikit-learn).
 * Validation collects every problem (fp-ts Either) so one error lists all bad rows, not the first.
 */
import * as E from "fp-ts/lib/Either.js";
import * as RA from "fp-ts/lib/ReadonlyArray.js";
import { ConcreteArray } from "../core/array.js";
import { ValueError } from "../core/errors.js";

/** Rows in the digits file. */
export const DIGITS_ROWS = 1797;
/** Pixels per image (8×8, row-major). */
export const DIGITS_PIXELS = 64;
const COLUMNS = DIGITS_PIXELS + 1;
const MAX_PIXEL = 16;
const MAX_LABEL = 9;
/** How many problems a thrown error quotes; the rest are counted. */
const QUOTED = 5;

/** Validated digits rows as flat buffers: `pixels` is row-major [rows × 64], `labels` is [rows]. */
export interface DigitsRows {
  readonly pixels: Float32Array;
  readonly labels: Int32Array;
}

/** The digits set as arrays: `images` f32[1797, 64] (pixel values 0..16), `labels` i32[1797] (0..9). */
export interface Digits {
  readonly images: ConcreteArray;
  readonly labels: ConcreteArray;
}

interface Row {
  readonly pixels: readonly number[];
  readonly label: number;
}

const INTEGER = /^\d+$/;

function intIn(token: string, max: number): number | undefined {
  const t = token.trim();
  if (!INTEGER.test(t)) return undefined;
  const v = Number(t);
  return v <= max ? v : undefined;
}

function parseRow(line: string, rowNumber: number): E.Either<string[], Row> {
  const cells = line.split(",");
  if (cells.length !== COLUMNS) {
    const what = line.trim() === "" ? "an empty line" : `${cells.length} value${cells.length === 1 ? "" : "s"}`;
    return E.left([`row ${rowNumber}: expected ${COLUMNS} comma-separated values (64 pixels and a label), got ${what}`]);
  }
  const problems: string[] = [];
  const pixels: number[] = [];
  for (let c = 0; c < DIGITS_PIXELS; c++) {
    const v = intIn(cells[c], MAX_PIXEL);
    if (v === undefined)
      problems.push(`row ${rowNumber}, column ${c + 1}: pixel ${JSON.stringify(cells[c])} is not an integer in 0..16`);
    else pixels.push(v);
  }
  const label = intIn(cells[DIGITS_PIXELS], MAX_LABEL);
  if (label === undefined)
    problems.push(`row ${rowNumber}: label ${JSON.stringify(cells[DIGITS_PIXELS])} is not an integer in 0..9`);
  return problems.length > 0 || label === undefined ? E.left(problems) : E.right({ pixels, label });
}

/** Split into lines, accepting CRLF and one trailing newline. */
function lines(text: string): string[] {
  const ls = text.split(/\r?\n/);
  if (ls.length > 0 && ls[ls.length - 1] === "") ls.pop();
  return ls;
}

/**
 * Validate digits CSV text without throwing: Right with the flat rows, or Left with every problem
 * found (row number and what is wrong; rows are numbered from 1 as lines of the file).
 *
 * @example
 * const r = validateDigitsCsv("1,2\n");
 * E.isLeft(r); // true: r.left[0] starts with "row 1: expected 65 comma-separated values"
 */
export function validateDigitsCsv(text: string): E.Either<string[], DigitsRows> {
  if (typeof text !== "string") return E.left([`expected the CSV text as a string, got ${typeof text}`]);
  const ls = lines(text);
  const { left, right } = RA.separate(ls.map((l, i) => parseRow(l, i + 1)));
  const problems = left.flat();
  if (ls.length !== DIGITS_ROWS) problems.push(`expected ${DIGITS_ROWS} rows, got ${ls.length}`);
  if (problems.length > 0) return E.left(problems);
  const pixels = new Float32Array(DIGITS_ROWS * DIGITS_PIXELS);
  const labels = new Int32Array(DIGITS_ROWS);
  right.forEach((row, i) => {
    pixels.set(row.pixels, i * DIGITS_PIXELS);
    labels[i] = row.label;
  });
  return E.right({ pixels, labels });
}

/**
 * Parse digits CSV text into arrays, throwing a ValueError that names `source` and quotes the first
 * problems (row number and what is wrong) when the text is not the expected 1797 rows of
 * 64 pixels in 0..16 and a label in 0..9.
 *
 * @example
 * const { images, labels } = parseDigitsCsv(text, "my-digits.csv");
 * images.shape; // [1797, 64]
 */
export function parseDigitsCsv(text: string, source: string): Digits {
  const r = validateDigitsCsv(text);
  if (E.isLeft(r)) {
    const ps = r.left;
    const more = ps.length > QUOTED ? `; … and ${ps.length - QUOTED} more` : "";
    throw new ValueError(
      `digits: ${source} is not a valid digits CSV (${ps.length} problem${ps.length === 1 ? "" : "s"}): ` +
        `${ps.slice(0, QUOTED).join("; ")}${more}. Expected ${DIGITS_ROWS} lines, each 64 integer pixels in 0..16 ` +
        "then a label in 0..9, comma-separated, no header. Restore the file from axle's data/digits.csv.gz " +
        "(scikit-learn's sklearn/datasets/data/digits.csv.gz).",
    );
  }
  return Object.freeze({
    images: new ConcreteArray([DIGITS_ROWS, DIGITS_PIXELS], "float32", r.right.pixels),
    labels: new ConcreteArray([DIGITS_ROWS], "int32", r.right.labels),
  });
}
