import { defineConfig, mergeConfig } from "vitest/config";
import base from "/work/wt/eager/vitest.config.ts";
export default mergeConfig(base, defineConfig({ test: { setupFiles: ["/tmp/lazy-setup.ts"] } }));
