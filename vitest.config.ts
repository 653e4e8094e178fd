import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["tests/**/*.test.ts"],
    // The real-API-server suite builds and starts a control plane: `npm run test:cluster`.
    exclude: ["tests/cluster/**", "**/node_modules/**"],
    // Integration tests start real servers and sandboxes; on 2 cores, two files at a time is the sweet spot.
    maxWorkers: 2,
    testTimeout: 120_000,
    hookTimeout: 900_000,
    env: {
      // Checked mutant pools are shared by every test file (and kept between local runs).
      SSTAR_MUTANT_CACHE_DIR: fileURLToPath(new URL("./.sstar/test-cache", import.meta.url)),
      // Half the default pool keeps the simulator's first start in a clean CI run short.
      SSTAR_MUTANTS_PER_PROBLEM: "6",
    },
  },
});
