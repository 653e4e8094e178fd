import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

/** `npm run test:cluster`: the chart and `sstar cluster` on a local control plane (tests/cluster/). */
export default defineConfig({
  test: {
    include: ["tests/cluster/**/*.test.ts"],
    maxWorkers: 1,
    testTimeout: 180_000,
    hookTimeout: 900_000,
    env: {
      // The simulator's checked mutant pools, shared with the main suite (vitest.config.ts).
      SSTAR_MUTANT_CACHE_DIR: fileURLToPath(new URL("./.sstar/test-cache", import.meta.url)),
      SSTAR_MUTANTS_PER_PROBLEM: "6",
    },
  },
});
