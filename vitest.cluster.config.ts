import { defineConfig } from "vitest/config";

/** `npm run test:cluster`: the chart and `sstar cluster` on a local control plane (tests/cluster/). */
export default defineConfig({
  test: {
    include: ["tests/cluster/**/*.test.ts"],
    maxWorkers: 1,
    testTimeout: 180_000,
    hookTimeout: 900_000,
  },
});
