/** The vendored digits set: loading, the on-load checks and their error messages. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import * as E from "fp-ts/lib/Either.js";
import { afterAll, describe, expect, test } from "vitest";
import { ValueError } from "../../src/core/errors.js";
import { counts, datasets, thrown, values } from "./helpers.js";

const FILE = new URL("../../data/digits.csv.gz", import.meta.url);
const TEXT = gunzipSync(readFileSync(FILE)).toString("utf8");
const LINES = TEXT.trimEnd().split("\n");
const withLine = (i: number, line: string) => LINES.map((l, j) => (j === i ? line : l)).join("\n") + "\n";

const tmp = mkdtempSync(join(tmpdir(), "axle-digits-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe("digits()", () => {
  const d = datasets.digits();

  test("shapes and dtypes", () => {
    expect(d.images.shape).toEqual([1797, 64]);
    expect(d.images.dtype).toBe("float32");
    expect(d.labels.shape).toEqual([1797]);
    expect(d.labels.dtype).toBe("int32");
    expect(Object.isFrozen(d)).toBe(true);
  });

  test("class counts (as sklearn.datasets.load_digits)", () => {
    expect(counts(d.labels, 10)).toEqual([178, 182, 177, 183, 181, 182, 181, 179, 174, 180]);
  });

  test("pixels are integers in 0..16 and both ends occur", () => {
    const px = values(d.images);
    expect(px.every((v) => Number.isInteger(v) && v >= 0 && v <= 16)).toBe(true);
    expect(Math.min(...px)).toBe(0);
    expect(Math.max(...px)).toBe(16);
    // sum over the whole file, a checksum of the pixel order and values
    expect(px.reduce((a, b) => a + b, 0)).toBe(561718);
  });

  test("first and last rows", () => {
    const first = values(d.images).slice(0, 64);
    expect(first.slice(0, 16)).toEqual([0, 0, 5, 13, 9, 1, 0, 0, 0, 0, 13, 15, 10, 15, 5, 0]);
    expect(first.slice(56)).toEqual([0, 0, 6, 13, 10, 0, 0, 0]);
    expect(d.labels.data()[0]).toBe(0);
    expect(d.labels.data()[1]).toBe(1);
    expect(d.labels.data()[1796]).toBe(8);
    expect(values(d.images).slice(1796 * 64)).toEqual(LINES[1796].split(",").slice(0, 64).map(Number));
  });

  test("a plain (uncompressed) CSV path loads the same", () => {
    const p = join(tmp, "digits.csv");
    writeFileSync(p, TEXT);
    const e = datasets.digits({ path: p });
    expect(values(e.images)).toEqual(values(d.images));
    expect(values(e.labels)).toEqual(values(d.labels));
  });
});

describe("digits() file errors", () => {
  test("missing file names the path and the fix", () => {
    const p = join(tmp, "nope", "digits.csv.gz");
    const e = thrown(() => datasets.digits({ path: p }));
    expect(e).toBeInstanceOf(ValueError);
    expect(e.message).toContain(p);
    expect(e.message).toContain("not found");
    expect(e.message).toContain("data/digits.csv.gz");
    expect(e.message).toContain("digits({ path })");
  });

  test("a damaged gzip file", () => {
    const p = join(tmp, "bad.csv.gz");
    writeFileSync(p, Buffer.from([0x1f, 0x8b, 1, 2, 3, 4]));
    const e = thrown(() => datasets.digits({ path: p }));
    expect(e).toBeInstanceOf(ValueError);
    expect(e.message).toContain(p);
    expect(e.message).toContain("does not decompress");
  });

  test("a malformed file names the file and the bad row", () => {
    const p = join(tmp, "short-row.csv");
    writeFileSync(p, withLine(9, LINES[9].split(",").slice(0, 64).join(",")));
    const e = thrown(() => datasets.digits({ path: p }));
    expect(e).toBeInstanceOf(ValueError);
    expect(e.message).toContain(p);
    expect(e.message).toContain("row 10: expected 65 comma-separated values (64 pixels and a label), got 64 values");
  });
});

describe("parseDigitsCsv / validateDigitsCsv", () => {
  const err = (text: string) => thrown(() => datasets.parseDigitsCsv(text, "test.csv"));

  test("the real text parses; CRLF line ends are accepted", () => {
    const a = datasets.parseDigitsCsv(TEXT, "x");
    const b = datasets.parseDigitsCsv(TEXT.replaceAll("\n", "\r\n"), "x");
    expect(values(b.images)).toEqual(values(a.images));
    expect(E.isRight(datasets.validateDigitsCsv(TEXT))).toBe(true);
  });

  test("pixel out of range", () => {
    const cells = LINES[4].split(",");
    cells[2] = "17";
    const e = err(withLine(4, cells.join(",")));
    expect(e).toBeInstanceOf(ValueError);
    expect(e.message).toContain("test.csv");
    expect(e.message).toContain('row 5, column 3: pixel "17" is not an integer in 0..16');
    expect(e.message).toContain("(1 problem)");
  });

  test("non-integer, negative and non-numeric pixels", () => {
    for (const bad of ["1.5", "-1", "x", ""]) {
      const cells = LINES[0].split(",");
      cells[63] = bad;
      expect(err(withLine(0, cells.join(","))).message).toContain(`row 1, column 64: pixel ${JSON.stringify(bad)}`);
    }
  });

  test("bad label", () => {
    const cells = LINES[99].split(",");
    cells[64] = "10";
    expect(err(withLine(99, cells.join(","))).message).toContain('row 100: label "10" is not an integer in 0..9');
  });

  test("every problem is collected; the message quotes the first five and counts the rest", () => {
    const rows = LINES.map((l, i) => (i % 100 === 7 ? `${l},0` : l));
    const r = datasets.validateDigitsCsv(rows.join("\n"));
    expect(E.isLeft(r)).toBe(true);
    if (E.isLeft(r)) {
      expect(r.left).toHaveLength(18); // rows 8, 108, …, 1708
      expect(r.left[0]).toBe("row 8: expected 65 comma-separated values (64 pixels and a label), got 66 values");
      expect(r.left[17]).toContain("row 1708:");
    }
    const m = err(rows.join("\n")).message;
    expect(m).toContain("(18 problems)");
    expect(m).toContain("row 408:");
    expect(m).not.toContain("row 508:");
    expect(m).toContain("and 13 more");
  });

  test("wrong row count, empty lines and empty text", () => {
    expect(err(LINES.slice(1).join("\n")).message).toContain("expected 1797 rows, got 1796");
    expect(err(`${TEXT}${LINES[0]}\n`).message).toContain("expected 1797 rows, got 1798");
    const gap = err(withLine(3, "")).message;
    expect(gap).toContain("row 4: expected 65 comma-separated values (64 pixels and a label), got an empty line");
    const empty = err("").message;
    expect(empty).toContain("expected 1797 rows, got 0");
  });
});
