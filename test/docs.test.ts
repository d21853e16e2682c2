/**
 * Runs every ```ts block of README.md and docs/**\/*.md as a module, one test per block
 * (named file:line), so the documentation cannot drift from the code. A block whose first line
 * is `// not run` is skipped. Snippets import from "axle": they are written under
 * node_modules/.cache inside the project, where the package's self-reference resolves.
 */

import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { format } from "node:util";
import { afterAll, describe, expect, test, vi } from "vitest";

const root = fileURLToPath(new URL("..", import.meta.url));
const outDir = join(root, "node_modules", ".cache", "doc-snippets");

interface Snippet {
  file: string;
  line: number;
  code: string;
}

function markdownFiles(): string[] {
  const files: string[] = [];
  if (existsSync(join(root, "README.md"))) files.push(join(root, "README.md"));
  const walk = (dir: string) => {
    if (!existsSync(dir)) return;
    for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = join(dir, e.name);
      // docs/api is typedoc's generated output (copies of these pages), not a source.
      if (e.isDirectory()) {
        if (p !== join(root, "docs", "api")) walk(p);
      } else if (e.name.endsWith(".md")) files.push(p);
    }
  };
  walk(join(root, "docs"));
  return files;
}

/** The ```ts blocks of a markdown file, with the 1-based line of the opening fence. */
function extractSnippets(file: string, text: string): Snippet[] {
  const out: Snippet[] = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    if (!/^```ts\s*$/.test(lines[i])) continue;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && !/^```\s*$/.test(lines[i]); i++) body.push(lines[i]);
    if (i === lines.length) throw new Error(`${file}:${start + 1}: unterminated code block`);
    if ((body[0] ?? "").trim() === "// not run") continue;
    out.push({ file, line: start + 1, code: body.join("\n") });
  }
  return out;
}

/**
 * Each `// → text` comment states what the snippet prints (as console.log formats it): the first
 * line of `text` must appear in a printed line, in the order the comments are written, ignoring
 * whitespace; `…` stands for any run of characters. So the docs' outputs never rot.
 */
function checkPrinted(s: Snippet, printed: readonly string[]): void {
  const squash = (t: string) => t.replace(/\s+/g, "");
  const lines = printed.flatMap((p) => p.split("\n")).map(squash);
  let at = 0;
  for (const m of s.code.matchAll(/\/\/ → (.*)$/gm)) {
    const want = m[1].trim();
    const pattern = new RegExp(
      squash(want)
        .split("…")
        .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))
        .join(".*?"),
    );
    const found = lines.findIndex((l, i) => i >= at && pattern.test(l));
    if (found < 0) {
      throw new Error(
        `${s.file}:${s.line}: the comment "// → ${want}" does not match what the snippet printed:\n${printed.join("\n")}`,
      );
    }
    at = found + 1;
  }
}

const snippets = markdownFiles().flatMap((f) => extractSnippets(relative(root, f), readFileSync(f, "utf8")));

mkdirSync(outDir, { recursive: true });
afterAll(() => rmSync(outDir, { recursive: true, force: true }));

describe("extractSnippets", () => {
  test("finds ts blocks with their line numbers and skips `// not run`", () => {
    const md = ["# t", "```ts", "const a = 1;", "```", "```js", "x", "```", "```ts", "// not run", "```", "```ts", "b", "```"];
    expect(extractSnippets("x.md", md.join("\n"))).toEqual([
      { file: "x.md", line: 2, code: "const a = 1;" },
      { file: "x.md", line: 11, code: "b" },
    ]);
  });

  test("`// →` comments must match the printed output, in order, with … as a wildcard", () => {
    const snip = { file: "x.md", line: 1, code: "log(a); // → [ 1, 2 ]\nlog(b); // → 3.14…" };
    expect(() => checkPrinted(snip, ["[1, 2]", "3.14159"])).not.toThrow();
    expect(() => checkPrinted(snip, ["[1, 3]", "3.14159"])).toThrow("does not match");
    expect(() => checkPrinted(snip, ["3.14159", "[1, 2]"])).toThrow("does not match");
  });

  test("the docs have snippets", () => {
    expect(snippets.some((s) => s.file.startsWith("docs"))).toBe(true);
  });
});

describe("documentation snippets", () => {
  test.each(snippets.map((s) => [`${s.file}:${s.line}`, s] as const))("%s", async (_name, s) => {
    const name = `${s.file.replace(/[^a-zA-Z0-9]+/g, "_")}_${s.line}.ts`;
    const path = join(outDir, name);
    writeFileSync(path, `${s.code}\nexport {};\n`);
    const printed: string[] = [];
    const spy = vi.spyOn(console, "log").mockImplementation((...args: unknown[]) => {
      printed.push(format(...args));
    });
    try {
      await import(/* @vite-ignore */ pathToFileURL(path).href);
      checkPrinted(s, printed);
    } catch (e) {
      const where = `(in ${s.file}:${s.line}; printed before the error:\n${printed.join("\n")})`;
      if (e instanceof Error) {
        e.message += `\n${where}`;
        throw e;
      }
      throw new Error(`${String(e)}\n${where}`);
    } finally {
      spy.mockRestore();
    }
  });
});
