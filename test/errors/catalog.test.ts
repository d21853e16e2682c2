/**
 * The error catalog: runs every case of ./cases.ts, checks that it raises exactly the declared
 * class with a message naming what it must name, checks that every exported error class has
 * cases (eagerly and under a transform where both exist), and renders docs/errors.md from the
 * results. With UPDATE_ERRORS_DOC=1 (`npm run docs:errors`) the page is rewritten; otherwise the
 * committed page must equal what the cases produce, so a changed message fails CI until the page
 * is regenerated.
 */
import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";
import * as axle from "../../src/index.js";
import * as testing from "../../src/testing/index.js";
import { tally } from "../reliability/tally.js";
import { CASES, type ErrorCase } from "./cases.js";

const count = tally("error catalog");

const root = fileURLToPath(new URL("../..", import.meta.url));
const DOC = join(root, "docs", "errors.md");

/** Every name a case may use: the public API of `axle` and `axle/testing`. */
const CONTEXT: Record<string, unknown> = { ...axle, ...testing };
const NAMES = Object.keys(CONTEXT);

type ErrorClass = new (...args: never[]) => Error;

/** The exported error classes: `AxleError` and everything that extends it, with where to import them. */
function errorClasses(): { name: string; cls: ErrorClass; from: string }[] {
  const out: { name: string; cls: ErrorClass; from: string }[] = [];
  for (const [from, mod] of [
    ["axle", axle],
    ["axle/testing", testing],
  ] as const) {
    for (const [name, v] of Object.entries(mod)) {
      if (typeof v === "function" && (v === axle.AxleError || v.prototype instanceof axle.AxleError)) {
        if (!out.some((c) => c.cls === v)) out.push({ name, cls: v as ErrorClass, from });
      }
    }
  }
  return out;
}

/** The doc comment above `export class Name`, from the sources that define error classes. */
function classDocs(): Map<string, { doc: string; parent: string }> {
  const docs = new Map<string, { doc: string; parent: string }>();
  for (const file of ["src/core/errors.ts", "src/ir/typecheck.ts", "src/testing/check-grads.ts"]) {
    const text = readFileSync(join(root, file), "utf8");
    for (const m of text.matchAll(/(?:\/\*\*((?:[^*]|\*(?!\/))*)\*\/\s*)?export class (\w+) extends (\w+)/g)) {
      const doc = (m[1] ?? "")
        .split("\n")
        .map((l) => l.replace(/^\s*\* ?/, "").trim())
        .filter((l) => l !== "")
        .join(" ");
      docs.set(m[2], { doc, parent: m[3] });
    }
  }
  return docs;
}

/**
 * Descriptions for classes whose source has no doc comment of their own: AxleError's comment is
 * the module's, and IrTypeError's file (src/ir) has none yet.
 */
const FALLBACK_DOCS: Record<string, string> = {
  AxleError: "The base class of every error axle raises on purpose; `instanceof AxleError` catches them all.",
  IrTypeError:
    "An IR failed `typecheck`: a variable used before it is defined or defined twice, or an equation whose output avals differ from what its primitive's shape rule derives. Every problem is listed, then the IR.",
};

/** Run a case's code with the public API in scope; return what it threw (null when nothing). */
function run(c: ErrorCase): unknown {
  try {
    new Function(...NAMES, c.code)(...NAMES.map((n) => CONTEXT[n]));
  } catch (e) {
    return e;
  }
  return null;
}

interface Result {
  c: ErrorCase;
  error: Error;
}

const results: Result[] = [];

describe("every catalog case raises its class with a message naming the operation, the values and the fix", () => {
  test.each(CASES.map((c) => [`${c.cls}: ${c.op} (${c.where})`, c] as const))("%s", (_, c) => {
    const e = run(c);
    expect(e, `${c.op}: nothing was thrown`).toBeInstanceOf(Error);
    const err = e as Error;
    expect(err.name, err.message).toBe(c.cls);
    expect(err).toBeInstanceOf(CONTEXT[c.cls] as ErrorClass);
    expect(err).toBeInstanceOf(axle.AxleError);
    for (const fragment of c.names) expect(err.message, `${c.op}: the message should name "${fragment}"`).toContain(fragment);
    count("cases raised their class");
    count("message fragments found", c.names.length);
    results.push({ c, error: err });
  });
});

