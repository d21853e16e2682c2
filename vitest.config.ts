import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const src = (path: string) => fileURLToPath(new URL(`./src/${path}`, import.meta.url));

export default defineConfig({
  // Code that imports "axle" (the docs' snippets) runs against the source, as examples and tests
  // do; package.json's exports point at the built dist/, which `npm run test:package` checks.
  resolve: {
    alias: [
      { find: /^axle$/, replacement: src("index.ts") },
      { find: /^axle\/testing$/, replacement: src("testing/index.ts") },
      { find: /^axle\/testing\/arbitraries$/, replacement: src("testing/arbitraries/index.ts") },
      { find: /^axle\/onnx$/, replacement: src("export/onnx/index.ts") },
    ],
  },
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 60_000,
    coverage: {
      provider: "v8",
      include: ["src/**/*.ts"],
      reporter: ["text-summary", "html"],
    },
  },
});