describe("the catalog covers every error class", () => {
  const classes = errorClasses();
  // Classes raised both by eager calls and by calls traced under a transform. (TransformError is
  // raised by a transform, ConcretizationError only under one.)
  const bothWays = ["ShapeError", "AxisError", "DTypeError", "ValueError", "TreeError"];

  test("every exported error class has cases; the common ones eagerly and under a transform", () => {
    for (const { name } of classes) {
      if (name === "AxleError") continue;
      count("error classes covered");
      const cases = CASES.filter((c) => c.cls === name);
      expect(cases.length, `no catalog case raises ${name}: add one to test/errors/cases.ts`).toBeGreaterThan(0);
      if (bothWays.includes(name)) {
        expect(
          cases.some((c) => c.where === "eager"),
          `${name} needs an eager case`,
        ).toBe(true);
        expect(
          cases.some((c) => c.where !== "eager"),
          `${name} needs a case under a transform`,
        ).toBe(true);
      }
    }
    expect(classes.map((c) => c.name).sort()).toEqual(
      expect.arrayContaining(["AxleError", "GradCheckError", "IrTypeError", "ShapeError", "TreeError"]),
    );
  });

  test("the base class AxleError is never thrown directly: every error in src/ is of a specific class", () => {
    const offenders: string[] = [];
    const walk = (dir: string) => {
      for (const e of readdirSync(dir)) {
        const p = join(dir, e);
        if (statSync(p).isDirectory()) walk(p);
        else if (p.endsWith(".ts") && /new AxleError\(/.test(readFileSync(p, "utf8"))) offenders.push(relative(root, p));
      }
    };
    walk(join(root, "src"));
    expect(offenders).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------
// The page.

/** The page's order: the base, then from the most common to the most specialised; new classes go last. */
const ORDER = [
  "AxleError",
  "ShapeError",
  "AxisError",
  "DTypeError",
  "ValueError",
  "ConcretizationError",
  "LeakedTracerError",
  "TreeError",
  "TransformError",
  "IrTypeError",
  "GradCheckError",
  "FloatingPointError",
];

function render(): string {
  const docs = classDocs();
  const rank = (n: string) => {
    const i = ORDER.indexOf(n);
    return i < 0 ? ORDER.length : i;
  };
  const classes = errorClasses().sort((a, b) => rank(a.name) - rank(b.name) || a.name.localeCompare(b.name));
  const order = classes.map((c) => c.name);
  const lines: string[] = [
    "# Errors",
    "",
    "<!-- Generated by test/errors/catalog.test.ts from the cases in test/errors/cases.ts. Do not edit:",
    "     `npm run docs:errors` rewrites this page, and the test suite fails when it is out of date. -->",
    "",
    "Every error axle raises on purpose is an `AxleError`, one of the classes below; a `TypeError` or",
    "`RangeError` from inside axle is a bug. A message names the operation, the shapes, dtypes or tree",
    "paths involved, and how to fix the call. Errors raised while a transform traces your function end",
    "with the transforms they arose under, innermost first, and the line of your code that made the",
    "failing call: `(raised while tracing under grad, inside jit, at src/model.ts:12:5)` (below, the",
    "snippets run as `<anonymous>` code).",
    "",
    "Each message below is produced by the snippet above it (plain JS with the names of `axle` and",
    "`axle/testing` in scope), run by the test suite. Catch a class with `instanceof`:",
    "`e instanceof ShapeError` also catches its subclass `AxisError`, and `e instanceof AxleError`",
    "catches them all.",
    "",
    "| class | extends | import from | cases |",
    "| --- | --- | --- | --- |",
  ];
  for (const { name, from } of classes) {
    const parent = docs.get(name)?.parent ?? "Error";
    const n = CASES.filter((c) => c.cls === name).length;
    lines.push(`| [\`${name}\`](#${name.toLowerCase()}) | \`${parent}\` | \`${from}\` | ${n} |`);
  }
  for (const name of order) {
    const doc = name === "AxleError" ? FALLBACK_DOCS.AxleError : docs.get(name)?.doc || FALLBACK_DOCS[name] || "";
    lines.push("", `## ${name}`, "", doc);
    if (name === "AxleError") {
      lines.push("", "The base class: never raised itself (the suite checks that `src/` never throws it directly).");
      continue;
    }
    for (const { c, error } of results.filter((r) => r.c.cls === name)) {
      lines.push(
        "",
        `### ${c.op} — ${c.where}`,
        "",
        "```js",
        c.code,
        "```",
        "",
        "```text",
        `${error.name}: ${error.message}`,
        "```",
      );
    }
  }
  return `${lines.join("\n")}\n`;
}

test("docs/errors.md is what the cases produce (npm run docs:errors regenerates it)", () => {
  expect(results.length, "the cases above must all pass first").toBe(CASES.length);
  const page = render();
  if (process.env.UPDATE_ERRORS_DOC === "1") {
    writeFileSync(DOC, page);
    return;
  }
  let committed = "";
  try {
    committed = readFileSync(DOC, "utf8");
  } catch {
    // A missing page fails the comparison below with the same hint.
  }
  expect(committed, "docs/errors.md is out of date: run `npm run docs:errors` and commit the result").toBe(page);
});
